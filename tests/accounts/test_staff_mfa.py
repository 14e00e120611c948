"""Staff two-factor authentication for the back office (P14).

The back office (/backoffice/) opens only to active staff who have an authenticator app (TOTP)
enrolled and used it to sign in in this session. Tests drive allauth's real pages: the sign-in
form, the two-factor step, the enrolment page and the code prompt; TOTP codes are computed from
the enrolled secret with RFC 6238, as an authenticator app does.
"""

import re

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.core.management import call_command
from django.test import Client
from django.utils.html import escape

from candor.accounts.admin_site import CODE_MESSAGE, ENROL_MESSAGE
from tests.conftest import enrol_totp, totp_code
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"


@pytest.fixture
def staff(db):
    user = UserFactory(email="packer@candor.example", is_staff=True, first_name="Asad")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def signed_in_user_id(client) -> str | None:
    return client.session.get("_auth_user_id")


def sign_in_with_password(client, user, next_url="/backoffice/"):
    return client.post(
        f"/accounts/login/?next={next_url}", {"login": user.email, "password": PASSWORD}
    )


def test_p14_staff_without_totp_are_sent_to_enrol_with_the_reason(client, staff):
    """P14: a staff member signed in with a password only, and no authenticator app, is sent
    from the back office to the enrolment page with a message saying why."""
    signed_in = sign_in_with_password(client, staff)
    assert signed_in.status_code == 302 and signed_in["Location"] == "/backoffice/"
    assert signed_in_user_id(client) == str(staff.pk)

    response = client.get("/backoffice/")
    assert response.status_code == 302
    assert response["Location"] == "/backoffice/login/?next=/backoffice/"
    sent_on = client.get(response["Location"])
    assert sent_on.status_code == 302
    assert sent_on["Location"] == "/accounts/2fa/totp/activate/"
    page = client.get("/accounts/2fa/totp/activate/", follow=True)
    assert escape(ENROL_MESSAGE) in page.content.decode()
    # Any back-office address leads the same way; nothing of the back office is shown.
    orders = client.get("/backoffice/orders/order/", follow=True)
    assert orders.redirect_chain[0] == ("/backoffice/login/?next=/backoffice/orders/order/", 302)
    assert orders.redirect_chain[1] == ("/accounts/2fa/totp/activate/", 302)
    assert "Select order to change" not in orders.content.decode()


def test_p14_staff_enrol_totp_then_reach_the_back_office_with_a_code(client, staff):
    """P14: the whole first visit through allauth's pages: password, enrolment (confirming the
    password, scanning the secret, entering a code), recovery codes shown, then the back office
    asks for a code once and opens."""
    sign_in_with_password(client, staff)
    client.get("/backoffice/")
    # Enrolment asks for the password again first (a recent re-authentication).
    to_activate = client.get("/accounts/2fa/totp/activate/")
    assert to_activate.status_code == 302
    assert to_activate["Location"].startswith("/accounts/reauthenticate/")
    client.post(to_activate["Location"], {"password": PASSWORD})
    page = client.get("/accounts/2fa/totp/activate/")
    assert page.status_code == 200
    secret = page.context["form"].secret
    assert f'value="{secret}"' in page.content.decode()

    wrong = client.post("/accounts/2fa/totp/activate/", {"code": "000000"})
    assert wrong.status_code == 200 and "Incorrect code." in wrong.content.decode()
    assert not Authenticator.objects.filter(user=staff).exists()

    activated = client.post("/accounts/2fa/totp/activate/", {"code": totp_code(secret)})
    assert activated.status_code == 302
    assert activated["Location"] == "/accounts/2fa/recovery-codes/"
    assert set(Authenticator.objects.filter(user=staff).values_list("type", flat=True)) == {
        Authenticator.Type.TOTP,
        Authenticator.Type.RECOVERY_CODES,
    }
    codes_page = client.get("/accounts/2fa/recovery-codes/").content.decode()
    codes = RecoveryCodes(Authenticator.objects.get(user=staff, type="recovery_codes"))
    assert all(code in codes_page for code in codes.get_unused_codes())

    # Enrolled, but this session's sign-in had no second factor yet: the code is asked for.
    asked = client.get("/backoffice/", follow=True)
    assert asked.redirect_chain[-1] == (
        "/accounts/2fa/reauthenticate/?next=%2Fbackoffice%2F",
        302,
    )
    assert escape(CODE_MESSAGE) in asked.content.decode()
    entered = client.post(
        "/accounts/2fa/reauthenticate/?next=%2Fbackoffice%2F", {"code": totp_code(secret)}
    )
    assert entered.status_code == 302 and entered["Location"] == "/backoffice/"
    index = client.get("/backoffice/")
    assert index.status_code == 200
    assert "Candor back office" in index.content.decode()


