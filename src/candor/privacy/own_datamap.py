"""The privacy app's own declarations for the data map (X1): its own models, the framework
models no app of ours owns (sessions, the admin log, permissions, content types), and core's
shop settings (core sits below privacy and cannot import it, so privacy declares it by label).

Everything is declared by label, so this module imports no model and can load at any time;
`datamap.py` imports it at its end, so autodiscovery of the apps' `datamap` modules finds these
declarations like everyone else's.
"""

from django.conf import settings

from .datamap import NOT_PERSONAL, YEAR, declare, declare_not_personal, keep, personal

# --- privacy ---------------------------------------------------------------------------------

declare(
    "privacy.PolicyVersion",
    fields={
        "number": NOT_PERSONAL,
        "content": NOT_PERSONAL,
        "datamap": NOT_PERSONAL,
        "content_hash": NOT_PERSONAL,
        "summary": NOT_PERSONAL,
        "material": NOT_PERSONAL,
        "changes": NOT_PERSONAL,
        "published_at": NOT_PERSONAL,
        "effective_at": NOT_PERSONAL,
        "published_by": personal(
            "security.audit",
            purposes=["security"],
            basis="legitimate_interests",
            source="automatic",
            keep=keep(30, "pseudonymize", since="staff_departure"),
            note="The staff member who published a version. Versions are kept for good as "
            "evidence of what people were told; the link is cleared within 30 days of a "
            "request to delete that member's account.",
        ),
        "announced_at": NOT_PERSONAL,
    },
)

CONSENT_NOTE = (
    "A signed-in customer's cookie choices (P10), each change a new record, kept 3 years as "
    "proof of what was agreed and when, then deleted."
)


def cookie_consent(category: str, *, source: str = "automatic"):
    return personal(
        category,
        purposes=["consent_proof"],
        basis="legal_obligation",
        source=source,
        keep=keep(3 * YEAR, "delete"),
        note=CONSENT_NOTE,
    )


declare(
    "privacy.ConsentRecord",
    fields={
        "user": cookie_consent("identity.account"),
        "categories": cookie_consent("privacy.consent", source="given"),
        "policy_version": cookie_consent("privacy.consent"),
        "source": cookie_consent("privacy.consent"),
        "gpc": cookie_consent("privacy.consent"),
        "created_at": cookie_consent("privacy.consent"),
    },
    age_field="created_at",
)

# Server logs (P12): the IP address and the browser string are shortened after 30 days, and the
# whole row is deleted after 180.
SHORTENED_THEN_DELETED = [keep(30, "truncate"), keep(180, "delete")]
DELETED = [keep(180, "delete")]
LOG_NOTE = (
    "Server log (P12): IP addresses are cut to their network (/24, /48) and the browser string "
    "emptied after 30 days; the row is deleted after 180 days."
)


def request_log(category: str, keep_steps=DELETED):
    return personal(
        category,
        purposes=["security", "troubleshooting"],
        basis="legitimate_interests",
        source="automatic",
        keep=keep_steps,
        note=LOG_NOTE,
    )


declare(
    "privacy.RequestLog",
    fields={
        "at": request_log("online.activity"),
        "ip": request_log("online.ip", SHORTENED_THEN_DELETED),
        "ip_truncated": NOT_PERSONAL,  # whether the IP was shortened yet
        "user_agent": request_log("online.user_agent", SHORTENED_THEN_DELETED),
        "browser": request_log("online.user_agent"),
        "os": request_log("online.user_agent"),
        "referrer": request_log("online.activity"),
        "method": request_log("online.activity"),
        "path": request_log("online.activity"),
        "status": request_log("online.activity"),
        "user_id": request_log("identity.account"),
    },
    age_field="at",
)

# --- Django's own models -----------------------------------------------------------------------

SESSION_DAYS = max(1, settings.SESSION_COOKIE_AGE // 86400)
SESSION_NOTE = (
    "Holds who is signed in, the cart's id, one-time messages and sign-in state. A session "
    f"lapses {SESSION_DAYS} days after it last changed (SESSION_COOKIE_AGE) and is refused from "
    "then on; its row is removed by the daily clear-expired-sessions job."
)


def session(category: str = "online.session"):
    return personal(
        category,
        purposes=["account", "order_fulfilment", "security"],
        basis="contract",
        source="automatic",
        keep=keep(SESSION_DAYS, "delete"),
        note=SESSION_NOTE,
    )


declare(
    "sessions.Session",
    fields={"session_key": session(), "session_data": session(), "expire_date": session()},
)

ADMIN_LOG_NOTE = (
    "The admin's log of what staff added, changed or deleted. object_repr and change_message "
    "can name a customer (a user is shown by their email address). Deleted after 2 years."
)


def admin_log():
    return personal(
        "security.audit",
        purposes=["security"],
        basis="legitimate_interests",
        source="automatic",
        keep=keep(2 * YEAR, "delete"),
        note=ADMIN_LOG_NOTE,
    )


declare(
    "admin.LogEntry",
    fields={
        name: admin_log()
        for name in (
            "action_time",
            "user",
            "content_type",
            "object_id",
            "object_repr",
            "action_flag",
            "change_message",
        )
    },
    age_field="action_time",
)

declare_not_personal("auth.Permission", reason="The permissions the code defines.")
declare_not_personal("auth.Group", reason="Staff roles and their permissions, not who has them.")
declare_not_personal("contenttypes.ContentType", reason="The list of installed models.")

# --- core (below privacy in the layers, so declared here) --------------------------------------

declare_not_personal(
    "core.ShopSettings",
    reason="The shop's own identity and contact details, published on purpose in the policy "
    "and on the contact page (P24).",
)
