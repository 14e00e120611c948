"""Generated paths and query strings over every URL pattern: never a server error.

The URL configuration is walked (every `path()` and `re_path()`, the back office's included);
each pattern's parameters are filled with text generated from the pattern's own regular
expression (so the request reaches the view: digits for `<int:…>`, any text but "/" for
`<str:…>`, including NUL bytes, right-to-left text, percent signs and numbers far beyond a
database integer), and a query string is drawn from the parameter names the views and the
back office's list filters read, plus made-up ones, with hostile values. Each request is made
as an anonymous visitor and as a superuser signed in with two factors (so the back office's
views run too). Whatever comes back, it is below 500.

Run on PostgreSQL (CI has it), where a NUL byte in a query used to be a DataError. P14.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern, _route_to_regex
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.factories import UserFactory
from tests.privacy.staff_roles import signed_in

pytestmark = pytest.mark.django_db

SRC = Path(__file__).resolve().parent.parent / "src" / "candor"


@dataclass(frozen=True)
class Route:
    name: str
    regex: str  # the whole path after the leading "/", anchored


def _regex_of(pattern) -> str:
    if isinstance(pattern, RoutePattern):
        regex = _route_to_regex(str(pattern._route), pattern._is_endpoint)[0]
    elif isinstance(pattern, RegexPattern):
        regex = pattern._regex
    else:  # pragma: no cover - no locale prefixes in this project
        raise AssertionError(f"unexpected pattern {pattern!r}")
    regex = regex.removeprefix("^")
    for end in (r"\Z", "$"):
        regex = regex.removesuffix(end)
    return regex


def _walk(patterns, prefix: str = "", names: tuple[str, ...] = ()):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(
                entry.url_patterns,
                prefix + _regex_of(entry.pattern),
                (*names, entry.namespace or ""),
            )
        elif isinstance(entry, URLPattern):
            name = ":".join(n for n in (*names, entry.name or str(entry.pattern)) if n)
            yield Route(name=name, regex=f"^{prefix}{_regex_of(entry.pattern)}$")


ROUTES = sorted(set(_walk(get_resolver().url_patterns)), key=lambda r: r.regex)


def _query_names() -> list[str]:
    """What the views read from the query string, and what the back office's lists filter on."""
    names = set(
        re.findall(
            r"GET(?:\.get|\.getlist)?\(?\[?\s*[\"'](\w+)[\"']",
            "\n".join(path.read_text() for path in SRC.rglob("*.py")),
        )
    )
    names |= {"q", "brand", "min_price", "max_price", "sort", "page"}  # listing filter forms
    names |= {"o", "p", "e", "all", "_changelist_filters", "_popup", "_to_field"}  # admin
    for model_admin in admin.site._registry.values():
        for entry in model_admin.list_filter:
            field = entry[0] if isinstance(entry, tuple) else entry
            if isinstance(field, str):
                names |= {
                    f"{field}__exact",
                    f"{field}__id__exact",
                    f"{field}__isnull",
                    f"{field}__gte",
                    f"{field}__lt",
                }
            elif getattr(field, "parameter_name", None):
                names.add(field.parameter_name)
    return sorted(names)


QUERY_NAMES = _query_names()
HOSTILE = [
    "",
    "-5",
    "0",
    "1",
    "99999999999999999999999",
    "1e400",
    "NaN",
    "\x00",
    "a\x00b",
    "%00",
    "..",
    "../../etc/passwd",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "اردو",
    "2026-02-30",
    "x" * 300,
    str(uuid.uuid4()),
    "https://evil.example/",
]
values = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(st.characters(codec="utf-8"), max_size=20),
    st.integers(-(10**20), 10**20).map(str),
)
queries = st.dictionaries(
    st.one_of(st.sampled_from(QUERY_NAMES), st.text(max_size=8)), values, max_size=4
)
path_text = st.characters(codec="utf-8")


def _encode(text: str) -> str:
    # What a client can send is bytes: lone surrogates go out as the (invalid) UTF-8 they are.
    return quote(text.encode("utf-8", "surrogatepass"), safe="/")


@st.composite
def requests_for(draw, route: Route) -> str:
    path = draw(st.from_regex(route.regex, fullmatch=True, alphabet=path_text))
    query = draw(queries)
    encoded = urlencode(
        [
            (k.encode("utf-8", "surrogatepass"), v.encode("utf-8", "surrogatepass"))
            for k, v in query.items()
        ]
    )
    return "/" + _encode(path) + (f"?{encoded}" if encoded else "")


@pytest.fixture
def shop(db, place, variant):
    """Something for the pages to show: a product, an order, a customer."""
    place({variant.pk: 1})
    UserFactory(email="customer@example.com")


def _get(client: Client, url: str) -> int:
    return client.get(url, HTTP_ACCEPT="text/html").status_code


def _actors() -> dict[str, Client]:
    return {
        "anonymous": Client(raise_request_exception=False),
        "staff": _staff_client(),
    }


def _staff_client() -> Client:
    client = signed_in(UserFactory(is_staff=True, is_superuser=True))
    client.raise_request_exception = False
    return client


SWEEP = settings(
    max_examples=2,
    deadline=None,
    # One example sweeps a slice of the routes: shrinking would repeat whole sweeps, and the
    # failures are reported all together with their addresses instead.
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Slices of the routes small enough for one example's generated data.
SLICE = 20
SLICES = [ROUTES[i : i + SLICE] for i in range(0, len(ROUTES), SLICE)]


def test_the_sweep_covers_the_whole_url_configuration():
    """The control: the walk finds the shop's, the accounts' and the back office's routes."""
    names = {route.name for route in ROUTES}
    assert len(ROUTES) > 300
    assert {"privacy:compare", "account_orders:detail", "support:mine_thread"} <= names
    assert any(name.startswith("admin:orders_order_") for name in names)
    assert "status__exact" in QUERY_NAMES and "path" in QUERY_NAMES


@pytest.mark.parametrize("routes", SLICES, ids=[f"{s[0].name}…" for s in SLICES])
@SWEEP
@given(data=st.data())
def test_p14_every_route_with_generated_paths_and_queries_is_never_a_5xx(shop, routes, data):
    """Every URL pattern, filled from its own regex, with a generated query string, as an
    anonymous visitor and as a superuser with two factors: no answer is 500 or above."""
    failures = []
    for who, client in _actors().items():
        for route in routes:
            url = data.draw(requests_for(route), label=route.name)
            status = _get(client, url)
            if status >= 500:
                failures.append((who, status, url))
    assert not failures, "\n".join(f"{who} {status} {url}" for who, status, url in failures)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(route=st.sampled_from(ROUTES), data=st.data(), who=st.sampled_from(["anonymous", "staff"]))
def test_p14_any_route_with_any_query_string_is_never_a_5xx(shop, route, data, who):
    """More query strings per route than the sweep, shrunk to the smallest failing one."""
    client = Client(raise_request_exception=False) if who == "anonymous" else _staff_client()
    url = data.draw(requests_for(route))
    assert _get(client, url) < 500, url