def test_p14_enrolled_staff_sign_in_with_totp_reaches_the_back_office(client, staff):
    """P14: password, then the authenticator code at sign-in, opens the back office; between
    the two steps the staff member is not signed in at all."""
    enrol_totp(staff)
    first = sign_in_with_password(client, staff)
    assert first.status_code == 302
    assert first["Location"] == "/accounts/2fa/authenticate/"
    assert signed_in_user_id(client) is None
    between = client.get("/backoffice/")
    assert between.status_code == 302
    assert between["Location"] == "/backoffice/login/?next=/backoffice/"

    wrong = client.post("/accounts/2fa/authenticate/", {"code": "123456"})
    assert wrong.status_code == 200 and "Incorrect code." in wrong.content.decode()
    assert signed_in_user_id(client) is None

    second = client.post("/accounts/2fa/authenticate/", {"code": totp_code(staff.totp_secret)})
    assert second.status_code == 302 and second["Location"] == "/backoffice/"
    assert signed_in_user_id(client) == str(staff.pk)
    assert client.get("/backoffice/").status_code == 200


def test_p14_a_recovery_code_works_once_and_not_twice(client, staff):
    """P14: a recovery code stands in for the app once; used again, it is refused."""
    enrol_totp(staff)
    recovery = RecoveryCodes.activate(staff)
    code = recovery.get_unused_codes()[0]

    sign_in_with_password(client, staff)
    used = client.post("/accounts/2fa/authenticate/", {"code": code})
    assert used.status_code == 302 and used["Location"] == "/backoffice/"
    assert client.get("/backoffice/").status_code == 200
    client.post("/accounts/logout/")

    again = Client()
    sign_in_with_password(again, staff)
    refused = again.post("/accounts/2fa/authenticate/", {"code": code})
    assert refused.status_code == 200
    assert "Incorrect code." in refused.content.decode()
    assert signed_in_user_id(again) is None
    assert again.get("/backoffice/")["Location"] == "/backoffice/login/?next=/backoffice/"
    recovery.instance.refresh_from_db()
    assert code not in RecoveryCodes(recovery.instance).get_unused_codes()


def test_p14_the_admin_password_form_cannot_bypass_two_factor(client, staff):
    """P14: posting the right password to the admin's own login address signs nobody in; it
    only sends the visitor to allauth's sign-in, which asks for the code."""
    enrol_totp(staff)
    for credentials in (
        {"username": staff.email, "password": PASSWORD},
        {"email": staff.email, "password": PASSWORD},
    ):
        response = client.post("/backoffice/login/?next=/backoffice/", credentials)
        assert response.status_code == 302
        assert response["Location"] == "/accounts/login/?next=%2Fbackoffice%2F"
        assert signed_in_user_id(client) is None
    page = client.get("/backoffice/login/")
    assert page.status_code == 302 and 'name="password"' not in page.content.decode()
    assert client.get("/backoffice/").status_code == 302


def test_p14_a_password_only_session_of_enrolled_staff_is_asked_for_the_code(client, staff):
    """P14: a session signed in without the second factor (here force_login, as a password
    backend would) does not open the back office even though TOTP is enrolled."""
    enrol_totp(staff)
    client.force_login(staff)
    response = client.get("/backoffice/", follow=True)
    assert response.redirect_chain == [
        ("/backoffice/login/?next=/backoffice/", 302),
        ("/accounts/2fa/reauthenticate/?next=%2Fbackoffice%2F", 302),
    ]
    assert "Candor back office" not in response.content.decode()


