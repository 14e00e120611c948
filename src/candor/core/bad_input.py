"""Refuse input the database cannot store, once, before any view sees it.

PostgreSQL text cannot hold a NUL character, and no UTF-8 text can hold a lone surrogate: a
value with either, used in a query (an order number from the path, an admin list filter, a
search word), makes the driver raise and the page a 500. Rather than every view and form
checking, `UnstorableInputMiddleware` answers 400 with the reason when the path, a query-string
parameter or a form field holds such a character, and drops a cookie
that holds one (a browser never sends one we set, and refusing every page would lock the
visitor out until they cleared their cookies).

It sits after the request-size limit, so an oversized body is refused before it is read here,
and before the session, CSRF and everything else that reads the request.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from django.http import HttpRequest, HttpResponse

# NUL, and the surrogate range, which only a lone (unpaired) surrogate can come from.
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def has_unstorable(value: str) -> bool:
    return UNSTORABLE.search(value) is not None


def _first_bad(pairs: Iterable[tuple[str, str]]) -> str | None:
    for key, value in pairs:
        if has_unstorable(key) or has_unstorable(value):
            return key if not has_unstorable(key) else "(a parameter name)"
    return None


def _refusal(where: str) -> HttpResponse:
    return HttpResponse(
        f"Bad request: {where} contains a character we cannot accept "
        "(a NUL byte or an invalid character).",
        status=400,
        content_type="text/plain; charset=utf-8",
    )


def unstorable_part(request: HttpRequest) -> str | None:
    """Which part of the request holds an unstorable character, in words; None if none."""
    if has_unstorable(request.path) or has_unstorable(request.path_info):
        return "the address"
    name = _first_bad((k, v) for k, values in request.GET.lists() for v in values)
    if name is not None:
        return f"the query-string parameter {name!r}"
    if request.method in ("GET", "HEAD", "OPTIONS") or not request.content_type.startswith(
        FORM_TYPES
    ):
        return None
    name = _first_bad((k, v) for k, values in request.POST.lists() for v in values)
    if name is not None:
        return f"the form field {name!r}"
    return None  # uploaded files' names: Django's parser already drops unprintable characters


class UnstorableInputMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        for name in [n for n, v in request.COOKIES.items() if has_unstorable(n + v)]:
            del request.COOKIES[name]
        where = unstorable_part(request)
        if where is not None:
            return _refusal(where)
        return self.get_response(request)
