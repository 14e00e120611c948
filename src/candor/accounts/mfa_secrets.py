"""Two-factor secrets encrypted at rest (P14).

allauth keeps each TOTP secret and each recovery-code seed in `Authenticator.data` and passes
every one through its MFA adapter's `encrypt` on the way in and `decrypt` on the way out; the
default adapter stores them as they are. Ours (MFA_ADAPTER) encrypts them with Fernet
(AES-128-CBC and HMAC-SHA256, from the `cryptography` package) under MFA_ENCRYPTION_KEYS: the
first key encrypts, every key decrypts (MultiFernet), so a new key is put first, the rows are
re-encrypted with `manage.py rotate_mfa_keys`, and the old key can then be dropped. A database
copy without the key gives neither the codes nor a way to compute them.

Rows written before this adapter existed hold plain text: the data migration
accounts.0005_encrypt_mfa_secrets encrypts them (and decrypts them again if the migration is
reversed). Decryption never falls back to reading plain text: a row that does not decrypt stops
the sign-in with MFASecretUnreadable instead of being taken as a secret someone wrote in.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

from allauth.mfa.adapter import DefaultMFAAdapter
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class MFASecretUnreadable(Exception):
    """A stored two-factor secret does not decrypt with any key in MFA_ENCRYPTION_KEYS."""


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


def fernet() -> MultiFernet:
    keys = tuple(settings.MFA_ENCRYPTION_KEYS)
    if not keys:
        raise ImproperlyConfigured("Set MFA_ENCRYPTION_KEYS (one Fernet key or more)")
    return _fernet(keys)


def encrypt(text: str) -> str:
    return fernet().encrypt(text.encode()).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode()).decode()
    except (InvalidToken, AttributeError, UnicodeError):
        raise MFASecretUnreadable(
            "A two-factor secret does not decrypt with MFA_ENCRYPTION_KEYS: is a key missing?"
        ) from None


def is_encrypted(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        fernet().decrypt(value.encode())
    except InvalidToken:
        return False
    return True


class MFAAdapter(DefaultMFAAdapter):
    """allauth calls these for the TOTP secret, the recovery-code seed and codes migrated
    from another library (allauth/mfa/totp/internal/auth.py, recovery_codes/internal/auth.py).
    WebAuthn keys are public keys and are not passed through them."""

    def encrypt(self, text: str) -> str:
        return encrypt(text)

    def decrypt(self, encrypted_text: str) -> str:
        return decrypt(encrypted_text)


# --- what in Authenticator.data is a secret ------------------------------------------------

SECRET_KEYS = {"totp": ("secret",), "recovery_codes": ("seed",)}
SECRET_LISTS = {"recovery_codes": ("migrated_codes",)}


def convert(data: dict, kind: str, change: Callable[[str], str]) -> dict:
    """A copy of `data` with each secret value passed through `change`."""
    data = dict(data)
    for key in SECRET_KEYS.get(kind, ()):
        if isinstance(data.get(key), str):
            data[key] = change(data[key])
    for key in SECRET_LISTS.get(kind, ()):
        if isinstance(data.get(key), list):
            data[key] = [change(item) for item in data[key]]
    return data


def secret_values(data: dict, kind: str) -> Sequence[Any]:
    values = [data.get(key) for key in SECRET_KEYS.get(kind, ()) if key in data]
    for key in SECRET_LISTS.get(kind, ()):
        values.extend(data.get(key) or [])
    return values


def _rewrite(Authenticator, change: Callable[[str], str]) -> int:
    """Pass every stored secret through `change`, in one transaction, rows locked."""
    from django.db import transaction

    changed = 0
    with transaction.atomic():
        for row in Authenticator.objects.select_for_update().order_by("pk"):
            data = convert(row.data, row.type, change)
            if data != row.data:
                row.data = data
                row.save(update_fields=["data"])
                changed += 1
    return changed


def encrypt_plain_rows(Authenticator) -> int:
    """Encrypt the secrets stored before the adapter encrypted them; idempotent."""
    return _rewrite(Authenticator, lambda value: value if is_encrypted(value) else encrypt(value))


def decrypt_rows(Authenticator) -> int:
    """The reverse, for a downgrade: secrets back in plain text."""
    return _rewrite(Authenticator, lambda value: decrypt(value) if is_encrypted(value) else value)


def rotate_rows(Authenticator) -> int:
    """Re-encrypt every secret under the first key. Raises MFASecretUnreadable, changing
    nothing, when a secret decrypts with none of the keys."""

    def rotate(value: str) -> str:
        try:
            return fernet().rotate(value.encode()).decode("ascii")
        except InvalidToken:
            raise MFASecretUnreadable(
                "A two-factor secret does not decrypt with MFA_ENCRYPTION_KEYS: keep the old "
                "key in the list until every row is re-encrypted."
            ) from None

    return _rewrite(Authenticator, rotate)
