"""Limits on the public request form, so it cannot flood an inbox or the staff queue. Counted
by candor.core.rate_limits."""

from candor.core import rate_limits

PER_ADDRESS_PER_DAY = 3
PER_CLIENT_PER_HOUR = 10


def allow(kind: str, value: str, *, limit: int, seconds: int) -> bool:
    return rate_limits.allow("rights", kind, value, limit=limit, seconds=seconds)
