"""P20 (first piece): a customer disables their own account; staff re-enable it on request.

Disabling needs the password again (or, for an account with no password, the email address
typed out). It signs the account out of every session, stops all marketing to it, and stops
it signing in or buying (signed in or as a guest with its email address). Mail about orders
already placed still goes out (P8). Every disabling and re-enabling is audited.
"""

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.core import mail
from django.test import Client
from django.urls import reverse

from candor.accounts import services
from candor.accounts.models import AccountAction, AccountEvent, User
from candor.messaging.audience import excluded_from_marketing, may_receive_marketing
from candor.messaging.models import OutboxMessage
from candor.orders.models import Order, OrderStatus
from candor.orders.services import change_status
from tests.conftest import GUEST_DETAILS
from tests.factories import UserFactory, VariantFactory

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db

DISABLED_ACCOUNT = (
    "We cannot take an order for this email address. If it is yours and you think this is "
    "a mistake, contact us."
)


def alerts(response) -> list[str]:
    return re.findall(r'role="alert">([^<]*)<', response.content.decode())


def state(user) -> tuple:
    user = User.objects.get(pk=user.pk)
    return user.is_active, user.disabled_at, AccountEvent.objects.filter(user=user).count()


def sessions_of(user) -> int:
    return sum(1 for s in Session.objects.all() if s.get_decoded().get(SESSION_KEY) == str(user.pk))


# --- the customer disables their account ----------------------------------------------------


def test_p20_disable_page_explains_and_asks_for_the_password(signed_in):
    page = signed_in.get("/account/disable/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "we still email you about orders you already placed" in html
    assert 'type="password" name="password"' in html
    assert list(page.context["form"].fields) == ["password"]


def test_p20_wrong_or_missing_password_changes_nothing(signed_in, customer_user):
    before = state(customer_user)
    for data, message in (
        ({"password": "not my password"}, "That is not your password."),
        ({}, "This field is required."),
    ):
        response = signed_in.post("/account/disable/", data)
        assert response.status_code == 400
        assert alerts(response) == [message]
    assert state(customer_user) == before
    assert signed_in.get("/account/").status_code == 200  # still signed in
    assert OutboxMessage.objects.count() == 0


def test_p20_disabling_signs_out_everywhere_audits_and_mails(
    signed_in, customer_user, django_capture_on_commit_callbacks
):
    """P20: the account is disabled with who and when; every session of it ends (this one,
    another browser's), other people's sessions stay; an account-security mail goes out."""
    other_browser = Client()
    assert other_browser.login(email=customer_user.email, password=PASSWORD)
    someone_else = Client()
    someone_else.force_login(UserFactory())
    assert sessions_of(customer_user) == 2

    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post("/account/disable/", {"password": PASSWORD})

    assert (response.status_code, response["Location"]) == (302, "/")
    user = User.objects.get(pk=customer_user.pk)
    assert user.is_active is False and user.disabled_at is not None
    event = AccountEvent.objects.get(user=user)
    assert (event.action, event.acting_user_id, event.created_at) == (
        AccountAction.DISABLED,
        user.pk,
        user.disabled_at,
    )
    assert sessions_of(customer_user) == 0
    assert Session.objects.filter(session_key=someone_else.session.session_key).exists()
    for client in (signed_in, other_browser):
        assert client.get("/account/")["Location"] == "/accounts/login/?next=/account/"
    assert someone_else.get("/account/").status_code == 200
    home = signed_in.get("/").content.decode()
    assert "Your account is disabled and you are signed out." in home
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["ayesha@example.com"], "Your Candor account is disabled")
    ]
    assert "We still write to you about orders you placed before" in mail.outbox[0].body


def test_p20_an_account_without_password_confirms_with_its_email(client):
    """P20, P4: someone who only signs in with a social account types their email instead."""
    user = UserFactory(email="social@example.com")
    user.set_unusable_password()
    user.save()
    client.force_login(user)
    page = client.get("/account/disable/")
    assert list(page.context["form"].fields) == ["email"]
    assert "Type your email address to confirm" in page.content.decode()
    response = client.post("/account/disable/", {"email": "someone@example.com"})
    assert response.status_code == 400
    assert alerts(response) == ["That is not the email address of this account."]
    assert User.objects.get(pk=user.pk).is_active is True
    response = client.post("/account/disable/", {"email": " Social@Example.com "})
    assert response.status_code == 302
    assert User.objects.get(pk=user.pk).is_active is False


