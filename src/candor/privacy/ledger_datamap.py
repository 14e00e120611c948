"""The data map's entries for the disclosure ledger and legal requests (X1), by label."""

from .datamap import NOT_PERSONAL, YEAR, declare, keep, personal

LEDGER_NOTE = (
    "Who received your data, which fields, when and why (P16, X2): shown to you, kept 10 years "
    "like the orders it mostly concerns, then deleted; when your data is erased the link to you "
    "is removed and the record of the hand-off stays."
)


def ledger(category: str, *, source: str = "automatic"):
    return personal(
        category,
        purposes=["legal_obligation", "customer_service"],
        basis="legal_obligation",
        source=source,
        keep=keep(10 * YEAR, "delete"),
        note=LEDGER_NOTE,
    )


declare(
    "privacy.DisclosureRecord",
    fields={
        "at": ledger("commerce.order"),
        "recipient": ledger("commerce.order"),
        "model": NOT_PERSONAL,
        "fields": NOT_PERSONAL,
        "rows": NOT_PERSONAL,
        "purpose": NOT_PERSONAL,
        "legal_basis": NOT_PERSONAL,
        "subject_user_id": ledger("identity.account"),
        "subject_email": ledger("contact.email"),
        "subject_label": ledger("identity.name"),
        "whole_shop": NOT_PERSONAL,
        "withheld": NOT_PERSONAL,
        "reference": ledger("commerce.order"),
        "acting_user": personal(
            "security.audit",
            purposes=["security"],
            basis="legitimate_interests",
            source="automatic",
            keep=keep(10 * YEAR, "delete"),
            note="The staff member who handed data over. " + LEDGER_NOTE,
        ),
    },
    age_field="at",
)

NOTICE_NOTE = (
    "A notice owed to a recipient of your data after it was corrected or erased (GDPR art. 19), "
    "kept 3 years as proof it was sent, then deleted."
)


def notice(category: str):
    return personal(
        category,
        purposes=["legal_obligation"],
        basis="legal_obligation",
        source="automatic",
        keep=keep(3 * YEAR, "delete"),
        note=NOTICE_NOTE,
    )


declare(
    "privacy.RecipientNotice",
    fields={
        "created_at": notice("commerce.order"),
        "recipient": notice("commerce.order"),
        "reason": notice("commerce.order"),
        "request_ref": notice("commerce.order"),
        "references": notice("commerce.order"),
        "subject_user_id": notice("identity.account"),
        "subject_email": notice("contact.email"),
        "forwarded_at": notice("commerce.order"),
        "forwarded_by": notice("security.audit"),
    },
    age_field="created_at",
)

LEGAL_NOTE = (
    "A law-enforcement request about you and our decision on it (P17), kept 6 years to answer "
    "for the decision, then deleted."
)


def legal(category: str, *, source: str = "staff"):
    return personal(
        category,
        purposes=["legal_obligation"],
        basis="legal_obligation",
        source=source,
        keep=keep(6 * YEAR, "delete"),
        note=LEGAL_NOTE,
    )


declare(
    "privacy.LegalRequest",
    fields={
        "authority": legal("security.audit"),
        "instrument": legal("security.audit"),
        "scope": legal("content.staff_note"),
        "subject_email": legal("contact.email"),
        "subject_user_id": legal("identity.account"),
        "customer_notice_barred": legal("security.audit"),
        "status": legal("security.audit"),
        "received_at": legal("security.audit"),
        "recorded_by": legal("security.audit", source="automatic"),
        "decided_by": legal("security.audit", source="automatic"),
        "decided_at": legal("security.audit", source="automatic"),
        "reason": legal("content.staff_note"),
        "export": legal("content.staff_note", source="automatic"),
    },
    age_field="received_at",
)
declare(
    "privacy.LegalDocument",
    fields={
        "legal_request": legal("security.audit"),
        "file": legal("content.staff_note"),
        "uploaded_at": legal("security.audit"),
    },
    age_field="uploaded_at",
)
declare(
    "privacy.LegalRequestEvent",
    fields={
        "legal_request": legal("security.audit", source="automatic"),
        "at": legal("security.audit", source="automatic"),
        "actor": legal("security.audit", source="automatic"),
        "action": legal("security.audit", source="automatic"),
        "note": legal("content.staff_note"),
    },
    age_field="at",
)

# The ledger's exporter and eraser for rights requests.
from . import ledger_subject_data  # noqa: E402, F401
