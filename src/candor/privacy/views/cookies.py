"""The cookie page and the cookie choice (P1, P10).

`/privacy/cookies/` is generated from the registry (`privacy.cookies`): every cookie and tag,
by category, and the form to choose. `/privacy/cookies/choice/` takes the choice from that form
and from the banner on every page.

The choice endpoint takes no CSRF token: a token would need the CSRF cookie, and before a
choice a visitor must not be given any cookie they did not need (P1). It is protected instead
by asking the browser where the request came from: `Sec-Fetch-Site: same-origin`, or, from a
browser that does not send that header, an `Origin` equal to this site's. Anything else (another
site's form, a request with neither header) is refused with 403 and changes nothing.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from .. import cookies
from ..consent import (
    SOURCES,
    ConsentError,
    clean_choice,
    consent_for,
    gpc_signal,
    record_choice,
    store_choice,
)


def safe_next(request: HttpRequest, url: str | None) -> str:
    """Where to go back to: a path on this site, never elsewhere (default "/")."""
    if not url or not url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return "/"
    parts = urlsplit(url)
    back = parts.path + (f"?{parts.query}" if parts.query else "")
    if (
        not back.startswith("/")
        # The path alone must be safe too: "http://us//evil.example/" must not become
        # "//evil.example/", which a browser reads as another site.
        or not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()})
        or parts.path == reverse("privacy:cookie_choice")
    ):
        return "/"
    return back


def way_back(request: HttpRequest, explicit: str | None) -> str:
    """The page the visitor came from: the form's `next` when it gives one (the cookie page
    does), otherwise the Referer (the banner gives none, so that no page echoes its own
    address, which may hold a signed link's token, into its HTML)."""
    return safe_next(request, explicit or request.META.get("HTTP_REFERER"))


def cross_site_refusal(request: HttpRequest) -> str | None:
    """Why this POST may not come from one of our own pages, or None if it did."""
    fetch_site = request.META.get("HTTP_SEC_FETCH_SITE")
    if fetch_site is not None:
        if fetch_site.strip() == "same-origin":
            return None
        return (
            "A cookie choice is accepted only from this site's own pages; your browser says "
            f"this request came from elsewhere (Sec-Fetch-Site: {fetch_site})."
        )
    origin = request.META.get("HTTP_ORIGIN")
    if origin is None:
        return (
            "A cookie choice is accepted only from this site's own pages; this request did not "
            "say where it came from (no Sec-Fetch-Site or Origin header)."
        )
    own = f"{request.scheme}://{request.get_host()}"
    if origin == own or origin in settings.CSRF_TRUSTED_ORIGINS:
        return None
    return (
        "A cookie choice is accepted only from this site's own pages; this request came from "
        f"{origin}."
    )


def _refused(request: HttpRequest, reason: str, status: int) -> HttpResponse:
    return render(request, "privacy/cookies_refused.html", {"reason": reason}, status=status)


@require_GET
def cookie_page(request: HttpRequest) -> HttpResponse:
    consent = consent_for(request)
    in_use = cookies.categories_in_use()
    sections = [
        {
            "category": category,
            "cookies": [c for c in cookies.cookies() if c.category == key],
            "tags": [t for t in cookies.tags() if t.category == key],
        }
        for key, category in cookies.CATEGORIES.items()
    ]
    choices = [
        {
            "category": cookies.CATEGORIES[key],
            "checked": consent.allows(key),
            "declined_by_gpc": consent.gpc and key in cookies.DECLINED_BY_GPC,
        }
        for key in in_use
    ]
    return render(
        request,
        "privacy/cookies.html",
        {
            "sections": sections,
            "choices": choices,
            "consent": consent,
            "allowed_labels": [cookies.CATEGORIES[key].label for key in consent.allowed],
            "next": way_back(request, request.GET.get("next")),
            "on_cookie_page": True,
        },
    )


@csrf_exempt  # protected by cross_site_refusal instead: no cookie before a choice (P1)
@require_POST
def cookie_choice(request: HttpRequest) -> HttpResponse:
    refusal = cross_site_refusal(request)
    if refusal is not None:
        return _refused(request, refusal, 403)
    action = request.POST.get("action", "")
    if action == "accept":
        requested = cookies.categories_in_use()
    elif action == "decline":
        requested = []
    elif action == "save":
        requested = request.POST.getlist("category")
    else:
        return _refused(
            request,
            "Please choose “Accept all”, “Decline non-essential”, or save the categories "
            "you ticked.",
            400,
        )
    source = request.POST.get("source", "banner")
    if source not in SOURCES:
        return _refused(request, "This cookie choice came from a form we do not know.", 400)
    gpc = gpc_signal(request)
    try:
        allowed = clean_choice(categories=requested, gpc=gpc)
    except ConsentError as error:
        return _refused(request, str(error), 400)
    record_choice(user=getattr(request, "user", None), categories=allowed, source=source, gpc=gpc)
    response = HttpResponseRedirect(way_back(request, request.POST.get("next")))
    response.status_code = 303  # See Other: the page is fetched again with GET
    store_choice(request, response, categories=allowed)
    return response
