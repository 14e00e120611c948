"""What accounts keep, for the data map (X1): our own models and allauth's, whose integration
this app owns (sign-in addresses, social sign-in, two-factor authenticators).

Account data has no age field: it lives as long as the account. Its retention steps count from
a request to delete the account (P20: at most 30 days); the accounts eraser carries them out.
"""

from candor.privacy.datamap import (
    NOT_PERSONAL,
    YEAR,
    declare,
    declare_not_personal,
    keep,
    personal,
)
from candor.privacy.registry import register_holder

from .models import AccountEvent, Address, RestrictedAddress, StaffPowerChange, User
from .subject_data import HOLDER

# Kept while the account is open; gone within 30 days of a request to delete it (P20).
WHILE_OPEN = [keep(30, "delete", since="deletion_request")]
WHILE_OPEN_NOTE = (
    "Kept while the account is open; deleted within 30 days of a request to delete it."
)


def _account(category: str, *, source: str = "given", note: str = "", **overrides):
    """A field of the account itself: to run it and to keep it secure, under the contract."""
    spec = {
        "purposes": ["account", "security"],
        "basis": "contract",
        "source": source,
        "keep": WHILE_OPEN,
        "note": note or WHILE_OPEN_NOTE,
    }
    spec.update(overrides)
    return personal(category, **spec)


def _address(category: str):
    """A field of an address-book entry: offered at checkout to fill in an order."""
    return personal(
        category,
        purposes=["order_fulfilment", "account"],
        basis="contract",
        source="given",
        keep=WHILE_OPEN,
        note="Kept until the customer deletes the entry or the account (within 30 days of "
        "the request). What went to the shipper is the order's copy, not this one.",
    )


declare(
    User,
    fields={
        "email": _account(
            "contact.email",
            purposes=["account", "security", "customer_service"],
            recipients=["mail_provider"],
            note="The sign-in address; account mail (verification, resets, notices) goes to it.",
        ),
        "password": _account(
            "account.credentials", note="An Argon2 hash; empty for social-only accounts."
        ),
        "first_name": _account(
            "identity.name",
            purposes=["account", "customer_service", "order_fulfilment"],
            note="From the profile form or a sign-in provider; prefills checkout.",
        ),
        "last_name": _account(
            "identity.name",
            purposes=["account", "customer_service", "order_fulfilment"],
            note="From the profile form or a sign-in provider; prefills checkout.",
        ),
        "phone": _account(
            "contact.phone",
            purposes=["order_fulfilment", "customer_service"],
            note="Optional; prefills checkout.",
        ),
        "last_login": _account("account.activity", source="automatic"),
        "date_joined": _account("account.activity", source="automatic"),
        "is_active": _account(
            "identity.account",
            source="automatic",
            note="False once the account is disabled (by the customer, or by staff on request).",
        ),
        "disabled_at": _account("account.activity", source="automatic"),
        "processing_restricted": _account(
            "identity.account",
            purposes=["account"],
            basis="legal_obligation",
            source="given",
            note="The customer's request to restrict processing (P20); it stops all marketing.",
        ),
        # Staff roles: personal data of staff members, used to decide what they may see (P15).
        "is_staff": _account("identity.account", source="staff", basis="legitimate_interests"),
        "is_superuser": _account("identity.account", source="staff", basis="legitimate_interests"),
        "groups": _account("identity.account", source="staff", basis="legitimate_interests"),
        "user_permissions": _account(
            "identity.account", source="staff", basis="legitimate_interests"
        ),
    },
)

declare(
    Address,
    fields={
        "owner": _address("identity.account"),
        "name": _address("identity.name"),
        "line1": _address("contact.address"),
        "line2": _address("contact.address"),
        "city": _address("contact.address"),
        "postcode": _address("contact.address"),
        "country": _address("contact.address"),
        "phone": _address("contact.phone"),
        "is_default_shipping": _address("contact.address"),
        "is_default_billing": _address("contact.address"),
        "created_at": _address("contact.address"),
        "updated_at": NOT_PERSONAL,  # row bookkeeping
    },
)

declare(
    RestrictedAddress,
    fields={
        "email": personal(
            "contact.email",
            purposes=["legal_obligation"],
            basis="legal_obligation",
            source="given",
            keep=keep(30, "delete", since="deletion_request"),
            note="An address whose owner asked, without an account, to restrict processing: "
            "kept while the restriction lasts, deleted when their data is erased.",
        ),
        "restricted_at": NOT_PERSONAL,
    },
)

declare(
    AccountEvent,
    fields={
        "user": _account("identity.account", source="automatic"),
        "action": _account("account.activity", source="automatic"),
        "acting_user": _account(
            "account.activity",
            source="automatic",
            basis="legitimate_interests",
            purposes=["security"],
            note="Who did it: the customer, a staff member, or empty for the system.",
        ),
        "note": _account(
            "account.activity",
            source="staff",
            basis="legitimate_interests",
            purposes=["security", "customer_service"],
        ),
        "created_at": _account("account.activity", source="automatic"),
    },
)


