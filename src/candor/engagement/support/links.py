"""Signed links to a support thread, mailed to the customer (P5, P14).

The link opens the thread and lets its holder reply without signing in, so it is signed with a
salt of its own and expires after SUPPORT_LINK_DAYS; every answer we mail carries a fresh one.
"""

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "candor.support.thread"


class BadLink(Exception):
    """The link is forged, altered or expired; `expired` says which (nothing else is told)."""

    def __init__(self, *, expired: bool):
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


def thread_token(number: str) -> str:
    return signing.dumps({"t": number}, salt=SALT, compress=True)


def thread_from_token(token: str) -> str:
    """The thread number a token names; raises BadLink."""
    try:
        data = signing.loads(token, salt=SALT, max_age=settings.SUPPORT_LINK_DAYS * 86400)
    except signing.SignatureExpired as error:
        raise BadLink(expired=True) from error
    except signing.BadSignature as error:
        raise BadLink(expired=False) from error
    number = data.get("t") if isinstance(data, dict) else None
    if not isinstance(number, str):
        raise BadLink(expired=False)
    return number


def thread_url(number: str) -> str:
    return f"{settings.SITE_URL}{reverse('support:link', args=[thread_token(number)])}"
