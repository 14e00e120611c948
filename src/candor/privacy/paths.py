"""Paths without the secrets some of them carry (P11, P12, P14).

A signed link (a guest's order, a support conversation) opens a page to whoever holds it, and
its token is part of the path. Whatever keeps paths (the server log, the page counts, feedback)
keeps such a page by its route instead, "/support/t/<str:token>/", so that nobody who reads
the log or a report can open what the link opens.
"""

from django.http import HttpRequest
from django.urls import ResolverMatch


def carries_secret(match: ResolverMatch | None) -> bool:
    return match is not None and any("token" in name for name in match.kwargs)


def kept_path(path: str, match: ResolverMatch | None) -> str:
    """`path`, or its route when one of the URL's parameters is a token."""
    if carries_secret(match):
        return "/" + match.route  # type: ignore[union-attr]
    return path


def request_path(request: HttpRequest) -> str:
    """The path of a request that has been resolved (in a middleware, after the view)."""
    return kept_path(request.path, getattr(request, "resolver_match", None))
