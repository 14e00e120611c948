"""Two-factor secrets written before they were encrypted (TOTP secrets, recovery-code seeds)
are encrypted under MFA_ENCRYPTION_KEYS (candor.accounts.mfa_secrets). Idempotent; reversing
it writes them back in plain text."""

from django.db import migrations


def encrypt(apps, schema_editor):
    from candor.accounts.mfa_secrets import encrypt_plain_rows

    encrypt_plain_rows(apps.get_model("mfa", "Authenticator"))


def decrypt(apps, schema_editor):
    from candor.accounts.mfa_secrets import decrypt_rows

    decrypt_rows(apps.get_model("mfa", "Authenticator"))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_restricted_address"),
        ("mfa", "0003_authenticator_type_uniq"),
    ]

    operations = [migrations.RunPython(encrypt, decrypt, elidable=False)]
