"""Handing the whole shop to a successor (P23): an owner-only, ledgered export.

Only an active superuser who also holds `privacy.transfer_business` may run it; anyone else is
refused and the attempt is logged. The export is a ZIP with one JSON-lines file per model of
the data map (less what LEFT_OUT names: sign-ins, secrets and legal or staff records) and the
data map itself with the policy version in effect, so the buyer receives the terms the data comes
under. Each model is one ledger entry with recipient business_successor.
"""

from __future__ import annotations

import json
import logging
import zipfile
from typing import IO

from django.apps import apps
from django.core import serializers
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from .datamap import declarations, snapshot
from .disclosures import disclose_whole_shop
from .models import PolicyVersion

logger = logging.getLogger(__name__)

PERMISSION = "privacy.transfer_business"
# What a buyer must not receive: sign-ins and the secrets that open accounts or mailed links
# (sessions, two-factor secrets, sign-in provider tokens and app secrets, email confirmation
# keys, unsent mail that may carry a live link), and the shop's own legal and staff records
# (law-enforcement requests, some under a duty of silence; who revealed what, and why).
LEFT_OUT = {
    "sessions.Session",
    "mfa.Authenticator",
    "socialaccount.SocialToken",
    "socialaccount.SocialApp",
    "account.EmailConfirmation",
    "messaging.OutboxMessage",
    "privacy.LegalRequest",
    "privacy.LegalRequestEvent",
    "privacy.LegalDocument",
    "privacy.StaffAccessRecord",
}
CHUNK = 2000


class TransferRefused(Exception):
    pass


def may_transfer(user) -> bool:
    return bool(
        user is not None and user.is_active and user.is_superuser and user.has_perm(PERMISSION)
    )


def _labels() -> list[str]:
    labels = []
    for label in sorted(declarations()):
        if label in LEFT_OUT:
            continue
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        if model._meta.managed and not model._meta.proxy:  # tables of their own only
            labels.append(label)
    return labels


def export_business(*, successor: str, reference: str, out: IO[bytes], acting_user) -> int:
    """Write the shop to `out` as a ZIP and ledger it; returns the number of rows written."""
    if not may_transfer(acting_user):
        logger.warning("business transfer refused for user %s", getattr(acting_user, "pk", None))
        raise TransferRefused("Only the shop's owner may hand the shop's data to a successor.")
    if not successor.strip() or not reference.strip():
        raise TransferRefused("Name the successor and the transfer's reference.")
    labels = _labels()
    policy = PolicyVersion.objects.order_by("-number").first()
    total = 0
    # One transaction: the rows are read as of one moment and the ledger is written with them.
    with transaction.atomic(), zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for label in labels:
            model = apps.get_model(label)
            with archive.open(f"{label}.jsonl", "w") as member:
                stream = _TextOut(member)
                rows = model._base_manager.order_by("pk")
                serializers.serialize("jsonl", rows.iterator(chunk_size=CHUNK), stream=stream)
                total += stream.lines
        manifest = {
            "successor": successor,
            "reference": reference,
            "exported_at": timezone.now(),
            "policy_version": policy.number if policy else None,
            "datamap": snapshot(),
            "models": labels,
        }
        archive.writestr("manifest.json", json.dumps(manifest, cls=DjangoJSONEncoder, indent=2))
        disclose_whole_shop(
            recipient="business_successor",
            labels=labels,
            purpose="business_transfer",
            reference=f"{reference} ({successor})",
            acting_user=acting_user,
        )
    return total


class _TextOut:
    """The serializer writes text; a ZIP member takes bytes."""

    def __init__(self, member: IO[bytes]) -> None:
        self.member, self.lines = member, 0

    def write(self, text: str) -> None:
        self.lines += text.count("\n")
        self.member.write(text.encode())
