"""The cookie registry (P1, P10): every cookie the site can set and every tag it can load.

One registry serves three readers, so none of them can disagree with the others:
- `/privacy/cookies/` lists it (name, provider, purpose, category, lifetime);
- `CookieConsentMiddleware` drops any `Set-Cookie` for a cookie that is not in it, or whose
  category the visitor has not agreed to;
- `{% consented_tags %}` renders only the registered tags whose category is agreed to.

A cookie or tag that is not registered here cannot reach a browser from the server, so the
cookie page can never list less than the site sets. Apps register theirs at import time (e.g.
from their `apps.py` `ready()`), as they declare their data map.

The framework's own cookies are registered below: Django's session and CSRF cookies and our
consent cookie, all essential. django-allauth sets no cookie in this configuration: its only
cookies are the MFA "trust this browser" cookie (off: `MFA_TRUST_ENABLED = False`) and a login
cookie of the Apple and SAML providers (not installed). Flash messages live in the session
(`MESSAGE_STORAGE`), so the messages framework sets no cookie either.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings

ESSENTIAL = "essential"
PREFERENCES = "preferences"
ANALYTICS = "analytics"
ADVERTISING = "advertising"


@dataclass(frozen=True)
class Category:
    key: str
    label: str
    description: str
    # A Global Privacy Control signal (Sec-GPC: 1) declines this category whatever else the
    # visitor chose: advertising, and anything that shares or sells data.
    declined_by_gpc: bool = False


CATEGORIES: dict[str, Category] = {
    c.key: c
    for c in (
        Category(
            ESSENTIAL,
            "Essential",
            "Needed for the shop to work: your cart and sign-in, protection against forged "
            "forms, and remembering this choice. They are always on.",
        ),
        Category(
            PREFERENCES,
            "Preferences",
            "Remember settings you chose, so you need not set them again.",
        ),
        Category(
            ANALYTICS,
            "Analytics",
            "Tell us how the shop is used, so we can improve it. Our analytics is our own; "
            "nothing is sent to another company.",
        ),
        Category(
            ADVERTISING,
            "Advertising",
            "Measure or personalise advertising, which can mean sharing data with advertisers.",
            declined_by_gpc=True,
        ),
    )
}
OPTIONAL = tuple(key for key in CATEGORIES if key != ESSENTIAL)
DECLINED_BY_GPC = frozenset(key for key, c in CATEGORIES.items() if c.declined_by_gpc)


def describe_lifetime(lifetime: timedelta | str) -> str:
    """'2 weeks', '1 year', '6 months', '13 months'; a string is taken as already said."""
    if isinstance(lifetime, str):
        return lifetime
    days = lifetime.days
    if days <= 0:
        seconds = int(lifetime.total_seconds())
        if seconds >= 3600:
            hours = seconds // 3600
            return "1 hour" if hours == 1 else f"{hours} hours"
        return "1 minute" if seconds // 60 == 1 else f"{seconds // 60} minutes"
    years = round(days / 365.25)
    if years and abs(days - years * 365.25) <= 2:  # Django's CSRF cookie: 52 weeks
        return "1 year" if years == 1 else f"{years} years"
    if days >= 28:
        months = round(days / 30.44)
        return "1 month" if months == 1 else f"{months} months"
    if days % 7 == 0:
        weeks = days // 7
        return "1 week" if weeks == 1 else f"{weeks} weeks"
    return "1 day" if days == 1 else f"{days} days"


@dataclass(frozen=True)
class Cookie:
    name: str
    provider: str
    purpose: str
    category: str
    lifetime: str


@dataclass(frozen=True)
class Tag:
    """A script or other third-party element a page may load; `template` renders it."""

    name: str
    provider: str
    purpose: str
    category: str
    template: str


_cookies: dict[str, Cookie] = {}
_tags: dict[str, Tag] = {}


def _check_category(category: str) -> None:
    if category not in CATEGORIES:
        raise ValueError(
            f"Unknown cookie category {category!r}; use one of {', '.join(CATEGORIES)}."
        )


def register_cookie(
    name: str, provider: str, purpose: str, category: str, lifetime: timedelta | str
) -> Cookie:
    """Declare a cookie the site may set. `lifetime` is a timedelta or words ("until you
    close the browser"). Registering the same name again replaces the entry."""
    _check_category(category)
    cookie = Cookie(name, provider, purpose, category, describe_lifetime(lifetime))
    _cookies[name] = cookie
    return cookie


def register_tag(name: str, provider: str, purpose: str, category: str, template: str) -> Tag:
    """Declare a tag (a script) pages may load, rendered from `template` by
    `{% consented_tags %}` only for visitors who agreed to `category`."""
    _check_category(category)
    tag = Tag(name, provider, purpose, category, template)
    _tags[name] = tag
    return tag


def unregister_cookie(name: str) -> None:
    _cookies.pop(name, None)


def unregister_tag(name: str) -> None:
    _tags.pop(name, None)


def cookie(name: str) -> Cookie | None:
    return _cookies.get(name)


def cookies() -> list[Cookie]:
    """Every registered cookie, by category (in CATEGORIES order) then name."""
    order = list(CATEGORIES)
    return sorted(_cookies.values(), key=lambda c: (order.index(c.category), c.name))


def tags() -> list[Tag]:
    order = list(CATEGORIES)
    return sorted(_tags.values(), key=lambda t: (order.index(t.category), t.name))


def categories_in_use() -> list[str]:
    """The optional categories something is registered in: what "Accept all" agrees to and
    the choice form asks about. A category nothing uses is not asked for."""
    used = {c.category for c in _cookies.values()} | {t.category for t in _tags.values()}
    return [key for key in OPTIONAL if key in used]


# --- What the site itself sets ------------------------------------------------------------

SHOP = "This shop (first party)"
CONSENT_COOKIE = "candor_consent"
CONSENT_LIFETIME = timedelta(days=183)  # six months
ANALYTICS_COOKIE = "candor_analytics"
ANALYTICS_LIFETIME = timedelta(days=396)  # thirteen months; analytics.js uses the same


def _session_lifetime() -> timedelta | str:
    if settings.SESSION_EXPIRE_AT_BROWSER_CLOSE:
        return "until you close the browser"
    return timedelta(seconds=settings.SESSION_COOKIE_AGE)


register_cookie(
    settings.SESSION_COOKIE_NAME,
    SHOP,
    "Keeps your session: the cart, checkout details and sign-in. Set only once you add to "
    "the cart, sign in or do something else that needs it.",
    ESSENTIAL,
    _session_lifetime(),
)
register_cookie(
    settings.CSRF_COOKIE_NAME,
    SHOP,
    "Protects forms (add to cart, checkout, sign-in) against being submitted by another "
    "site in your name. Set by pages with such a form.",
    ESSENTIAL,
    timedelta(seconds=settings.CSRF_COOKIE_AGE),
)
register_cookie(
    CONSENT_COOKIE,
    SHOP,
    "Remembers your cookie choice, so we do not ask again on every page.",
    ESSENTIAL,
    CONSENT_LIFETIME,
)
# The shop's one analytics tag: a self-hosted script (no request to anyone else) that gives
# the browser a random id, so visits can be told apart. Loaded only with analytics consent.
register_cookie(
    ANALYTICS_COOKIE,
    SHOP,
    "A random id our own analytics script gives your browser, to tell visits apart. "
    "Nothing is sent to another company.",
    ANALYTICS,
    ANALYTICS_LIFETIME,
)
register_tag(
    "Candor analytics",
    SHOP,
    "Our own analytics script (served from this site; it contacts no one else). It sets "
    f"the {ANALYTICS_COOKIE} cookie.",
    ANALYTICS,
    "privacy/cookies_tag_analytics.html",
)
