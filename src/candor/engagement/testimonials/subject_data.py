"""What testimonials hold about a subject (P20): what they wrote and their consent to show it.

Erasure deletes the testimonials (as withdrawing consent does, P19) and ends every consent
still in force. The consent records stay as pseudonymous proof of what was agreed and when:
they point at the account, which the accounts eraser anonymises (its placeholder address is a
salted hash of the person's own, so the proof can be found again if they ask).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from candor.privacy.registry import Counts, Holder, counts, export_rows
from candor.privacy.subjects import Subject, account_erased

from .models import Testimonial, TestimonialConsent

TESTIMONIAL = Testimonial._meta.label
CONSENT = TestimonialConsent._meta.label


def _consents(subject: Subject) -> QuerySet[TestimonialConsent]:
    if subject.user_id is None or account_erased(subject):
        return TestimonialConsent.objects.none()
    return TestimonialConsent.objects.filter(user_id=subject.user_id)


def export(subject: Subject) -> dict[str, list[dict[str, Any]]]:
    consents = _consents(subject)
    return {
        CONSENT: export_rows(consents),
        TESTIMONIAL: export_rows(Testimonial.objects.filter(consent__in=consents)),
    }


def preview(subject: Subject) -> Counts:
    consents = _consents(subject)
    return {
        TESTIMONIAL: counts(deleted=Testimonial.objects.filter(consent__in=consents).count()),
        CONSENT: counts(pseudonymized=consents.count()),
    }


def erase(subject: Subject) -> Counts:
    consents = _consents(subject)
    _, deleted = Testimonial.objects.filter(consent__in=consents).delete()
    now = timezone.now()
    consents.filter(ended_at__isnull=True).update(withdrawn_at=now, ended_at=now)
    return {
        TESTIMONIAL: counts(deleted=deleted.get(TESTIMONIAL, 0)),
        CONSENT: counts(pseudonymized=consents.count()),
    }


HOLDER = Holder("testimonials", export=export, erase=erase, preview=preview)
