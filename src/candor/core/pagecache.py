"""Whole-page cache for visitors who have no session yet: most first visits (P1).

Such a visitor's page is the same for everyone (no cart, no messages, no account), so it can be
served from memory. Three things keep it correct:
- only visitors without a session cookie are served from it, and a response is kept only when
  it sets no session (never one visitor's cart or messages for another);
- the form token is not shared: the cached page keeps a hole where the CSRF token was, and each
  visitor gets a fresh token of their own (and its cookie) when the page is served;
- anything that changes what catalogue pages show calls invalidate(); the version lives in the
  default cache (Redis in production, so every web process sees it). A stock change forgets
  just the pages of the products concerned (forget()), so stock badges are exact too. Pages
  also expire after PAGE_CACHE_SECONDS, a safety net rather than the freshness mechanism.
"""

import hashlib
import re
from functools import wraps

from django.conf import settings
from django.core.cache import caches
from django.http import HttpResponse
from django.middleware.csrf import get_token

VERSION_KEY = "pagecache:version"
CSRF_HOLE = "__candor_csrf_token__"
CSRF_INPUT = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]+(")')


def _version() -> int:
    return caches["default"].get_or_set(VERSION_KEY, 1, None)


def invalidate() -> None:
    """Something catalogue pages show has changed: no cached page may be served again."""
    try:
        caches["default"].incr(VERSION_KEY)
    except ValueError:  # no version yet (or evicted): start a new one
        caches["default"].set(VERSION_KEY, 2, None)


def _key(full_path: str) -> str:
    digest = hashlib.sha256(full_path.encode()).hexdigest()
    return f"page:{_version()}:{digest}"


def forget(paths) -> None:
    """Drop the cached pages at these paths (e.g. a product page whose stock changed)."""
    caches["pages"].delete_many([_key(path) for path in paths])


def cache_for_visitors_without_session(view):
    """Serve `view` from memory to visitors without a session (GET and HEAD only)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        cacheable = (
            settings.PAGE_CACHE_SECONDS > 0
            and request.method in ("GET", "HEAD")
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
        )
        if not cacheable:
            return view(request, *args, **kwargs)
        pages, key = caches["pages"], _key(request.get_full_path())
        cached = pages.get(key)
        if cached is not None:
            content_type, body = cached
            if CSRF_HOLE in body:
                body = body.replace(CSRF_HOLE, get_token(request))
            return HttpResponse(body, content_type=content_type)
        response = view(request, *args, **kwargs)
        if (
            response.status_code == 200
            and not response.streaming
            and settings.SESSION_COOKIE_NAME not in response.cookies
        ):
            body = CSRF_INPUT.sub(rf"\g<1>{CSRF_HOLE}\g<2>", response.content.decode())
            pages.set(key, (response["Content-Type"], body), settings.PAGE_CACHE_SECONDS)
        return response

    return wrapper
