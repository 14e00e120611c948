"""Accounts through django-allauth: sign-up with a verified email, sign in and out, password
reset, change of email, rate-limited sign-in, no account enumeration (P3, P8, P14).

Every mail allauth sends goes through the outbox as transactional mail (P8); tests read it from
the outbox and from `mail.outbox` once on_commit work has run, as in production.
"""

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client

from candor.messaging.models import MailClass, OutboxMessage
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

User = get_user_model()
PASSWORD = "correct horse battery"
NEW_PASSWORD = "a quieter violet tram"
TRANSACTIONAL_FOOTER = (
    "This message is about something you asked us to do, so it is sent whatever your mail "
    "preferences are. It contains no advertising."
)


@pytest.fixture
def verified_user(db):
    user = UserFactory(email="ayesha@example.com", first_name="Ayesha", last_name="Khan")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


@pytest.fixture
def request_committed(django_capture_on_commit_callbacks):
    """Run a client call with its on_commit work (outbox delivery), as after a real commit."""

    def _run(call, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return call(*args, **kwargs)

    return _run


def delivered(message: OutboxMessage) -> str:
    """The text of an outbox message as it reached the reader (the outbox keeps no copy of a
    personal link once it is sent)."""
    return next(
        m.body
        for m in mail.outbox
        if m.extra_headers["Message-ID"] == f"<outbox-{message.pk}@candor>"
    )


def link_in(text: str, path: str) -> str:
    match = re.search(rf"http://testserver({re.escape(path)}\S+)", text)
    assert match, f"no {path} link in:\n{text}"
    return match.group(1)


def without_csrf(response) -> str:
    """The page with the per-visitor CSRF token blanked, to compare two visitors' pages."""
    return re.sub(r'value="[^"]{64}"', 'value=""', response.content.decode())


def signed_in_user_id(client) -> str | None:
    return client.session.get("_auth_user_id")


# --- Sign-up and verification --------------------------------------------------------------


def test_p3_p8_sign_up_needs_a_verified_email_and_mails_through_the_outbox(
    client, request_committed
):
    """P3, P8: sign-up creates the account unverified and not signed in; the registration
    mail is one transactional outbox row in the shop's transactional frame, with no marketing;
    following its link verifies the address and signs the customer in."""
    response = request_committed(
        client.post,
        "/accounts/signup/",
        {"email": "Sana@Example.com", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    user = User.objects.get()
    assert user.email == "sana@example.com"
    assert user.check_password(PASSWORD)
    address = EmailAddress.objects.get(user=user)
    assert (address.email, address.verified, address.primary) == ("sana@example.com", False, True)
    assert signed_in_user_id(client) is None

    message = OutboxMessage.objects.get()
    assert message.mail_class == MailClass.TRANSACTIONAL
    assert message.to_email == "sana@example.com"
    assert message.subject == "Please Confirm Your Email Address"
    assert message.template == "account/email/outbox"
    assert message.idempotency_key.startswith("account:email_confirmation_signup:")
    assert TRANSACTIONAL_FOOTER in delivered(message)
    assert TRANSACTIONAL_FOOTER in mail.outbox[0].alternatives[0][0]
    assert "unsubscribe" not in delivered(message).lower()
    assert "Hello from" not in delivered(message)  # allauth's greeting is replaced by our frame
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["sana@example.com"]
    assert mail.outbox[0].subject == "Please Confirm Your Email Address"
    assert "List-Unsubscribe" not in mail.outbox[0].extra_headers

    confirm_path = link_in(delivered(message), "/accounts/confirm-email/")
    message.refresh_from_db()
    assert f'href="http://testserver{confirm_path}"' in mail.outbox[0].alternatives[0][0]
    # P14: once sent, the outbox keeps no copy of the link
    assert confirm_path not in message.body_text + message.body_html
    page = client.get(confirm_path)
    assert page.status_code == 200
    assert "sana@example.com" in page.content.decode()
    confirmed = client.post(confirm_path)
    assert confirmed.status_code == 302
    assert EmailAddress.objects.get(user=user).verified is True
    assert signed_in_user_id(client) == str(user.pk)


def test_p3_unverified_account_cannot_sign_in_and_gets_a_new_link(client, request_committed):
    """P3, P14: with mandatory verification, signing in before verifying only sends a fresh
    verification mail; the session stays anonymous."""
    user = UserFactory(email="late@example.com")
    EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)
    response = request_committed(
        client.post, "/accounts/login/", {"login": "late@example.com", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert signed_in_user_id(client) is None
    message = OutboxMessage.objects.get()
    assert message.subject == "Please Confirm Your Email Address"
    assert message.mail_class == MailClass.TRANSACTIONAL


def test_p3_sign_up_refuses_bad_input_and_changes_nothing(client):
    """P3: a short password, or two that differ, re-render the form with the reason; no
    account, no mail."""
    short = client.post(
        "/accounts/signup/", {"email": "a@example.com", "password1": "short", "password2": "short"}
    )
    assert short.status_code == 200
    assert "This password is too short. It must contain at least 10 characters." in (
        short.content.decode()
    )
    differ = client.post(
        "/accounts/signup/",
        {"email": "a@example.com", "password1": PASSWORD, "password2": NEW_PASSWORD},
    )
    assert differ.status_code == 200
    assert "You must type the same password each time." in differ.content.decode()
    bad_email = client.post(
        "/accounts/signup/", {"email": "not-an-email", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert bad_email.status_code == 200
    assert "Enter a valid email address." in bad_email.content.decode()
    assert User.objects.count() == 0
    assert OutboxMessage.objects.count() == 0


def test_p3_sign_up_with_a_taken_address_does_not_reveal_the_account(
    client, verified_user, request_committed
):
    """P3, P14: signing up with an address that has an account answers exactly as for a new
    one (no enumeration); the owner of the address is told by mail instead."""
    response = request_committed(
        client.post,
        "/accounts/signup/",
        {"email": "ayesha@example.com", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert User.objects.count() == 1
    assert User.objects.get().check_password(PASSWORD)
    message = OutboxMessage.objects.get()
    assert message.subject == "Account Already Exists"
    assert message.mail_class == MailClass.TRANSACTIONAL


def test_p14_real_settings_hash_passwords_with_argon2(client, settings):
    """P14: the shop's settings hash passwords with Argon2 (tests use MD5 only for speed)."""
    from candor import settings as real_settings

    assert real_settings.PASSWORD_HASHERS[0] == ("django.contrib.auth.hashers.Argon2PasswordHasher")
    settings.PASSWORD_HASHERS = real_settings.PASSWORD_HASHERS
    client.post(
        "/accounts/signup/",
        {"email": "hash@example.com", "password1": PASSWORD, "password2": PASSWORD},
    )
    user = User.objects.get(email="hash@example.com")
    assert user.password.startswith("argon2$argon2id$")
    assert user.check_password(PASSWORD)


# --- Sign in and out ----------------------------------------------------------------------


def test_p3_sign_in_and_sign_out(client, verified_user):
    """P3: a verified customer signs in with email and password and signs out with a POST."""
    page = client.get("/accounts/login/")
    assert page.status_code == 200
    html = page.content.decode()
    assert '<label for="id_login">Email:</label>' in html
    assert '<label for="id_password">Password:</label>' in html
    response = client.post(
        "/accounts/login/", {"login": "AYESHA@example.com", "password": PASSWORD}
    )
    assert response.status_code == 302 and response["Location"] == "/"
    assert signed_in_user_id(client) == str(verified_user.pk)

    home = client.get("/")
    header = home.content.decode()
    assert "Your account" in header and ">Sign out</button>" in header
    assert ">Sign in</a>" not in header

    assert client.get("/accounts/logout/").status_code == 200  # a GET only asks
    assert signed_in_user_id(client) == str(verified_user.pk)
    out = client.post("/accounts/logout/")
    assert out.status_code == 302
    assert signed_in_user_id(client) is None


def test_p3_wrong_password_is_refused_with_a_message(client, verified_user):
    """P3: a wrong password re-renders the form with a plain reason; nobody is signed in."""
    response = client.post("/accounts/login/", {"login": verified_user.email, "password": "nope"})
    assert response.status_code == 200
    assert "The email address and/or password you specified are not correct." in (
        response.content.decode()
    )
    assert signed_in_user_id(client) is None


def test_p3_header_offers_sign_in_and_create_account_to_visitors(client):
    """P3: visitors see "Sign in" and "Create account" in the header of every page."""
    html = client.get("/").content.decode()
    assert '<a href="/accounts/login/">Sign in</a>' in html
    assert '<a href="/accounts/signup/">Create account</a>' in html
    assert "Your account" not in html


def test_p3_account_pages_use_the_shop_layout(client):
    """P3: allauth's pages are drawn in the shop's layout (header, footer, skip link)."""
    for path, title in [
        ("/accounts/login/", "Sign In"),
        ("/accounts/signup/", "Signup"),
        ("/accounts/password/reset/", "Password Reset"),
    ]:
        html = client.get(path).content.decode()
        assert '<a class="skip" href="#main">Skip to content</a>' in html, path
        assert '<footer class="site-footer">' in html, path
        assert re.search(rf"<title>\s*{title}\s*· ", html), path


# --- Rate limits ---------------------------------------------------------------------------


def test_p14_sign_in_is_refused_after_five_failed_attempts(client, verified_user):
    """P14: after 5 failed attempts on one account from one client, even the right password is
    refused there for a while, with a message and 429; the account is not signed in."""
    for _ in range(5):
        failed = client.post("/accounts/login/", {"login": verified_user.email, "password": "x"})
        assert "not correct" in failed.content.decode()
    blocked = client.post("/accounts/login/", {"login": verified_user.email, "password": PASSWORD})
    assert blocked.status_code == 429
    assert "Too many failed login attempts. Try again later." in blocked.content.decode()
    assert signed_in_user_id(client) is None
    # Another account from elsewhere is unaffected.
    other = UserFactory(email="bilal@example.com")
    EmailAddress.objects.create(user=other, email=other.email, verified=True, primary=True)
    elsewhere = Client(REMOTE_ADDR="10.0.0.9")
    elsewhere.post("/accounts/login/", {"login": other.email, "password": PASSWORD})
    assert signed_in_user_id(elsewhere) == str(other.pk)


def test_p14_too_many_sign_in_attempts_from_one_address_get_429(client, verified_user):
    """P14: more than 30 sign-in posts a minute from one address are answered 429."""
    for _ in range(30):
        assert client.post("/accounts/login/", {"login": "", "password": ""}).status_code == 200
    limited = client.post("/accounts/login/", {"login": verified_user.email, "password": PASSWORD})
    assert limited.status_code == 429
    assert "Too many attempts" in limited.content.decode()
    assert signed_in_user_id(client) is None


# --- Password reset ------------------------------------------------------------------------


def test_p14_password_reset_by_mailed_link(client, verified_user, request_committed):
    """P14, P8: a reset request mails a one-time link (transactional); the link sets a new
    password, works once, and a "your password was reset" notice follows."""
    response = request_committed(
        client.post, "/accounts/password/reset/", {"email": "ayesha@example.com"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/done/"
    message = OutboxMessage.objects.get()
    assert message.subject == "Password Reset Email"
    assert message.mail_class == MailClass.TRANSACTIONAL
    key_path = link_in(delivered(message), "/accounts/password/reset/key/")

    form_page = client.get(key_path, follow=True)
    assert form_page.status_code == 200
    set_path = form_page.redirect_chain[-1][0]
    changed = request_committed(
        client.post, set_path, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert changed.status_code == 302
    assert changed["Location"] == "/accounts/password/reset/key/done/"
    verified_user.refresh_from_db()
    assert verified_user.check_password(NEW_PASSWORD)
    notice = OutboxMessage.objects.get(subject="Password Reset")
    assert notice.mail_class == MailClass.TRANSACTIONAL and notice.to_email == verified_user.email

    # The link is spent: using it again changes nothing.
    again = Client().get(key_path, follow=True)
    assert "The password reset link was invalid" in again.content.decode()
    verified_user.refresh_from_db()
    assert verified_user.check_password(NEW_PASSWORD)


def test_p14_each_reset_request_is_its_own_mail(client, verified_user, request_committed):
    """P8: two reset requests are two messages (the idempotency key is unique per send)."""
    for _ in range(2):
        request_committed(client.post, "/accounts/password/reset/", {"email": verified_user.email})
    messages = OutboxMessage.objects.filter(subject="Password Reset Email")
    assert messages.count() == 2
    assert len({m.idempotency_key for m in messages}) == 2
    assert len(mail.outbox) == 2


def test_p14_password_reset_does_not_reveal_whether_an_account_exists(
    verified_user, request_committed
):
    """P14: a reset for an unknown address gets the same answer and page as for a known one;
    only the mailbox learns the difference."""
    known, unknown = Client(), Client()
    known_response = request_committed(
        known.post, "/accounts/password/reset/", {"email": "ayesha@example.com"}, follow=True
    )
    unknown_response = request_committed(
        unknown.post, "/accounts/password/reset/", {"email": "nobody@example.com"}, follow=True
    )
    assert known_response.status_code == unknown_response.status_code == 200
    assert (
        known_response.redirect_chain
        == unknown_response.redirect_chain
        == [("/accounts/password/reset/done/", 302)]
    )
    assert without_csrf(known_response) == without_csrf(unknown_response)
    subjects = dict(OutboxMessage.objects.values_list("to_email", "subject"))
    assert subjects == {
        "ayesha@example.com": "Password Reset Email",
        "nobody@example.com": "Unknown Account",
    }
    assert not User.objects.filter(email="nobody@example.com").exists()


def test_p14_reset_form_bad_input_changes_nothing(client):
    """P14: an invalid address re-renders the form with the reason; no mail."""
    response = client.post("/accounts/password/reset/", {"email": "not an email"})
    assert response.status_code == 200
    assert "Enter a valid email address." in response.content.decode()
    assert OutboxMessage.objects.count() == 0


# --- Change of email -----------------------------------------------------------------------


def test_p3_change_of_email_is_verified_before_it_becomes_primary(
    client, verified_user, request_committed
):
    """P3, P14: a new address is only a candidate until its mailed link is followed; then it
    becomes the sign-in address and the old one is removed, and the old address is told."""
    client.post("/accounts/login/", {"login": verified_user.email, "password": PASSWORD})
    response = request_committed(
        client.post, "/accounts/email/", {"email": "ayesha.k@example.com", "action_add": ""}
    )
    assert response.status_code == 302
    verified_user.refresh_from_db()
    assert verified_user.email == "ayesha@example.com"
    assert set(
        EmailAddress.objects.filter(user=verified_user).values_list("email", "verified", "primary")
    ) == {("ayesha@example.com", True, True), ("ayesha.k@example.com", False, False)}
    message = OutboxMessage.objects.get(to_email="ayesha.k@example.com")
    assert message.subject == "Please Confirm Your Email Address"
    assert message.mail_class == MailClass.TRANSACTIONAL
    # Signing in still uses the old address until the new one is verified.
    assert client.get("/accounts/email/").status_code == 200

    confirm_path = link_in(delivered(message), "/accounts/confirm-email/")
    request_committed(client.post, confirm_path)
    verified_user.refresh_from_db()
    assert verified_user.email == "ayesha.k@example.com"
    assert list(
        EmailAddress.objects.filter(user=verified_user).values_list("email", "verified", "primary")
    ) == [("ayesha.k@example.com", True, True)]
    notice = OutboxMessage.objects.get(subject="Email Changed")
    assert notice.to_email == "ayesha@example.com"
    assert "ayesha.k@example.com" in delivered(notice)
    assert notice.mail_class == MailClass.TRANSACTIONAL


def test_p3_change_of_email_refuses_a_bad_address(client, verified_user):
    """P3: an invalid new address is refused with the reason; nothing changes, no mail."""
    client.post("/accounts/login/", {"login": verified_user.email, "password": PASSWORD})
    response = client.post("/accounts/email/", {"email": "nope", "action_add": ""})
    assert response.status_code == 200
    assert "Enter a valid email address." in response.content.decode()
    assert EmailAddress.objects.filter(user=verified_user).count() == 1
    assert OutboxMessage.objects.count() == 0


# --- Links in mail expire ------------------------------------------------------------------


def test_p14_a_password_reset_link_expires_after_a_day(
    client, verified_user, request_committed, monkeypatch
):
    """P14: the reset link is a signed token that stops working after PASSWORD_RESET_TIMEOUT
    (a day); an expired one changes nothing."""
    from datetime import datetime, timedelta

    from django.contrib.auth.tokens import PasswordResetTokenGenerator

    request_committed(client.post, "/accounts/password/reset/", {"email": verified_user.email})
    key_path = link_in(delivered(OutboxMessage.objects.get()), "/accounts/password/reset/key/")
    later = datetime.now() + timedelta(days=1, minutes=1)
    monkeypatch.setattr(PasswordResetTokenGenerator, "_now", lambda self: later)
    response = Client().get(key_path, follow=True)
    assert "The password reset link was invalid" in response.content.decode()
    verified_user.refresh_from_db()
    assert verified_user.check_password(PASSWORD)


def test_p14_a_verification_link_expires_after_three_days(client, request_committed, monkeypatch):
    """P14: the verification link is signed and expires after three days; an expired link
    leaves the address unverified."""
    import time

    request_committed(
        client.post,
        "/accounts/signup/",
        {"email": "slow@example.com", "password1": PASSWORD, "password2": PASSWORD},
    )
    confirm_path = link_in(delivered(OutboxMessage.objects.get()), "/accounts/confirm-email/")
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + 3 * 24 * 3600 + 60)
    page = client.get(confirm_path)
    assert "This email confirmation link expired or is invalid." in page.content.decode()
    assert client.post(confirm_path).status_code == 404
    assert EmailAddress.objects.get(email="slow@example.com").verified is False
