"""Counting uses of the forms anyone can post, so they cannot flood an inbox or a staff queue.

Counters live in the shared cache under a hash of what they count (an address, an email), for
as long as the window lasts, and are never written to the database. While the shared cache is
unreachable nothing can be counted, and these limits fail open: the forms keep working (a
contact message, a subscription) and each use that went uncounted is logged as a warning.
Signing in fails closed instead (candor.accounts.middleware; see docs/security.md).
"""

import hashlib
import logging

from django.core.cache import cache

from .cache import shared_cache_down

logger = logging.getLogger("candor.rate_limits")


def allow(scope: str, kind: str, value: str, *, limit: int, seconds: int) -> bool:
    """Count one use of `kind` by `value` in `scope`; False once `limit` is passed within the
    window. An empty value (no address known) is never limited."""
    if not value:
        return True
    key = f"{scope}:rate:" + hashlib.sha256(f"{kind}\0{value}".encode()).hexdigest()
    cache.add(key, 0, seconds)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, seconds)
        count = 1
    if shared_cache_down():
        logger.warning(
            "Rate limit %s:%s not enforced: the shared cache (Redis) is unreachable", scope, kind
        )
        return True
    return count <= limit
