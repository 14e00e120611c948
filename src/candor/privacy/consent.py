"""Cookie consent (P1, P10): what the visitor has agreed to, and recording a new choice.

The choice lives in one essential cookie, `candor_consent`, whose value names the optional
categories allowed: `v1:analytics.preferences`, or `v1:` for none. (A dot, not a comma: a comma
is not allowed in a cookie value (RFC 6265), and Django would send the value quoted.) A
missing, unreadable or tampered value counts as no choice yet: nothing optional is allowed and
the banner asks.

For signed-in customers each choice is also a `ConsentRecord` (categories, policy version,
source, whether the browser sent Global Privacy Control, time). Records are never changed: a
new choice is a new row and a withdrawal is a row with no categories, so the rows are proof of
what was agreed and when.

A `Sec-GPC: 1` request header declines advertising (every category marked `declined_by_gpc`)
whatever the cookie says, on every request that carries it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse

from . import cookies
from .models import ConsentRecord

COOKIE_NAME = cookies.CONSENT_COOKIE
PREFIX = "v1:"
SEPARATOR = "."
SOURCES = ("banner", "cookie page")
GPC_NOTICE = (
    "Your browser sent a Global Privacy Control signal; we treat it as declining advertising."
)
_REQUEST_ATTRIBUTE = "_candor_cookie_consent"


class ConsentError(ValueError):
    """A choice that names something we do not know; nothing was recorded."""


@dataclass(frozen=True)
class Consent:
    chosen: bool  # the visitor has made a choice (the banner is not shown)
    categories: frozenset[str]  # the optional categories the cookie allows
    gpc: bool  # this request carries Sec-GPC: 1

    def refusal(self, category: str) -> str | None:
        """Why `category` is not allowed, or None when it is."""
        if category == cookies.ESSENTIAL:
            return None
        if self.gpc and category in cookies.DECLINED_BY_GPC:
            return f"the browser's Global Privacy Control signal declines {category}"
        if not self.chosen:
            return f"no cookie choice has been made, so {category} is not allowed"
        if category not in self.categories:
            return f"the visitor has not agreed to {category}"
        return None

    def allows(self, category: str) -> bool:
        return self.refusal(category) is None

    @property
    def allowed(self) -> list[str]:
        """The optional categories in force now, in CATEGORIES order."""
        return [key for key in cookies.OPTIONAL if self.allows(key)]


def parse(value: str | None) -> frozenset[str] | None:
    """The categories a consent cookie value allows, or None if it is not a valid choice."""
    if not value or not value.startswith(PREFIX):
        return None
    names = [name for name in value[len(PREFIX) :].split(SEPARATOR) if name]
    if any(name not in cookies.OPTIONAL for name in names) or len(set(names)) != len(names):
        return None
    return frozenset(names)


def encode(categories: Iterable[str]) -> str:
    return PREFIX + SEPARATOR.join(sorted(categories))


def gpc_signal(request: HttpRequest) -> bool:
    return request.META.get("HTTP_SEC_GPC", "").strip() == "1"


def consent_for(request: HttpRequest) -> Consent:
    """The visitor's consent for this request (read once, then kept on the request)."""
    found = getattr(request, _REQUEST_ATTRIBUTE, None)
    if found is None:
        categories = parse(request.COOKIES.get(COOKIE_NAME))
        found = Consent(
            chosen=categories is not None,
            categories=categories or frozenset(),
            gpc=gpc_signal(request),
        )
        setattr(request, _REQUEST_ATTRIBUTE, found)
    return found


def consent_was_read(request: HttpRequest) -> bool:
    return hasattr(request, _REQUEST_ATTRIBUTE)


def clean_choice(*, categories: Iterable[str], gpc: bool) -> list[str]:
    """The categories a choice allows: checked against the registry's categories, and without
    the ones a Global Privacy Control signal declines. Raises ConsentError on unknown ones."""
    chosen = set(categories)
    unknown = sorted(chosen - set(cookies.OPTIONAL))
    if unknown:
        raise ConsentError(f"Unknown cookie category: {', '.join(unknown)}.")
    if gpc:
        chosen -= cookies.DECLINED_BY_GPC
    return [key for key in cookies.OPTIONAL if key in chosen]


def record_choice(
    *, user, categories: Iterable[str], source: str, gpc: bool
) -> ConsentRecord | None:
    """Write a signed-in customer's choice as a new ConsentRecord (None for a visitor who is
    not signed in: their cookie is the only record). `categories` must already be clean."""
    if source not in SOURCES:
        raise ConsentError(f"Unknown source of a cookie choice: {source}.")
    allowed = clean_choice(categories=categories, gpc=gpc)
    if user is None or not user.is_authenticated:
        return None
    from .policy import current_version_label

    with transaction.atomic():
        return ConsentRecord.objects.create(
            user=user,
            categories=allowed,
            policy_version=current_version_label(),
            source=source,
            gpc=gpc,
        )


def store_choice(
    request: HttpRequest, response: HttpResponse, *, categories: Iterable[str]
) -> Consent:
    """Put the choice in the consent cookie on `response`, and make it this request's consent
    (so the response is judged by the new choice). Cookies the visitor holds in categories no
    longer allowed are deleted in the same response: withdrawing takes effect at once."""
    allowed = frozenset(categories)
    response.set_cookie(
        COOKIE_NAME,
        encode(allowed),
        max_age=int(cookies.CONSENT_LIFETIME.total_seconds()),
        samesite="Lax",
        httponly=True,
        secure=settings.SESSION_COOKIE_SECURE,
    )
    consent = Consent(chosen=True, categories=allowed, gpc=gpc_signal(request))
    setattr(request, _REQUEST_ATTRIBUTE, consent)
    for name in request.COOKIES:
        registered = cookies.cookie(name)
        if registered is not None and not consent.allows(registered.category):
            response.delete_cookie(name, samesite="Lax")
    return consent
