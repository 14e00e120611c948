"""Limits on the forms anyone can post, so they cannot be used to flood staff or someone's inbox.

The contact form mails an acknowledgement to the address typed into it, so it is limited per
address as well as per client (candor.core.rate_limits).
"""

from candor.core import rate_limits

HOUR = 3600
# Threads a client address, or an email address, may open in an hour.
THREADS_PER_HOUR = 5
FEEDBACK_PER_HOUR = 10


def allow(kind: str, value: str, *, limit: int, seconds: int = HOUR) -> bool:
    """Count one use of `kind` by `value`; False once the limit is passed in the window."""
    return rate_limits.allow("support", kind, value, limit=limit, seconds=seconds)
