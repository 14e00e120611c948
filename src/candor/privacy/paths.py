"""Paths and referrers without the secrets some of them carry (P11, P12, P14).

A signed link (a guest's order, a support conversation, a password reset) opens a page to
whoever holds it, and its token is part of the path. Whatever keeps paths (the server log, the
page counts, feedback) keeps such a page by its route instead, "/support/t/<str:token>/", so
that nobody who reads the log or a report can open what the link opens. A referrer is a path
too, often the previous page's: one from this site is kept the same way, without its query
string; one from another site is kept only as its origin ("https://search.example"), which is
all the log's purposes need and all that another site's address should tell us.
"""

import threading
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.http import HttpRequest
from django.urls import Resolver404, ResolverMatch, resolve

# URL parameters that hold a bearer secret: our signed links' `token`, allauth's `key`
# (email confirmation, password reset).
SECRET_PARAMETERS = ("token", "key")


def carries_secret(match: ResolverMatch | None) -> bool:
    return match is not None and any(
        part in name for name in match.kwargs for part in SECRET_PARAMETERS
    )


def kept_path(path: str, match: ResolverMatch | None) -> str:
    """`path`, or its route when one of the URL's parameters is a token."""
    if carries_secret(match):
        return "/" + match.route  # type: ignore[union-attr]
    return path


def request_path(request: HttpRequest) -> str:
    """The path of a request that has been resolved (in a middleware, after the view)."""
    return kept_path(request.path, getattr(request, "resolver_match", None))


def kept_referrer(referrer: str, request: HttpRequest) -> str:
    """What may be kept of a request's Referer: this site's page by its kept path (no query
    string, no token), another site's origin only; "" for anything that is not a web URL."""
    try:
        parts = urlsplit(referrer.strip())
    except ValueError:
        return ""
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return ""
    origin = f"{parts.scheme}://{parts.netloc}"
    ours = {request.META.get("HTTP_HOST", "").lower(), urlsplit(settings.SITE_URL).netloc.lower()}
    if parts.netloc.lower() not in ours:
        return origin
    return origin + _kept_own_path(unquote(parts.path or "/"))


def _kept_own_path(path: str) -> str:
    if _plain(path):
        return path
    try:
        match = resolve(path)
    except Resolver404:
        match = None
    kept = kept_path(path, match)
    if kept == path:
        _plain.remember(path)
    return kept


class _PlainPaths:
    """Paths of ours known to carry no secret (most referrers: catalogue pages), so the log
    resolves a referrer once per distinct page rather than on every request. A token's path
    is never remembered."""

    def __init__(self, size: int = 4096) -> None:
        self._seen: dict[str, None] = {}
        self._size = size
        self._lock = threading.Lock()

    def __call__(self, path: str) -> bool:
        return path in self._seen

    def remember(self, path: str) -> None:
        with self._lock:
            if len(self._seen) >= self._size:
                self._seen.pop(next(iter(self._seen)))  # the oldest
            self._seen[path] = None


_plain = _PlainPaths()
