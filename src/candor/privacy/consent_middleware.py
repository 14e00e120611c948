"""Enforcement, not etiquette (P1, P10): no cookie leaves the server without a right to.

`CookieConsentMiddleware` looks at every response's `Set-Cookie`s and drops each one whose
cookie is not in the registry (`privacy.cookies`), or whose category the visitor has not
agreed to (essential cookies are always allowed; a Global Privacy Control signal declines
advertising whatever the consent cookie says). Deleting a registered cookie is always allowed.
Every drop is logged (logger `candor.privacy.cookies`, WARNING) with the cookie and the reason,
so a forgotten registration shows up in the logs, not in visitors' browsers.

It sits right after WhiteNoise in MIDDLEWARE, before the session, CSRF and messages
middleware, so on the way out it sees the cookies they add.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from http.cookies import Morsel

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers
from django.utils.http import parse_http_date_safe

from . import cookies
from .consent import consent_for, consent_was_read

logger = logging.getLogger("candor.privacy.cookies")
VARY = ("Cookie", "Sec-GPC")


def is_deletion(morsel: Morsel) -> bool:
    """A Set-Cookie that removes the cookie (Max-Age 0, or an expiry in the past)."""
    max_age = str(morsel["max-age"]).strip()
    if max_age:
        try:
            return int(max_age) <= 0
        except ValueError:
            return False
    expires = morsel["expires"]
    if expires:
        when = parse_http_date_safe(str(expires))
        return when is not None and when <= time.time()  # Django writes 1 January 1970
    return False


class CookieConsentMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.cookies:
            self.enforce(request, response)
        if consent_was_read(request) or response.get("Content-Type", "").startswith("text/html"):
            # Pages depend on the consent cookie and the GPC header (the banner, the tags).
            if "Vary" in response:
                patch_vary_headers(response, VARY)
            else:  # the common case, without parsing a header that is not there
                response["Vary"] = ", ".join(VARY)
        return response

    def enforce(self, request: HttpRequest, response: HttpResponse) -> None:
        for name, morsel in list(response.cookies.items()):
            registered = cookies.cookie(name)
            if registered is None:
                reason = "it is not in the cookie registry"
            elif registered.category == cookies.ESSENTIAL or is_deletion(morsel):
                continue
            else:
                reason = consent_for(request).refusal(registered.category)
                if reason is None:
                    continue
            del response.cookies[name]
            logger.warning(
                "Dropped cookie %r from the response to %s %s: %s.",
                name,
                request.method,
                request.path,
                reason,
            )
