"""Whole-page cache for visitors who have no session yet: most first visits (P1).

Such a visitor's page is the same for everyone (no cart, no messages, no account), so it can be
served from memory. What keeps it correct:
- only visitors without a session cookie are served from it, and a response is kept only when
  it sets no session (never one visitor's cart or messages for another);
- the form token is not shared: the cached page keeps a hole where the CSRF token was, and each
  visitor gets a fresh token of their own (and its cookie) when the page is served;
- freshness lives in the shared default cache (Redis): a global version that invalidate() bumps
  when anything catalogue pages show changes, and a generation per page that forget() bumps
  when a product's stock moves. Both are read in one round trip per request, so every process
  and node stops serving a changed page at once. The page bodies stay in each process's memory,
  so a hit moves no page across the network. PAGE_CACHE_SECONDS is only a safety net. A
  counter that Redis lost starts again at a value it never had, and while Redis cannot be
  reached pages are rendered for every request and none is kept (candor.core.cache);
- what else a page depends on keeps cached pages apart: the values of the cookies named in
  PAGE_CACHE_VARY_COOKIES and the request headers (META keys) in PAGE_CACHE_VARY_HEADERS are
  part of the key. The cookie choice is the case in point: the banner shows until a visitor has
  chosen, and a Global Privacy Control header changes what it says, so a visitor who has chosen
  is never served the page cached for one who has not, or the other way round.
"""

import hashlib
import re
import time
from functools import wraps

from django.conf import settings
from django.core.cache import caches
from django.http import HttpResponse
from django.middleware.csrf import get_token

from .cache import shared_cache_down

VERSION_KEY = "pagecache:version"
CSRF_HOLE = "__candor_csrf_token__"
CSRF_INPUT = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]+(")')


def _digest(full_path: str) -> str:
    return hashlib.sha256(full_path.encode()).hexdigest()


def _variant(request) -> str:
    """A digest of what the page varies on besides its path (see the module docstring)."""
    values = [
        *(request.COOKIES.get(name, "") for name in settings.PAGE_CACHE_VARY_COOKIES),
        *(request.META.get(name, "") for name in settings.PAGE_CACHE_VARY_HEADERS),
    ]
    return hashlib.sha256("\0".join(values).encode()).hexdigest()[:32]


def _key(request) -> str | None:
    """The page's key under the current freshness counters, or None when they cannot be known
    (the shared cache is unreachable): then the page is rendered and not kept."""
    digest = _digest(request.get_full_path())
    generation_key = f"pagecache:generation:{digest}"
    shared = caches["default"]
    state = shared.get_many([VERSION_KEY, generation_key])
    if shared_cache_down():
        return None
    counters = []
    for name in (VERSION_KEY, generation_key):
        value = state.get(name)
        if value is None:
            value = _start_counter(name)
            if value is None:
                return None
        counters.append(value)
    version, generation = counters
    return f"page:{version}:{generation}:{digest}:{_variant(request)}"


def _start_counter(key: str) -> int | None:
    """Start a missing counter at a value it never had before. A counter goes missing when
    Redis loses its data (a restart, an eviction); starting again from 0 or 1 would bring
    back pages kept under those values before the loss."""
    shared = caches["default"]
    value = time.time_ns()
    if shared.add(key, value, None) and not shared_cache_down():
        return value
    return shared.get(key)  # another request started it first (or Redis is unreachable)


def _bump(key: str) -> None:
    try:
        caches["default"].incr(key)
    except ValueError:  # not set (lost or never used): any new value retires the old pages
        caches["default"].set(key, time.time_ns(), None)


def invalidate() -> None:
    """Something catalogue pages show has changed: no cached page may be served again."""
    _bump(VERSION_KEY)


def forget(paths) -> None:
    """Stop serving the cached pages at these paths (e.g. a product whose stock moved)."""
    for path in paths:
        _bump(f"pagecache:generation:{_digest(path)}")


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
        key = _key(request)
        if key is None:
            return view(request, *args, **kwargs)
        pages = caches["pages"]
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