def test_p14_customers_are_refused_the_back_office(client):
    """P14, P15: a signed-in customer is told the back office is for staff (403)."""
    customer = UserFactory(email="ayesha@example.com")
    EmailAddress.objects.create(user=customer, email=customer.email, verified=True, primary=True)
    sign_in_with_password(client, customer, next_url="/")
    response = client.get("/backoffice/", follow=True)
    assert response.status_code == 403
    assert "This account cannot open the back office." in response.content.decode()


def test_p14_removing_the_authenticator_closes_the_back_office(client, staff, mfa_login):
    """P14: without an enrolled app the back office closes, even in a session that used it."""
    mfa_login(client, staff)
    assert client.get("/backoffice/").status_code == 200
    Authenticator.objects.filter(user=staff).delete()
    assert client.get("/backoffice/").status_code == 302


def test_p14_inactive_staff_cannot_open_the_back_office(client, staff, mfa_login):
    """P14: a deactivated staff member's session opens nothing."""
    mfa_login(client, staff)
    type(staff).objects.filter(pk=staff.pk).update(is_active=False)
    assert client.get("/backoffice/").status_code == 302


def test_p14_admin_client_fixture_is_a_two_factor_session(admin_client, admin_user):
    """P14: the shared `admin_client` fixture signs in like staff must: password and TOTP."""
    assert Authenticator.objects.filter(user=admin_user, type="totp").count() == 1
    methods = [
        record["method"] for record in admin_client.session["account_authentication_methods"]
    ]
    assert methods == ["password", "mfa"]
    assert admin_client.get("/backoffice/").status_code == 200
    # Already through both steps: the back office's login address just goes on.
    onward = admin_client.get("/backoffice/login/?next=/backoffice/orders/order/")
    assert onward.status_code == 302 and onward["Location"] == "/backoffice/orders/order/"


def test_p14_ensure_owner_tells_the_owner_to_enrol_and_the_owner_is_prompted(capsys):
    """P14: the owner's set-up message says two-factor is required; the owner's address needs
    no mailed link, and the first back-office visit leads to the enrolment page."""
    call_command("ensure_owner")
    out = capsys.readouterr().out
    assert "Two-factor authentication is required for the back office." in out
    password = re.search(r"password: (\S+)", out).group(1)
    client = Client()
    signed_in = client.post(
        "/accounts/login/?next=/backoffice/",
        {"login": "owner@candor.example", "password": password},
    )
    assert signed_in["Location"] == "/backoffice/"
    response = client.get("/backoffice/", follow=True)
    assert response.redirect_chain[1] == ("/accounts/2fa/totp/activate/", 302)
    assert escape(ENROL_MESSAGE) in response.content.decode()


def test_p14_guessing_the_code_is_rate_limited(client, staff):
    """P14: after 5 wrong codes for one account, even the right code is refused for a while."""
    enrol_totp(staff)
    sign_in_with_password(client, staff)
    for _ in range(5):
        wrong = client.post("/accounts/2fa/authenticate/", {"code": "000000"})
        assert "Incorrect code." in wrong.content.decode()
    refused = client.post("/accounts/2fa/authenticate/", {"code": totp_code(staff.totp_secret)})
    assert refused.status_code == 200
    assert "Too many failed login attempts. Try again later." in refused.content.decode()
    assert signed_in_user_id(client) is None


def test_p14_the_admin_password_change_page_is_allauths(admin_client):
    """P14: the back office's "change password" leads to the account's own page (with its
    rate limit and security notice), not a second password form."""
    response = admin_client.get("/backoffice/password_change/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/change/"


def test_p14_the_back_office_login_ignores_a_next_address_elsewhere(client):
    """P14: a `next` pointing off the site is replaced by the back office's own index."""
    response = client.get("/backoffice/login/?next=https://evil.example/steal")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fbackoffice%2F"