def test_p14_p20_password_guessing_on_the_disable_form_is_rate_limited(
    signed_in, customer_user, settings
):
    settings.ACCOUNT_RATE_LIMITS = {"reauthenticate": "2/m/user"}
    for _ in range(2):
        assert alerts(signed_in.post("/account/disable/", {"password": "guess"})) == [
            "That is not your password."
        ]
    response = signed_in.post("/account/disable/", {"password": PASSWORD})
    assert response.status_code == 400
    assert alerts(response) == ["Too many attempts. Please wait a minute and try again."]
    assert User.objects.get(pk=customer_user.pk).is_active is True


def test_p20_disabling_twice_writes_one_event(customer_user, committed):
    committed(services.disable_account, user=customer_user, acting_user=None)
    first = state(customer_user)
    committed(services.disable_account, user=customer_user, acting_user=None)
    assert state(customer_user) == first
    assert OutboxMessage.objects.filter(template="accounts/email/disabled").count() == 1


# --- what a disabled account can no longer do -----------------------------------------------


def test_p20_a_disabled_account_cannot_sign_in(customer_user, client):
    """P20: the right password leads to allauth's "account inactive" page, not into the shop."""
    services.disable_account(user=customer_user, acting_user=customer_user)
    assert Client().login(email=customer_user.email, password=PASSWORD) is False
    response = client.post(
        reverse("account_login"), {"login": "ayesha@example.com", "password": PASSWORD}
    )
    assert (response.status_code, response["Location"]) == (302, reverse("account_inactive"))
    assert client.get("/account/").status_code == 302
    assert SESSION_KEY not in client.session


def test_p20_guest_checkout_with_a_disabled_accounts_email_is_refused(customer_user, client):
    """P20: the details form refuses the address (any letter case, or another address of the
    account) with a clear message; nothing is kept for the review step."""
    EmailAddress.objects.create(user=customer_user, email="ayesha.work@example.com")
    services.disable_account(user=customer_user, acting_user=customer_user)
    variant = VariantFactory(stock=5)
    client.post("/cart/add/", {"variant": variant.pk, "quantity": 1})
    for email in ("ayesha@example.com", "AYESHA@Example.com", "ayesha.work@example.com"):
        response = client.post("/checkout/", {**GUEST_DETAILS, "email": email})
        assert response.status_code == 400, email
        assert alerts(response) == [DISABLED_ACCOUNT]
        assert "checkout_details" not in client.session
    assert client.post("/checkout/", GUEST_DETAILS).status_code == 302  # another address is fine


def test_p20_an_account_disabled_during_checkout_cannot_place_the_order(
    customer_user, guest_at_review, client, standard_shipping
):
    """P20: the review step checks again: details given before the account was disabled do
    not get an order through."""
    variant = VariantFactory(stock=5)
    initial = guest_at_review(variant, email="ayesha@example.com")
    services.disable_account(user=customer_user, acting_user=None)
    response = client.post(
        "/checkout/review/",
        {**initial, "shipping_method": standard_shipping.pk, "payment_method": "cod"},
    )
    assert response.status_code == 400
    assert alerts(response) == [DISABLED_ACCOUNT]
    assert Order.objects.count() == 0
    assert variant.__class__.objects.get(pk=variant.pk).stock == 5


def test_p8_p20_order_mail_still_reaches_a_disabled_account(customer_user, place, committed):
    """P8, P20: "you may still get mail about your purchases": a status change of an order
    placed before disabling still queues and sends its transactional mail."""
    order = place({VariantFactory(stock=5).pk: 1}, user=customer_user)
    committed(services.disable_account, user=customer_user, acting_user=customer_user)
    mail.outbox.clear()
    committed(change_status, order=order, to_status=OrderStatus.PACKED, acting_user=None)
    committed(
        change_status,
        order=order,
        to_status=OrderStatus.SHIPPED,
        acting_user=None,
        carrier="TCS",
        tracking_number="TCS123",
    )
    message = OutboxMessage.objects.get(idempotency_key=f"order:{order.number}:shipped")
    assert (message.to_email, message.mail_class) == ("ayesha@example.com", "transactional")
    assert [(m.to, m.subject) for m in mail.outbox] == [(["ayesha@example.com"], message.subject)]


