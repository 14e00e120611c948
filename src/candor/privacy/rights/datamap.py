"""Data-map declarations (X1) for rights requests, by label (no model import needed)."""

from ..datamap import NOT_PERSONAL, YEAR, declare, keep, personal

NOTE = (
    "A request about your data and what we did about it, kept 3 years after it was made as "
    "proof that we answered it (an erasure request outlives the data it erased), then deleted."
)


def _request(category: str, *, source: str = "given"):
    return personal(
        category,
        purposes=["rights_requests"],
        basis="legal_obligation",
        source=source,
        keep=keep(3 * YEAR, "delete"),
        recipients=["mail_provider"] if category == "contact.email" else [],
        note=NOTE,
    )


def _staff(note: str):
    return personal(
        "security.audit",
        purposes=["rights_requests", "security"],
        basis="legal_obligation",
        source="automatic",
        keep=keep(3 * YEAR, "delete"),
        note=note,
    )


declare(
    "privacy.RightsRequest",
    fields={
        "kind": _request("privacy.request"),
        "user": _request("identity.account"),
        "account_id": _request("identity.account", source="automatic"),
        "email": _request("contact.email"),
        "emails": _request("contact.email"),
        "status": _request("privacy.request", source="staff"),
        "refusal_reason": _request("privacy.request", source="staff"),
        "details": _request("privacy.request"),
        "corrections": _request("privacy.request"),
        "assignee": _staff("The staff member a request is assigned to."),
        "received_at": _request("privacy.request", source="automatic"),
        "due_at": NOT_PERSONAL,
        "verified_at": _request("privacy.request", source="automatic"),
        "confirmed_at": _request("privacy.request", source="automatic"),
        "completed_at": _request("privacy.request", source="automatic"),
        "verify_nonce": NOT_PERSONAL,
        "steps_done": _request("privacy.request", source="automatic"),
        "preview": _request("privacy.request", source="automatic"),
        "result": _request("privacy.request", source="automatic"),
        "scan_result": _request("privacy.request", source="automatic"),
        "recipients_told": _request("privacy.request", source="automatic"),
        "export_file": _request("privacy.request", source="automatic"),
        "last_reminded_at": NOT_PERSONAL,
        "failed_at": _request("privacy.request", source="automatic"),
        "failure": _request("privacy.request", source="automatic"),
        "failed_runs": NOT_PERSONAL,
        "retry_at": NOT_PERSONAL,
    },
    age_field="received_at",
)

declare(
    "privacy.RightsRequestEvent",
    fields={
        "request": _request("privacy.request", source="automatic"),
        "action": _request("privacy.request", source="automatic"),
        "acting_user": _staff("Who acted on a request: the requester, a staff member, or none."),
        "note": _request("privacy.request", source="automatic"),
        "created_at": _request("privacy.request", source="automatic"),
    },
    age_field="created_at",
)
