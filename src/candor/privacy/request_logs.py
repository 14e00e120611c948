"""The server log (P12): one row per request, written in batches so a page pays little.

`RequestLogMiddleware` sits near the top of MIDDLEWARE. For each request it keeps a small
tuple (time, client address, user agent, referrer, method, path, status, user id) in an
in-process buffer; nothing touches the database while a page is served, except that the
request that fills the buffer (REQUEST_LOG_BATCH_SIZE entries, 500 by default) or finds it
older than REQUEST_LOG_FLUSH_SECONDS (10) writes the whole batch with one statement (COPY on
PostgreSQL, a bulk INSERT elsewhere). Whatever is left is written when the process exits
(atexit). The user agent is parsed into browser and OS families (ua-parser) only then, once
per distinct string.

What is not logged: static and media files, the /healthz and /readyz probes, and the
token of a signed link (a guest's order, a support conversation): such a page is logged by its
route (privacy.paths), so a log reader cannot open what the link opens. The referrer goes
through the same stripping: one of our pages by its kept path without the query string,
another site's only as its origin.

The client address is REMOTE_ADDR, or behind TRUSTED_PROXY_COUNT reverse proxies the
X-Forwarded-For entry the outermost trusted proxy added (the N-th from the right, as allauth
counts for its rate limits); entries further left are written by the client and can be
forged, so they are never used.

Rows are kept as the data map declares (privacy.retention): the address is shortened and the
user-agent string blanked after the first period, the row deleted after the longer one.

A batch that cannot be written (the database is down) is dropped with a logged error: the
shop keeps serving pages. A process killed without exiting (SIGKILL, a power cut) loses at
most its unwritten batch.
"""

from __future__ import annotations

import atexit
import ipaddress
import logging
import threading
import time
from collections.abc import Callable
from contextlib import nullcontext
from datetime import datetime
from functools import lru_cache

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.db import DatabaseError, connection, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.functional import empty

from .paths import kept_referrer, request_path

logger = logging.getLogger("candor.privacy.request_logs")
_clock = time.monotonic  # replaced in tests

# Longer values are cut: a log line is for reading, not a place to store megabytes.
MAX_TEXT = 2000
MAX_FAMILY = 80  # RequestLog.browser and RequestLog.os


# One waiting line: (at, ip, user_agent, referrer, method, path, status, user_id). A plain
# tuple of strings, numbers and a datetime, which the garbage collector stops tracking; a
# NamedTuple would stay tracked, and a worker holding hundreds of them between flushes would
# run more full collections, each walking the whole heap.
Entry = tuple[datetime, str | None, str, str, str, str, int, int | None]


def _clean(value: str, limit: int = MAX_TEXT) -> str:
    # PostgreSQL text cannot hold NUL; one such header must not sink a whole batch.
    return value.replace("\x00", "")[:limit]


@lru_cache(maxsize=4096)
def valid_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """The visitor's address: see the module docstring for which proxy entry is trusted."""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        hops = [h for h in hops if h]
        if hops:
            # Fewer entries than proxies: the farthest entry there is (still not client-made
            # unless the proxy count is set too high).
            return valid_ip(hops[-min(proxies, len(hops))])
    return valid_ip(request.META.get("REMOTE_ADDR", ""))


def client_key(request: HttpRequest) -> str:
    """What per-client rate limits count: the client address, an IPv6 one by its /64 (one
    household or server holds a whole /64, so counting single addresses would count nothing,
    as allauth's limits also do); "" when there is no valid address."""
    ip = client_ip(request)
    if ip is None or ":" not in ip:
        return ip or ""
    return str(ipaddress.ip_network(f"{ip}/64", strict=False).network_address) + "/64"


def user_id(request: HttpRequest) -> int | None:
    """The signed-in user's id, without a query: the user object if the request already
    loaded it, otherwise the id the session holds (loading the session at most)."""
    user = getattr(request, "user", None)
    if user is None:
        return None
    wrapped = getattr(user, "_wrapped", user)
    if wrapped is not empty:
        return wrapped.pk if wrapped.is_authenticated else None
    session = getattr(request, "session", None)
    if session is None or settings.SESSION_COOKIE_NAME not in request.COOKIES:
        # No session cookie, nobody signed in; reading the session would only mark it as
        # accessed (and make the session middleware add a Vary header to the response).
        return None
    try:
        return int(session.get(SESSION_KEY))
    except (TypeError, ValueError):
        return None


@lru_cache(maxsize=2048)
def parse_user_agent(user_agent: str) -> tuple[str, str]:
    """(browser family, OS family) for a user-agent string; "" where ua-parser finds none."""
    if not user_agent:
        return "", ""
    from ua_parser import parse

    result = parse(user_agent)
    browser = result.user_agent.family if result.user_agent else ""
    system = result.os.family if result.os else ""
    return browser[:MAX_FAMILY], system[:MAX_FAMILY]


