"""Limits on the public request form, so it cannot flood an inbox or the staff queue. Counters
live in the shared cache under a hash of the key, never in the database."""

import hashlib

from django.core.cache import cache

PER_ADDRESS_PER_DAY = 3
PER_CLIENT_PER_HOUR = 10


def allow(kind: str, value: str, *, limit: int, seconds: int) -> bool:
    if not value:
        return True
    key = "rights:rate:" + hashlib.sha256(f"{kind}\0{value}".encode()).hexdigest()
    cache.add(key, 0, seconds)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, seconds)
        count = 1
    return count <= limit
