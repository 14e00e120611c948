"""P14, issue 11 item 3: two-factor secrets are encrypted at rest and no back-office page
shows them.

allauth keeps the TOTP secret and the recovery-code seed in `Authenticator.data` and passes
them through the MFA adapter's encrypt/decrypt; ours encrypts with Fernet under
MFA_ENCRYPTION_KEYS (candor.accounts.mfa_secrets). Rows written in plain text before this are
encrypted by the data migration accounts.0005.
"""

import importlib
import json

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from cryptography.fernet import Fernet
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection

from candor.accounts import mfa_secrets
from tests.conftest import totp_code
from tests.factories import UserFactory
from tests.privacy.staff_roles import signed_in, staff_in

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"
MIGRATION = importlib.import_module("candor.accounts.migrations.0005_encrypt_mfa_secrets")


def stored(authenticator) -> str:
    """The row's data column exactly as the database holds it."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT data FROM {Authenticator._meta.db_table} WHERE id = %s", [authenticator.pk]
        )
        value = cursor.fetchone()[0]
    return value if isinstance(value, str) else json.dumps(value)


@pytest.fixture
def staff(db):
    user = UserFactory(email="packer@candor.example", is_staff=True)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def test_p14_enrolment_stores_the_totp_secret_and_recovery_seed_encrypted(client, staff):
    """Through allauth's own pages: the secret shown to scan, the codes shown once; neither is
    in the database as text, and signing in with a code still works."""
    client.post("/accounts/login/", {"login": staff.email, "password": PASSWORD})
    client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    secret = client.get("/accounts/2fa/totp/activate/").context["form"].secret
    client.post("/accounts/2fa/totp/activate/", {"code": totp_code(secret)})
    codes_page = client.get("/accounts/2fa/recovery-codes/").content.decode()

    totp = Authenticator.objects.get(user=staff, type="totp")
    recovery = Authenticator.objects.get(user=staff, type="recovery_codes")
    codes = RecoveryCodes(recovery).get_unused_codes()
    assert len(codes) == 10 and all(code in codes_page for code in codes)
    assert secret not in stored(totp)
    assert mfa_secrets.is_encrypted(totp.data["secret"])
    assert mfa_secrets.is_encrypted(recovery.data["seed"])
    seed = mfa_secrets.decrypt(recovery.data["seed"])
    assert seed not in stored(recovery) and not any(code in stored(recovery) for code in codes)
    assert mfa_secrets.decrypt(totp.data["secret"]) == secret

    client.post("/accounts/logout/")
    client.post("/accounts/login/", {"login": staff.email, "password": PASSWORD})
    signed = client.post("/accounts/2fa/authenticate/", {"code": totp_code(secret)})
    assert signed.status_code == 302 and client.session["_auth_user_id"] == str(staff.pk)


def test_p14_the_data_migration_encrypts_plain_rows_once_and_can_be_reversed(staff):
    """An installation that upgrades keeps working: rows written by the default adapter (plain
    text) are encrypted, codes keep validating, a second run changes nothing, and reversing the
    migration gives the plain text back."""
    secret = generate_totp_secret()
    totp = Authenticator.objects.create(user=staff, type="totp", data={"secret": secret})
    recovery = Authenticator.objects.create(
        user=staff,
        type="recovery_codes",
        data={"seed": "ab" * 40, "used_mask": 0, "migrated_codes": ["11112222", "33334444"]},
    )

    MIGRATION.encrypt(apps, None)

    totp.refresh_from_db()
    recovery.refresh_from_db()
    assert secret not in stored(totp) and mfa_secrets.decrypt(totp.data["secret"]) == secret
    assert "ab" * 40 not in stored(recovery) and "11112222" not in stored(recovery)
    assert recovery.data["used_mask"] == 0
    assert RecoveryCodes(recovery).get_unused_codes() == ["11112222", "33334444"]
    assert TOTP(totp).validate_code(totp_code(secret)) is True
    before = (stored(totp), stored(recovery))
    MIGRATION.encrypt(apps, None)
    assert (stored(totp), stored(recovery)) == before

    MIGRATION.decrypt(apps, None)
    totp.refresh_from_db()
    recovery.refresh_from_db()
    assert totp.data == {"secret": secret}
    assert recovery.data["migrated_codes"] == ["11112222", "33334444"]


def test_p14_a_plain_or_foreign_secret_is_never_taken_as_a_secret(staff, settings):
    """Decryption never falls back to plain text: a row that was not encrypted with one of our
    keys (written into the database by someone else, or under a key since removed) is refused,
    not used to check codes."""
    secret = generate_totp_secret()
    planted = Authenticator.objects.create(user=staff, type="totp", data={"secret": secret})

    with pytest.raises(mfa_secrets.MFASecretUnreadable):
        TOTP(planted).validate_code(totp_code(secret))

    other_key = Fernet.generate_key().decode()
    planted.data = {"secret": Fernet(other_key).encrypt(secret.encode()).decode()}
    planted.save()
    with pytest.raises(mfa_secrets.MFASecretUnreadable):
        TOTP(planted).validate_code(totp_code(secret))


def test_p14_rotating_the_key_re_encrypts_every_secret(staff, settings, capsys):
    old = settings.MFA_ENCRYPTION_KEYS[0]
    secret = generate_totp_secret()
    totp = TOTP.activate(staff, secret).instance
    recovery = RecoveryCodes.activate(staff).instance
    codes = RecoveryCodes(recovery).get_unused_codes()
    new = Fernet.generate_key().decode()
    settings.MFA_ENCRYPTION_KEYS = [new, old]

    call_command("rotate_mfa_keys")

    assert capsys.readouterr().out == "2 authenticator(s) re-encrypted under the first key.\n"
    settings.MFA_ENCRYPTION_KEYS = [new]  # the old key is gone: everything still reads
    totp.refresh_from_db()
    recovery.refresh_from_db()
    assert TOTP(totp).validate_code(totp_code(secret)) is True
    assert RecoveryCodes(recovery).get_unused_codes() == codes


def test_p14_rotation_without_the_old_key_changes_nothing(staff, settings):
    TOTP.activate(staff, generate_totp_secret())
    before = list(Authenticator.objects.values_list("data", flat=True))
    settings.MFA_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]

    with pytest.raises(CommandError, match="keep the old key in the list"):
        call_command("rotate_mfa_keys")

    assert list(Authenticator.objects.values_list("data", flat=True)) == before


@pytest.mark.parametrize("role", ["Owner", None])
def test_p14_no_back_office_page_shows_or_edits_an_authenticator_secret(role, staff, admin_user):
    """The Authenticator pages (list, record, history, delete confirmation) never carry the
    secret, its ciphertext or the recovery seed; the record cannot be edited or added."""
    call_command("ensure_roles", verbosity=0)
    client = signed_in(staff_in("Owner")) if role else signed_in(admin_user)
    secret = generate_totp_secret()
    totp = TOTP.activate(staff, secret).instance
    recovery = RecoveryCodes.activate(staff).instance
    hidden = {
        secret,
        totp.data["secret"],
        recovery.data["seed"],
        mfa_secrets.decrypt(recovery.data["seed"]),
        *RecoveryCodes(recovery).get_unused_codes(),
    }
    base = "/backoffice/mfa/authenticator/"

    pages = [base, f"{base}?q=a"]
    for row in (totp, recovery):
        pages += [f"{base}{row.pk}/change/", f"{base}{row.pk}/history/", f"{base}{row.pk}/delete/"]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert {value for value in hidden if value in html} == set(), url
        assert 'name="data"' not in html, url

    edit = client.post(f"{base}{totp.pk}/change/", {"data": '{"secret": "AAAA"}'})
    assert edit.status_code == 403
    assert client.post(f"{base}add/", {"user": staff.pk, "type": "totp"}).status_code == 403
    totp.refresh_from_db()
    assert mfa_secrets.decrypt(totp.data["secret"]) == secret