def test_p7_p20_no_marketing_to_disabled_or_restricted_accounts(customer_user):
    """P7, P20: the exclusion registered at start-up covers disabled accounts and accounts
    whose processing is restricted, and nobody else."""
    restricted = UserFactory(email="restricted@example.com", processing_restricted=True)
    active = UserFactory(email="active@example.com")
    assert may_receive_marketing("ayesha@example.com") is True
    services.disable_account(user=customer_user, acting_user=None)
    assert may_receive_marketing("ayesha@example.com") is False
    assert may_receive_marketing(" Restricted@example.com ") is False
    assert may_receive_marketing("active@example.com") is True
    excluded = User.objects.filter(excluded_from_marketing()).order_by("email")
    assert list(excluded.values_list("email", flat=True)) == [
        "ayesha@example.com",
        "restricted@example.com",
    ]
    assert active not in excluded and restricted in excluded


# --- staff re-enable on request -------------------------------------------------------------


def test_p20_staff_re_enable_an_account_with_the_admin_action(
    customer_user, admin_client, admin_user, django_capture_on_commit_callbacks
):
    services.disable_account(user=customer_user, acting_user=customer_user)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/backoffice/accounts/user/",
            {"action": "reenable_accounts", "_selected_action": [customer_user.pk]},
        )
    assert response.status_code == 302
    user = User.objects.get(pk=customer_user.pk)
    assert (user.is_active, user.disabled_at) == (True, None)
    events = list(AccountEvent.objects.filter(user=user).values_list("action", "acting_user"))
    assert events == [(AccountAction.ENABLED, admin_user.pk), (AccountAction.DISABLED, user.pk)]
    assert [m.subject for m in mail.outbox] == ["Your Candor account is active again"]
    assert Client().login(email=customer_user.email, password=PASSWORD) is True


def test_p20_staff_disable_from_the_admin_is_audited(customer_user, admin_client, admin_user):
    admin_client.post(
        "/backoffice/accounts/user/",
        {"action": "disable_accounts", "_selected_action": [customer_user.pk, admin_user.pk]},
    )
    assert User.objects.get(pk=customer_user.pk).is_active is False
    assert User.objects.get(pk=admin_user.pk).is_active is True  # never yourself
    event = AccountEvent.objects.get()
    assert (event.user_id, event.acting_user_id, event.note) == (
        customer_user.pk,
        admin_user.pk,
        "Disabled by staff",
    )


def test_p15_p20_staff_who_may_only_view_users_cannot_re_enable(customer_user, mfa_login):
    from django.contrib.auth.models import Permission

    services.disable_account(user=customer_user, acting_user=customer_user)
    viewer = UserFactory(email="viewer@example.com", is_staff=True)
    EmailAddress.objects.create(user=viewer, email=viewer.email, verified=True, primary=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_user"))
    client = mfa_login(Client(), viewer)
    changelist = client.get("/backoffice/accounts/user/")
    assert changelist.status_code == 200
    assert "reenable_accounts" not in changelist.content.decode()
    client.post(
        "/backoffice/accounts/user/",
        {"action": "reenable_accounts", "_selected_action": [customer_user.pk]},
    )
    assert User.objects.get(pk=customer_user.pk).is_active is False
    assert AccountEvent.objects.count() == 1


def test_p3_admin_user_page_shows_phone_state_and_addresses(customer_user, admin_client):
    from tests.factories import AddressFactory

    customer_user.phone = "+923001234567"
    customer_user.save()
    AddressFactory(owner=customer_user, line1="12 Mall Road")
    services.disable_account(user=customer_user, acting_user=customer_user)
    page = admin_client.get(f"/backoffice/accounts/user/{customer_user.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    for text in ("***67", "Processing restricted", "Account disabled"):
        assert text in html, text
    # P15: phone and address are masked on the page; staff reveal them with a reason.
    assert "+923001234567" not in html and "12 Mall Road" not in html
    listing = admin_client.get("/backoffice/accounts/user/?is_active__exact=0").content.decode()
    assert "ayesha@example.com" in listing


def test_p20_re_enabling_an_active_account_changes_nothing(customer_user, committed):
    committed(services.enable_account, user=customer_user, acting_user=None)
    assert state(customer_user) == (True, None, 0)
    assert OutboxMessage.objects.count() == 0


def test_p20_an_empty_email_matches_no_disabled_account(customer_user):
    User.objects.filter(pk=customer_user.pk).update(email="", is_active=False)
    assert services.disabled_account_exists("  ") is False
