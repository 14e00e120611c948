"""Signed links mailed to people, so they can manage their mail without signing in (P7, P14).

Each kind of link has its own salt, so a token made for one purpose is refused by another.
"""

from dataclasses import dataclass
from urllib.parse import quote

from django.conf import settings
from django.core import signing
from django.urls import reverse

CONFIRM_SALT = "candor.messaging.confirm"
PREFERENCES_SALT = "candor.messaging.preferences"
UNSUBSCRIBE_SALT = "candor.messaging.unsubscribe"


class BadLink(Exception):
    """The link is tampered with, expired or not for this purpose; `reason` says which."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _load(token: str, *, salt: str, max_age_days: int | None) -> dict:
    try:
        data = signing.loads(
            token, salt=salt, max_age=None if max_age_days is None else max_age_days * 86400
        )
    except signing.SignatureExpired as error:
        raise BadLink("expired") from error
    except signing.BadSignature as error:
        raise BadLink("invalid") from error
    if not isinstance(data, dict) or not isinstance(data.get("e"), str):
        raise BadLink("invalid")
    return data


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


# Confirmation of a subscription request (double opt-in).
def confirm_token(email: str, nonce: str) -> str:
    return signing.dumps({"e": email, "n": nonce}, salt=CONFIRM_SALT, compress=True)


def read_confirm_token(token: str) -> tuple[str, str]:
    data = _load(token, salt=CONFIRM_SALT, max_age_days=settings.SUBSCRIBE_CONFIRM_DAYS)
    if not isinstance(data.get("n"), str):
        raise BadLink("invalid")
    return data["e"], data["n"]


def confirm_url(email: str, nonce: str) -> str:
    return absolute(reverse("messaging:confirm", args=[confirm_token(email, nonce)]))


# The preferences page: expires, because it shows what a person is subscribed to.
def preferences_token(email: str) -> str:
    return signing.dumps({"e": email}, salt=PREFERENCES_SALT, compress=True)


def read_preferences_token(token: str) -> str:
    return _load(token, salt=PREFERENCES_SALT, max_age_days=settings.MAIL_PREFERENCES_LINK_DAYS)[
        "e"
    ]


def preferences_url(email: str) -> str:
    return absolute(reverse("messaging:preferences", args=[preferences_token(email)]))


@dataclass(frozen=True)
class Unsubscribe:
    email: str
    topic_key: str
    mailing: str


# One-click unsubscribe: does not expire, since a mail may be read long after it was sent,
# and it can only ever take a subscription away.
def unsubscribe_token(email: str, topic_key: str, mailing: str = "") -> str:
    return signing.dumps(
        {"e": email, "t": topic_key, "m": mailing}, salt=UNSUBSCRIBE_SALT, compress=True
    )


def read_unsubscribe_token(token: str) -> Unsubscribe:
    data = _load(token, salt=UNSUBSCRIBE_SALT, max_age_days=None)
    if not isinstance(data.get("t"), str):
        raise BadLink("invalid")
    return Unsubscribe(email=data["e"], topic_key=data["t"], mailing=str(data.get("m", "")))


def unsubscribe_url(token: str) -> str:
    return absolute(reverse("messaging:unsubscribe", args=[token]))


def unsubscribe_mailto(token: str) -> str:
    return f"mailto:{settings.UNSUBSCRIBE_MAILBOX}?subject={quote('unsubscribe ' + token)}"
