"""Testimonial actions (P19): submit, approve, reject, withdraw.

Each is one transaction. Publishing, or taking down, a testimonial changes what catalogue pages
show, so after commit the page cache for visitors without a session is invalidated
(`candor.core.pagecache`) and the change is visible at once.
"""

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from candor.core.pagecache import invalidate as invalidate_pages
from candor.privacy.card_numbers import mask_card_numbers

from . import consent, queries
from .models import (
    AFFILIATION_MAX,
    TEXT_MAX,
    TEXT_MIN,
    NameForm,
    Testimonial,
    TestimonialConsent,
    TestimonialStatus,
)

NO_CONSENT = "We publish a testimonial only with your consent: tick the box to agree."
STALE_WORDING = (
    "The wording of the consent has changed since the page was opened. Please read it again "
    "and agree to the new wording."
)
NOT_BOUGHT = "You can write a testimonial only about a product you bought with this account."
NO_NAME = "Your account has no name to show. Add it under Your details, or choose to show no name."


class TestimonialError(Exception):
    """A testimonial action that was refused; the message says why and nothing was changed."""


class TestimonialNotFound(TestimonialError):
    """No such testimonial among this customer's own (it may be someone else's: never say)."""


@dataclass(frozen=True)
class Submission:
    testimonial: Testimonial
    created: bool  # False: a live testimonial for this product existed (a double submit)
    masked: bool  # a card number was hidden in the text (P13)


def display_name_for(user, name_form: str) -> str:
    """The name shown with a testimonial, in the form the customer chose."""
    first, last = user.first_name.strip(), user.last_name.strip()
    if name_form == NameForm.NONE:
        return ""
    if not first:
        raise TestimonialError(NO_NAME)
    if name_form == NameForm.FULL:
        return f"{first} {last}".strip()
    return f"{first} {last[0]}." if last else first


def submit_testimonial(
    *,
    user,
    product_id: int,
    text: str,
    rating: int | None,
    name_form: str,
    affiliation: str,
    consent_given: bool,
    consent_version: str,
) -> Submission:
    """A buyer asks us to publish a testimonial; it waits for review.

    Refused, storing nothing, without consent to the current wording, about a product the
    customer did not buy, or with bad values. Idempotent per customer and product: while one is
    live (awaiting review or published), submitting again returns it.
    """
    if not consent_given:
        raise TestimonialError(NO_CONSENT)
    if consent_version != consent.CURRENT_VERSION:
        raise TestimonialError(STALE_WORDING)
    if name_form not in NameForm.values:
        raise TestimonialError("Choose how your name is shown.")
    if rating is not None and not 1 <= rating <= 5:
        raise TestimonialError("A rating is a whole number from 1 to 5.")
    # Masked first (P13): the lengths checked are those stored.
    masked_text = mask_card_numbers(text.strip())
    masked_affiliation = mask_card_numbers(affiliation.strip())
    if not TEXT_MIN <= len(masked_text.text) <= TEXT_MAX:
        raise TestimonialError(f"Write between {TEXT_MIN} and {TEXT_MAX} characters.")
    if len(masked_affiliation.text) > AFFILIATION_MAX:
        raise TestimonialError(f"Keep the affiliation to {AFFILIATION_MAX} characters.")
    if not queries.has_bought(user, product_id):
        raise TestimonialError(NOT_BOUGHT)
    display_name = display_name_for(user, name_form)
    existing = _live(user, product_id)
    if existing is not None:
        return Submission(existing, False, False)
    try:
        with transaction.atomic():
            record = TestimonialConsent.objects.create(
                user=user,
                product_id=product_id,
                name_form=name_form,
                wording_version=consent.CURRENT_VERSION,
                wording_sha256=consent.wording_sha256(),
            )
            testimonial = Testimonial.objects.create(
                consent=record,
                text=masked_text.text,
                rating=rating,
                display_name=display_name,
                affiliation=masked_affiliation.text,
            )
    except IntegrityError:
        # A concurrent submit for the same product won the race: return its testimonial.
        existing = _live(user, product_id)
        if existing is None:
            raise
        return Submission(existing, False, False)
    return Submission(testimonial, True, masked_text.changed or masked_affiliation.changed)


def _live(user, product_id: int) -> Testimonial | None:
    return (
        Testimonial.objects.select_related("consent")
        .filter(consent__user=user, consent__product_id=product_id, consent__ended_at__isnull=True)
        .first()
    )


def _lock(consent_id: int, **scope) -> tuple[TestimonialConsent, Testimonial | None]:
    """Lock a consent and its testimonial, always in that order (no deadlock between a
    withdrawal and a review)."""
    record = TestimonialConsent.objects.select_for_update().filter(pk=consent_id, **scope).first()
    if record is None:
        raise TestimonialNotFound("No such testimonial in your account.")
    testimonial = Testimonial.objects.select_for_update().filter(consent=record).first()
    return record, testimonial


def approve(*, testimonial: Testimonial, acting_user) -> Testimonial:
    """Staff publish a testimonial awaiting review. Approving a published one changes nothing."""
    with transaction.atomic():
        record, locked = _lock(testimonial.consent_id)
        if locked is None or record.ended_at is not None:
            raise TestimonialError(
                "This testimonial was withdrawn or rejected; it cannot be published."
            )
        if locked.status == TestimonialStatus.APPROVED:
            return locked
        locked.status = TestimonialStatus.APPROVED
        locked.reviewed_by, locked.reviewed_at = acting_user, timezone.now()
        locked.save(update_fields=["status", "reviewed_by", "reviewed_at", "updated_at"])
        transaction.on_commit(invalidate_pages)
    return locked


def reject(*, testimonial: Testimonial, acting_user) -> Testimonial:
    """Staff decline (or take down) a testimonial. Final: its consent ends, and the customer
    may write a new one. Rejecting a rejected one changes nothing."""
    with transaction.atomic():
        record, locked = _lock(testimonial.consent_id)
        if locked is None:
            raise TestimonialError("This testimonial was withdrawn; there is nothing to reject.")
        if locked.status == TestimonialStatus.REJECTED:
            return locked
        was_public = locked.status == TestimonialStatus.APPROVED
        now = timezone.now()
        locked.status = TestimonialStatus.REJECTED
        locked.reviewed_by, locked.reviewed_at, locked.rejected_at = acting_user, now, now
        locked.save(
            update_fields=["status", "reviewed_by", "reviewed_at", "rejected_at", "updated_at"]
        )
        record.ended_at = now
        record.save(update_fields=["ended_at"])
        if was_public:
            transaction.on_commit(invalidate_pages)
    return locked


def withdraw(*, user, consent_id: int) -> TestimonialConsent:
    """The customer withdraws consent: the testimonial and its text are deleted at once; the
    consent record keeps when it was given and when withdrawn, as proof. Idempotent."""
    with transaction.atomic():
        record, testimonial = _lock(consent_id, user=user)
        if record.withdrawn_at is not None:
            return record
        was_public = testimonial is not None and testimonial.status == TestimonialStatus.APPROVED
        if testimonial is not None:
            testimonial.delete()
        record.withdrawn_at = record.ended_at = timezone.now()
        record.save(update_fields=["withdrawn_at", "ended_at"])
        if was_public:
            transaction.on_commit(invalidate_pages)
    return record
