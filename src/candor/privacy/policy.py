"""Publishing the privacy policy: immutable versions, material changes announced ahead (P21).

A version stores the policy's content, the data map it came from, and a hash of the content.
Publishing compares the new data map with the last published one: a new category, purpose or
recipient, or a longer retention, is a material change, which takes effect only after the
notice period and is announced through the announcers shop apps register (a site banner and
a service mail). Anything else is minor: the new version takes effect at once and only the
"last updated" date moves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from . import document, vocabulary
from .datamap import snapshot
from .models import PolicyVersion

# Called on commit with a materially changed version; shop apps register them (campaigns
# posts a banner and mails customers), so privacy imports no shop app.
Announcer = Callable[[PolicyVersion], None]
_announcers: list[Announcer] = []


def register_announcer(announcer: Announcer) -> None:
    if announcer not in _announcers:
        _announcers.append(announcer)


class NothingToPublish(Exception):
    """The policy the code would publish is the one already published."""


@dataclass(frozen=True)
class Change:
    material: bool
    text: str

    def as_dict(self) -> dict[str, Any]:
        return {"material": self.material, "text": self.text}


def _by_category(datamap: dict[str, dict[str, dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    """Per category: its purposes, recipients, and the longest time any of it is kept."""
    result: dict[str, dict[str, Any]] = {}
    for fields in datamap.values():
        for spec in fields.values():
            entry = result.setdefault(
                spec["category"], {"purposes": set(), "recipients": set(), "longest": 0}
            )
            entry["purposes"].update(spec["purposes"])
            entry["recipients"].update(spec["recipients"])
            entry["longest"] = max([entry["longest"]] + [r["days"] for r in spec["retention"]])
    return result


def compare(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """What changed between two data map snapshots, each change marked material or not."""
    before, after = _by_category(old), _by_category(new)
    changes: list[Change] = []
    for category in sorted(after.keys() - before.keys()):
        changes.append(Change(True, f"We now collect {vocabulary.CATEGORIES[category]}."))
    for category in sorted(before.keys() - after.keys()):
        changes.append(Change(False, f"We no longer collect {vocabulary.CATEGORIES[category]}."))
    for category in sorted(after.keys() & before.keys()):
        was, now = before[category], after[category]
        what = vocabulary.CATEGORIES[category]
        for purpose in sorted(now["purposes"] - was["purposes"]):
            changes.append(Change(True, f"We now use {what} {vocabulary.PURPOSES[purpose]}."))
        for purpose in sorted(was["purposes"] - now["purposes"]):
            changes.append(
                Change(False, f"We no longer use {what} {vocabulary.PURPOSES[purpose]}.")
            )
        for recipient in sorted(now["recipients"] - was["recipients"]):
            changes.append(
                Change(
                    True, f"{vocabulary.RECIPIENTS[recipient].capitalize()} now receives {what}."
                )
            )
        for recipient in sorted(was["recipients"] - now["recipients"]):
            changes.append(
                Change(
                    False,
                    f"{vocabulary.RECIPIENTS[recipient].capitalize()} no longer receives {what}.",
                )
            )
        if now["longest"] > was["longest"]:
            changes.append(
                Change(
                    True,
                    f"We keep {what} longer: up to {now['longest']} days (was {was['longest']}).",
                )
            )
        elif now["longest"] < was["longest"]:
            changes.append(
                Change(False, f"We keep {what} for less time: up to {now['longest']} days.")
            )
    return changes


def latest() -> PolicyVersion | None:
    return PolicyVersion.objects.order_by("-number").first()


def current(now: datetime | None = None) -> PolicyVersion | None:
    """The version in effect: the newest whose effective date has come."""
    now = now or timezone.now()
    return PolicyVersion.objects.filter(effective_at__lte=now).order_by("-number").first()


def upcoming(now: datetime | None = None) -> PolicyVersion | None:
    now = now or timezone.now()
    return PolicyVersion.objects.filter(effective_at__gt=now).order_by("number").first()


def current_version_label() -> str:
    """What consents record as 'the policy shown': 'v3', or the setting before any version."""
    version = current()
    return f"v{version.number}" if version else settings.PRIVACY_POLICY_VERSION


@dataclass(frozen=True)
class Preview:
    content: dict[str, Any]
    datamap: dict[str, Any]
    content_hash: str
    changes: list[Change]
    material: bool
    previous: PolicyVersion | None


def preview() -> Preview:
    """What publishing now would publish, and how it differs from the last version."""
    content = document.build()
    datamap = snapshot()
    previous = latest()
    changes = compare(previous.datamap, datamap) if previous else []
    material = previous is not None and any(change.material for change in changes)
    return Preview(content, datamap, document.content_hash(content), changes, material, previous)


def publish(*, summary: str, acting_user=None, now: datetime | None = None) -> PolicyVersion:
    """Publish the policy the code describes now. Raises NothingToPublish if it is unchanged."""
    summary = summary.strip()
    if not summary:
        raise ValueError("Write a short summary of what changed.")
    now = now or timezone.now()
    with transaction.atomic():
        PolicyVersion.objects.select_for_update().order_by("-number").first()  # one at a time
        draft = preview()
        if draft.previous is not None and draft.previous.content_hash == draft.content_hash:
            raise NothingToPublish("The policy is unchanged since the last published version.")
        notice = timedelta(days=settings.PRIVACY_NOTICE_DAYS) if draft.material else timedelta(0)
        version = PolicyVersion.objects.create(
            number=(draft.previous.number + 1) if draft.previous else 1,
            content=draft.content,
            datamap=draft.datamap,
            content_hash=draft.content_hash,
            summary=summary,
            material=draft.material,
            changes=[change.as_dict() for change in draft.changes],
            published_at=now,
            effective_at=now + notice,
            published_by=acting_user,
        )
        if draft.material:
            transaction.on_commit(lambda: announce(version), robust=True)
    return version


def announce(version: PolicyVersion) -> None:
    for announcer in list(_announcers):
        announcer(version)
    PolicyVersion.objects.filter(pk=version.pk).update(announced_at=timezone.now())


def drift() -> PolicyVersion | None:
    """The last published version, if the data map in the code no longer matches it."""
    previous = latest()
    if previous is not None and previous.datamap != snapshot():
        return previous
    return None
