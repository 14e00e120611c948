"""What campaigns hold about a subject (P20): only, for a staff member, which campaigns and
announcements they wrote, started or mailed. Erasure clears those links, as the data map says
for a departed staff member; the campaigns themselves stay."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from candor.privacy.registry import Counts, Holder, counts, export_rows
from candor.privacy.subjects import Subject

from .models import Announcement, Campaign

CAMPAIGN = Campaign._meta.label
ANNOUNCEMENT = Announcement._meta.label
CAMPAIGN_LINKS = ("created_by", "started_by")


def _campaigns(subject: Subject):
    if subject.user_id is None:
        return Campaign.objects.none()
    return Campaign.objects.filter(
        Q(created_by_id=subject.user_id) | Q(started_by_id=subject.user_id)
    )


def _announcements(subject: Subject):
    if subject.user_id is None:
        return Announcement.objects.none()
    return Announcement.objects.filter(mailed_by_id=subject.user_id)


def export(subject: Subject) -> dict[str, list[dict[str, Any]]]:
    return {
        CAMPAIGN: export_rows(_campaigns(subject)),
        ANNOUNCEMENT: export_rows(_announcements(subject)),
    }


def preview(subject: Subject) -> Counts:
    return {
        CAMPAIGN: counts(pseudonymized=_campaigns(subject).count()),
        ANNOUNCEMENT: counts(pseudonymized=_announcements(subject).count()),
    }


def erase(subject: Subject) -> Counts:
    campaigns = _campaigns(subject).count()
    for link in CAMPAIGN_LINKS:
        Campaign.objects.filter(**{f"{link}_id": subject.user_id}).update(**{link: None})
    announcements = _announcements(subject).update(mailed_by=None)
    return {
        CAMPAIGN: counts(pseudonymized=campaigns),
        ANNOUNCEMENT: counts(pseudonymized=announcements),
    }


HOLDER = Holder("campaigns", export=export, erase=erase, preview=preview)
