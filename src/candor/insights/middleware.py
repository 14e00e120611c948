"""Counting page views without identifying anyone (P11).

`PageViewMiddleware` counts a request when it is a GET answered 200 with an HTML page, by a
client that is not an obvious bot, outside the back office. It counts the path (no query
string; a signed link's page by its route, without the token) on the shop's local day, and
nothing else: it reads the user agent only to recognise bots, sets no cookie and stores no
address, user or user agent. A signed-in customer who has restricted processing (P20) is not
counted at all.

Counts are kept in memory per process (a Counter of (path, day)) and added to the database by
`services.record_views` once they hold PAGE_VIEW_BATCH_ROWS pages (10,000) or the oldest has
waited PAGE_VIEW_FLUSH_SECONDS (30), and at process exit. Every page in a batch is one row
updated in the database, however often it was seen, so it is the number of distinct pages that
bounds a batch (and the memory it holds), not the number of views. A batch the database refuses
is dropped with a logged error; the page is served all the same.
"""

from __future__ import annotations

import atexit
import logging
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import date
from functools import lru_cache

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from candor.privacy.paths import request_path

from .models import MAX_PATH

logger = logging.getLogger("candor.insights")
_clock = time.monotonic  # replaced in tests

BOT_WORDS = re.compile(r"bot|crawl|spider|slurp|preview|monitor", re.IGNORECASE)


@lru_cache(maxsize=2048)
def is_bot(user_agent: str) -> bool:
    """An obvious bot: no user agent at all, a name that says so, or one ua-parser knows as a
    crawler (its device family "Spider")."""
    if not user_agent.strip() or BOT_WORDS.search(user_agent):
        return True
    from ua_parser import parse_device

    device = parse_device(user_agent)
    return device is not None and device.family == "Spider"


def is_prefetch(request: HttpRequest) -> bool:
    """A browser fetching a page the person may never look at."""
    meta = request.META
    purpose = meta.get("HTTP_SEC_PURPOSE") or meta.get("HTTP_PURPOSE") or ""
    return "prefetch" in purpose.lower()


def restricted(request: HttpRequest) -> bool:
    """A signed-in customer who asked us to restrict processing of their data (P20): not even
    counted anonymously. Without a session cookie nobody is signed in, and nothing is loaded."""
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return False
    user = getattr(request, "user", None)
    return bool(
        user is not None and user.is_authenticated and getattr(user, "processing_restricted", False)
    )


def _file_prefixes() -> list[str]:
    return [
        "/" + url.strip("/") + "/"
        for url in (settings.STATIC_URL, settings.MEDIA_URL)
        if url and "://" not in url
    ]


class ViewCounter:
    """Views waiting to be added to the database; safe to share between a worker's threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[tuple[str, date]] = Counter()
        self._since = 0.0

    def __len__(self) -> int:
        """The pages (rows) waiting."""
        return len(self._counts)

    def add(self, path: str, day: date) -> None:
        with self._lock:
            counts = self._counts
            if not counts:
                self._since = _clock()
            counts[(path, day)] += 1
            due = (
                len(counts) >= settings.PAGE_VIEW_BATCH_ROWS
                or _clock() - self._since >= settings.PAGE_VIEW_FLUSH_SECONDS
            )
            batch = self._take() if due else None
        if batch:
            self._write(batch)

    def _take(self) -> Counter[tuple[str, date]]:
        batch, self._counts = self._counts, Counter()
        return batch

    def flush(self) -> int:
        """Add whatever is waiting to the database now; returns the views written."""
        with self._lock:
            batch = self._take()
        return self._write(batch) if batch else 0

    def discard(self) -> None:
        with self._lock:
            self._take()

    @staticmethod
    def _write(batch: Counter[tuple[str, date]]) -> int:
        from .services import record_views

        try:
            return record_views(counts=batch)
        except DatabaseError:
            logger.exception("Could not record %d page views; they are dropped.", batch.total())
            return 0


counter = ViewCounter()


def flush() -> int:
    return counter.flush()


def _flush_at_exit() -> None:
    try:
        flush()
    except Exception:  # the interpreter is going away; never mask its exit status
        logger.exception("Could not record page views at exit.")


atexit.register(_flush_at_exit)


class PageViewMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        try:
            staff = reverse("admin:index")
        except NoReverseMatch:
            staff = "/backoffice/"
        # The back office, and HTML files among the static and media files.
        self.skipped = (staff, *_file_prefixes())

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            request.method == "GET"
            and response.status_code == 200
            and response.get("Content-Type", "").startswith("text/html")
        ):
            path = request.path
            if (
                len(path) <= MAX_PATH
                and "\x00" not in path
                and not path.startswith(self.skipped)
                and not is_prefetch(request)
                and not is_bot(request.META.get("HTTP_USER_AGENT", ""))
                and not restricted(request)
            ):
                counter.add(request_path(request), timezone.localdate())
        return response
