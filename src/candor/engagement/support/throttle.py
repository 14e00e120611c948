"""Limits on the forms anyone can post, so they cannot be used to flood staff or someone's inbox.

The contact form mails an acknowledgement to the address typed into it, so it is limited per
address as well as per client. Counters live in the shared cache under a hash of the key, for
as long as the window lasts, and are never written to the database.
"""

import hashlib

from django.core.cache import cache

HOUR = 3600
# Threads a client address, or an email address, may open in an hour.
THREADS_PER_HOUR = 5
FEEDBACK_PER_HOUR = 10


def allow(kind: str, value: str, *, limit: int, seconds: int = HOUR) -> bool:
    """Count one use of `kind` by `value`; False once the limit is passed in the window."""
    if not value:
        return True
    key = "support:rate:" + hashlib.sha256(f"{kind}\0{value}".encode()).hexdigest()
    cache.add(key, 0, seconds)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, seconds)
        count = 1
    return count <= limit
