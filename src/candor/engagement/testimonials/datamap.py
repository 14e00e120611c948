"""What testimonials keep, for the data map (X1, P19).

A testimonial is published only with its author's consent, so its content relies on consent.
The public (anyone visiting the shop) receives exactly the fields shown: the text, the rating,
the name in the form the author chose (computed once, when submitted) and the affiliation they
gave; never the account, email or phone.

Retention: a testimonial is kept while it awaits review or is published, and deleted at once
when its author withdraws consent (services.withdraw). A rejected one is deleted 90 days after
the decision (dated by rejected_at). The consent record (which wording was agreed to, when, and
when withdrawn) is kept as proof while the testimonial is in use and 3 years after the consent
ends (withdrawn, or the testimonial rejected), then deleted.
"""

from candor.privacy.datamap import NOT_PERSONAL, YEAR, declare, keep, personal

from .models import Testimonial, TestimonialConsent

TESTIMONIAL_KEPT = [keep(90, "delete", since="ended")]
TESTIMONIAL_NOTE = (
    "Kept while awaiting review or published; deleted at once when consent is withdrawn; a "
    "rejected testimonial is deleted 90 days after the decision (rejected_at)."
)


def content(category: str, *, source: str = "given", public: bool = False, note: str = ""):
    return personal(
        category,
        purposes=["publication"],
        basis="consent",
        source=source,
        keep=TESTIMONIAL_KEPT,
        recipients=["public"] if public else [],
        note=(note + " " if note else "") + TESTIMONIAL_NOTE,
    )


declare(
    Testimonial,
    fields={
        "consent": content("content.testimonial", source="automatic"),
        "text": content(
            "content.testimonial", public=True, note="Card numbers are masked first (P13)."
        ),
        "rating": content("content.testimonial", public=True),
        "display_name": content(
            "identity.name",
            public=True,
            note="Full name, first name and initial, or none, as the author chose.",
        ),
        "affiliation": content("content.testimonial", public=True),
        "status": content("content.testimonial", source="staff"),
        "reviewed_by": personal(
            "security.audit",
            purposes=["security"],
            basis="legitimate_interests",
            source="automatic",
            keep=TESTIMONIAL_KEPT,
            note="The staff member who approved or rejected it. " + TESTIMONIAL_NOTE,
        ),
        "reviewed_at": content("content.testimonial", source="staff"),
        "rejected_at": content("content.testimonial", source="staff"),
        "created_at": content("content.testimonial", source="automatic"),
        "updated_at": NOT_PERSONAL,  # row bookkeeping
    },
    # Rows awaiting review or published have no rejected_at, so no job ages them out.
    age_field="rejected_at",
)

PROOF_KEPT = [keep(3 * YEAR, "delete", since="ended")]
PROOF_NOTE = (
    "Proof of consent to publish a testimonial: kept while it is in use and 3 years after the "
    "consent ends (withdrawn, or the testimonial rejected), counted from ended_at; then deleted."
)


def proof(category: str, *, source: str = "automatic"):
    return personal(
        category,
        purposes=["publication", "consent_proof"],
        basis="consent",
        source=source,
        keep=PROOF_KEPT,
        note=PROOF_NOTE,
    )


declare(
    TestimonialConsent,
    fields={
        "user": proof("identity.account"),
        "product": proof("content.testimonial", source="given"),
        "name_form": proof("content.testimonial", source="given"),
        "wording_version": proof("content.testimonial"),
        "wording_sha256": proof("content.testimonial"),
        "given_at": proof("content.testimonial"),
        "withdrawn_at": proof("content.testimonial"),
        "ended_at": proof("content.testimonial"),
    },
    age_field="ended_at",
)

# Export and erasure of a subject's data (P20): subject_data.py.
from candor.privacy.registry import register_holder  # noqa: E402

from .subject_data import HOLDER  # noqa: E402

register_holder(HOLDER)
