"""How the back office shows personal data to a role that may not read it (P15).

Masked forms keep just enough to tell rows apart (`a***@e***.com`, a phone's last two digits)
and nothing that identifies the person. Pure functions: no database, no request.
"""

from __future__ import annotations

HIDDEN = "***"


def mask_email(value: str) -> str:
    """`ayesha@example.com` -> `a***@e***.com`."""
    local, at, domain = value.strip().partition("@")
    if not at or not local or not domain:
        return HIDDEN
    name, dot, tld = domain.rpartition(".")
    if not dot:
        name, tld = domain, ""
    return f"{local[0]}{HIDDEN}@{name[:1]}{HIDDEN}{dot}{tld}"


def mask_phone(value: str) -> str:
    """Only the last two digits: `+923001234567` -> `***67`."""
    digits = [c for c in value if c.isdigit()]
    if len(digits) < 6:  # too short to show any of it without giving it away
        return HIDDEN
    return HIDDEN + "".join(digits[-2:])


def mask_name(value: str) -> str:
    """Initials only: `Ayesha Khan` -> `A*** K***`."""
    words = value.split()
    return " ".join(f"{word[0]}{HIDDEN}" for word in words) or HIDDEN


def mask_reference(value: str) -> str:
    """A payment reference keeps its last four characters, to match a processor's receipt."""
    value = value.strip()
    return HIDDEN + value[-4:] if len(value) >= 12 else HIDDEN


def mask_value(category: str, value: object) -> str:
    """The masked form of `value`, by its data-map category. Empty values stay empty."""
    text = "" if value is None else str(value)
    if not text:
        return ""
    if category == "contact.email" or "@" in text and category == "identity.account":
        return mask_email(text)
    if category == "contact.phone":
        return mask_phone(text)
    if category == "identity.name":
        return mask_name(text)
    if category == "financial.payment_reference":
        return mask_reference(text)
    return HIDDEN