def _skipped_prefixes() -> tuple[str, ...]:
    prefixes = ["/healthz", "/readyz"]
    for url in (settings.STATIC_URL, settings.MEDIA_URL):
        if url and "://" not in url:
            prefixes.append("/" + url.strip("/") + "/")
    return tuple(prefixes)


class RequestLogBuffer:
    """Entries waiting to be written; safe to share between a worker's threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[Entry] = []
        self._since = 0.0  # _clock() of the oldest entry

    def __len__(self) -> int:
        return len(self._entries)

    def add(self, entry: Entry) -> None:
        """Keep `entry`; write the batch if it is full or old enough."""
        with self._lock:
            if not self._entries:
                self._since = _clock()
            self._entries.append(entry)
            due = (
                len(self._entries) >= settings.REQUEST_LOG_BATCH_SIZE
                or _clock() - self._since >= settings.REQUEST_LOG_FLUSH_SECONDS
            )
            batch = self._take() if due else []
        if batch:
            write(batch)

    def _take(self) -> list[Entry]:
        batch, self._entries = self._entries, []
        return batch

    def flush(self) -> int:
        """Write whatever is waiting now; returns how many rows were written."""
        with self._lock:
            batch = self._take()
        return write(batch) if batch else 0

    def discard(self) -> None:
        with self._lock:
            self._entries = []


def without_waiting_for_disk() -> None:
    """In the current transaction, commit without waiting for PostgreSQL's fsync: log rows and
    page counts are not worth the wait (a crash of PostgreSQL itself may forget the last
    fraction of a second of them). SQLite has no such setting."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")


COLUMNS = (
    "at",
    "ip",
    "ip_truncated",
    "user_agent",
    "browser",
    "os",
    "referrer",
    "method",
    "path",
    "status",
    "user_id",
)


def _copy(rows: list[tuple]) -> None:
    """PostgreSQL: one COPY. Django's bulk_create spent about 90 µs of the web worker's CPU
    per row preparing its INSERT; COPY takes under 20 (bench/README.md)."""
    from .models import RequestLog

    quote = connection.ops.quote_name
    sql = (
        f"COPY {quote(RequestLog._meta.db_table)} ({', '.join(quote(c) for c in COLUMNS)}) "
        "FROM STDIN"
    )
    with connection.cursor() as cursor:
        # Recorded like any query where queries are recorded (DEBUG, tests).
        recording = cursor.debug_sql(sql) if hasattr(cursor, "debug_sql") else nullcontext()
        with connection.wrap_database_errors, recording, cursor.cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)


def write(batch: list[Entry]) -> int:
    """One statement for the batch (COPY on PostgreSQL, a bulk INSERT elsewhere). Never
    raises: a lost batch must not become an error page."""
    from .models import RequestLog

    rows = []
    for at, ip, user_agent, referrer, method, path, status, user in batch:
        browser, system = parse_user_agent(user_agent)
        rows.append(
            (at, ip, False, user_agent, browser, system, referrer, method, path, status, user)
        )
    try:
        # Its own transaction, or a savepoint inside the caller's: a failure leaves nothing
        # half-written and the caller's transaction usable.
        with transaction.atomic():
            without_waiting_for_disk()
            if connection.vendor == "postgresql":
                _copy(rows)
            else:
                RequestLog.objects.bulk_create(
                    [RequestLog(**dict(zip(COLUMNS, row, strict=True))) for row in rows]
                )
    except DatabaseError:
        logger.exception("Could not write %d request log rows; they are dropped.", len(rows))
        return 0
    return len(rows)


buffer = RequestLogBuffer()


def flush() -> int:
    """Write the process's waiting entries now (at exit, and in tests)."""
    return buffer.flush()


def _flush_at_exit() -> None:
    try:
        flush()
    except Exception:  # the interpreter is going away; never mask its exit status
        logger.exception("Could not write the request log at exit.")


atexit.register(_flush_at_exit)


class RequestLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.skipped = _skipped_prefixes()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        at = timezone.now()
        response = self.get_response(request)
        path = request.path
        if not path.startswith(self.skipped):
            path = request_path(request)  # a signed link's token is not logged
            meta = request.META
            buffer.add(
                (
                    at,
                    client_ip(request),
                    _clean(meta.get("HTTP_USER_AGENT", "")),
                    _clean(kept_referrer(meta.get("HTTP_REFERER", ""), request)),
                    _clean(request.method or "", 10),
                    _clean(path),
                    response.status_code,
                    user_id(request),
                )
            )
        return response
