"""Limits on the public request form, so it cannot flood an inbox or the staff queue.

Per client (the visitor's address as candor.privacy.request_logs sees it behind the trusted
proxies): counted by candor.core.rate_limits. Per address: only requests that were verified
count, and only the address's owner can verify one (by the link mailed to it), so nobody else
can use the limit to keep the owner out. Unverified requests cannot flood the address either:
a guest's second request of a kind while one is open is the open one, and mails nothing.
"""

from datetime import timedelta

from django.utils import timezone

from candor.core import rate_limits

from .models import RightsRequest

PER_ADDRESS_PER_DAY = 3
PER_CLIENT_PER_HOUR = 10


def allow_client(client: str) -> bool:
    """Count one filing by `client`; False once it has filed PER_CLIENT_PER_HOUR this hour."""
    return rate_limits.allow("rights", "client", client, limit=PER_CLIENT_PER_HOUR, seconds=3600)


def allow_address(email: str) -> bool:
    """False when PER_ADDRESS_PER_DAY requests for `email` were verified in the last day."""
    since = timezone.now() - timedelta(days=1)
    verified = RightsRequest.objects.filter(email=email, verified_at__gte=since)
    return verified.count() < PER_ADDRESS_PER_DAY
