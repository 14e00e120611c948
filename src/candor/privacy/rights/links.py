"""Signed links for rights requests (P14, P20): the guest's verification link, which is also
their request's status page, and the download link of an export. Each has its own salt."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.urls import reverse

REQUEST_SALT = "candor.privacy.rights.request"
EXPORT_SALT = "candor.privacy.rights.export"
DAY = 86400


class BadLink(Exception):
    """A link that is tampered with or expired. `request_id` is set when the link is genuine
    but expired, so the refusal can be recorded on the request."""

    def __init__(self, reason: str, request_id: int | None = None):
        super().__init__(reason)
        self.reason = reason
        self.request_id = request_id


@dataclass(frozen=True)
class Link:
    request_id: int
    nonce: str


def _dump(request_id: int, nonce: str, salt: str) -> str:
    return signing.dumps({"r": request_id, "n": nonce}, salt=salt, compress=True)


def _load(token: str, *, salt: str, days: int) -> Link:
    try:
        data = signing.loads(token, salt=salt, max_age=days * DAY)
    except signing.SignatureExpired:
        # Genuine but old: say which request, so the refusal is recorded on it.
        data = signing.loads(token, salt=salt)
        raise BadLink("expired", _request_id(data)) from None
    except signing.BadSignature:
        raise BadLink("invalid") from None
    request_id = _request_id(data)
    if request_id is None or not isinstance(data.get("n"), str):
        raise BadLink("invalid")
    return Link(request_id, data["n"])


def _request_id(data: object) -> int | None:
    value = data.get("r") if isinstance(data, dict) else None
    return value if isinstance(value, int) else None


def request_token(request_id: int, nonce: str) -> str:
    return _dump(request_id, nonce, REQUEST_SALT)


def read_request_token(token: str) -> Link:
    return _load(token, salt=REQUEST_SALT, days=settings.RIGHTS_REQUEST_LINK_DAYS)


def request_url(request_id: int, nonce: str) -> str:
    path = reverse("privacy:rights_request", args=[request_token(request_id, nonce)])
    return f"{settings.SITE_URL}{path}"


def export_token(request_id: int, nonce: str) -> str:
    return _dump(request_id, nonce, EXPORT_SALT)


def read_export_token(token: str) -> Link:
    return _load(token, salt=EXPORT_SALT, days=settings.RIGHTS_EXPORT_LINK_DAYS)


def export_url(request_id: int, nonce: str) -> str:
    path = reverse("privacy:rights_export", args=[export_token(request_id, nonce)])
    return f"{settings.SITE_URL}{path}"