def _power_audit(category: str):
    """The audit trail of staff powers (P15): kept two years, like the admin's own log."""
    return personal(
        category,
        purposes=["security"],
        basis="legitimate_interests",
        source="automatic",
        keep=keep(2 * YEAR, "delete"),
        note="Who gave or took a staff account's powers, and when; kept two years. Erasing "
        "the account keeps the record (pointing at the anonymised account) and empties its note.",
    )


declare(
    StaffPowerChange,
    fields={
        "user": _power_audit("identity.account"),
        "power": _power_audit("security.audit"),
        "before": _power_audit("security.audit"),
        "after": _power_audit("security.audit"),
        "acting_user": _power_audit("security.audit"),
        "note": _power_audit("security.audit"),
        "created_at": _power_audit("security.audit"),
    },
    age_field="created_at",
)

# --- allauth, configured by this app ---------------------------------------------------------

declare(
    "account.EmailAddress",
    fields={
        "user": _account("identity.account", source="automatic"),
        "email": _account(
            "contact.email",
            purposes=["account", "security", "customer_service"],
            recipients=["mail_provider"],
            note="Every address of the account; verification and change-of-address mail go to it.",
        ),
        "verified": _account("identity.account", source="automatic"),
        "primary": _account("identity.account", source="given"),
    },
)

declare(
    "account.EmailConfirmation",
    fields={
        "email_address": personal(
            "contact.email",
            purposes=["account", "security"],
            basis="contract",
            source="automatic",
            keep=keep(7, "delete"),
        ),
        "key": personal(
            "account.tokens",
            purposes=["account", "security"],
            basis="contract",
            source="automatic",
            keep=keep(7, "delete"),
            note="Unused while ACCOUNT_EMAIL_CONFIRMATION_HMAC is on (allauth's default): "
            "confirmation links are signed instead of stored.",
        ),
        "created": personal(
            "account.tokens",
            purposes=["account", "security"],
            basis="contract",
            source="automatic",
            keep=keep(7, "delete"),
        ),
        "sent": personal(
            "account.tokens",
            purposes=["account", "security"],
            basis="contract",
            source="automatic",
            keep=keep(7, "delete"),
        ),
    },
    # Links expire after ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS (3); the rows go after a week.
    age_field="created",
)

SOCIAL_NOTE = (
    "From the sign-in provider (P4); kept while the account is open, deleted within 30 days of "
    "a request to delete it or when the customer disconnects the provider."
)

declare(
    "socialaccount.SocialAccount",
    fields={
        "user": _account("identity.account", source="automatic", note=SOCIAL_NOTE),
        "provider": _account("identity.social", source="third_party", note=SOCIAL_NOTE),
        "uid": _account("identity.social", source="third_party", note=SOCIAL_NOTE),
        "last_login": _account("account.activity", source="automatic", note=SOCIAL_NOTE),
        "date_joined": _account("account.activity", source="automatic", note=SOCIAL_NOTE),
        "extra_data": _account(
            "identity.social_profile",
            source="third_party",
            note="Only the basic profile (provider id, name, email and whether the provider "
            "verified it): SocialAccountAdapter.populate_user drops everything else. "
            + SOCIAL_NOTE,
        ),
    },
)

TOKEN_NOTE = (
    "Never written while SOCIALACCOUNT_STORE_TOKENS is False (our setting): provider tokens are "
    "used once during sign-in and not kept."
)

declare(
    "socialaccount.SocialToken",
    fields={
        "app": NOT_PERSONAL,  # which of the shop's provider apps
        "account": _account(
            "identity.social", source="third_party", keep=keep(1, "delete"), note=TOKEN_NOTE
        ),
        "token": _account(
            "account.credentials", source="third_party", keep=keep(1, "delete"), note=TOKEN_NOTE
        ),
        "token_secret": _account(
            "account.credentials", source="third_party", keep=keep(1, "delete"), note=TOKEN_NOTE
        ),
        "expires_at": _account(
            "account.credentials", source="third_party", keep=keep(1, "delete"), note=TOKEN_NOTE
        ),
    },
    age_field="expires_at",
)

declare_not_personal(
    "socialaccount.SocialApp",
    reason="The shop's own credentials with a sign-in provider (client id and secret).",
)

MFA_NOTE = (
    "Two-factor authentication (TOTP and recovery codes), required of staff who see personal "
    "data (P14). Deleted when the person removes it, and with the account."
)

declare(
    "mfa.Authenticator",
    fields={
        "user": _account("identity.account", source="automatic", note=MFA_NOTE),
        "type": _account(
            "account.credentials", source="given", basis="legitimate_interests", note=MFA_NOTE
        ),
        "data": _account(
            "account.credentials",
            source="given",
            basis="legitimate_interests",
            purposes=["security"],
            note="The TOTP secret or the recovery codes. " + MFA_NOTE,
        ),
        "created_at": _account("account.activity", source="automatic", note=MFA_NOTE),
        "last_used_at": _account(
            "account.activity", source="automatic", purposes=["security"], note=MFA_NOTE
        ),
    },
)

# Export, erasure and correction of a subject's account data (P20).
register_holder(HOLDER)
