"""The data map (X1) for staff access records (P15): declared by label, imports no model."""

from .datamap import NOT_PERSONAL, YEAR, declare, declare_not_personal, keep, personal

ACCESS_NOTE = (
    "Each time staff reveal a customer's personal data in the back office, or are refused: "
    "who, whose, what and why (P15). Kept two years for the privacy officer's review, then "
    "deleted; the customer sees how many there are in the privacy centre."
)


def _access(category: str, *, source: str = "automatic"):
    return personal(
        category,
        purposes=["security"],
        basis="legitimate_interests",
        source=source,
        keep=keep(2 * YEAR, "delete"),
        note=ACCESS_NOTE,
    )


declare(
    "privacy.StaffAccessRecord",
    fields={
        "at": _access("security.audit"),
        "staff": _access("security.audit"),
        "subject_user_id": _access("identity.account"),
        "model": _access("security.audit"),
        "object_pk": _access("security.audit"),
        "family": _access("security.audit"),
        "fields": _access("security.audit"),
        "reason": _access("content.staff_note", source="staff"),
        "granted": NOT_PERSONAL,
    },
    age_field="at",
)

declare_not_personal(
    "privacy.PersonalDataAccess", reason="Holds the data-family permissions; it has no rows."
)
