"""P14: failed sign-ins are limited per client and per account, and other people's failures
never lock the owner out (candor.accounts.adapters.AccountAdapter.pre_authenticate)."""

import pytest
from allauth.account.models import EmailAddress
from django.test import Client

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"
WRONG = "not the password"


@pytest.fixture
def owner(db):
    user = UserFactory(email="owner@example.com")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def sign_in(client, password, email="owner@example.com"):
    return client.post("/accounts/login/", {"login": email, "password": password})


def signed_in(client) -> bool:
    return client.session.get("_auth_user_id") is not None


def test_p14_strangers_failures_do_not_lock_the_owner_out(owner):
    """An attacker fails five times (the account's limit) from one or several addresses; the
    owner, from their own connection, signs in with the right password."""
    for n in range(5):
        attacker = Client(REMOTE_ADDR=f"198.51.100.{n % 2 + 1}")
        assert sign_in(attacker, WRONG).status_code == 200
        assert not signed_in(attacker)
    home = Client(REMOTE_ADDR="203.0.113.20")
    response = sign_in(home, PASSWORD)
    assert response.status_code == 302
    assert signed_in(home)


def test_p14_a_client_that_failed_five_times_is_refused_with_429(owner):
    attacker = Client(REMOTE_ADDR="198.51.100.1")
    for _ in range(5):
        sign_in(attacker, WRONG)
    refused = sign_in(attacker, PASSWORD)
    assert refused.status_code == 429
    assert "Too many failed login attempts" in refused.content.decode()
    assert not signed_in(attacker)


def test_p14_while_the_account_is_under_attack_each_other_client_has_one_attempt(owner):
    """After the account's five failures, a rotating attacker gets one guess per fresh
    address in the window, not an unlimited stream: a second try from it is refused (429),
    even with the right password."""
    for n in range(5):
        sign_in(Client(REMOTE_ADDR=f"198.51.100.{n + 1}"), WRONG)
    fresh = Client(REMOTE_ADDR="192.0.2.77")
    assert sign_in(fresh, WRONG).status_code == 200
    again = sign_in(fresh, PASSWORD)
    assert again.status_code == 429
    assert not signed_in(fresh)


def test_p14_a_successful_sign_in_is_not_counted_as_a_failure(owner):
    """The right password rolls its count back: the owner signing in many times never
    approaches a limit."""
    for _ in range(8):
        client = Client(REMOTE_ADDR="203.0.113.20")
        assert sign_in(client, PASSWORD).status_code == 302
    for _ in range(4):
        sign_in(Client(REMOTE_ADDR="198.51.100.1"), WRONG)
    assert sign_in(Client(REMOTE_ADDR="198.51.100.1"), WRONG).status_code == 200


def test_p14_behind_the_proxy_failures_are_counted_per_visitor(owner, settings):
    """TRUSTED_PROXY_COUNT=1: every request comes from the proxy; the visitor is the
    X-Forwarded-For entry it adds, and one visitor's failures do not refuse another."""
    settings.TRUSTED_PROXY_COUNT = settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    proxy = Client(REMOTE_ADDR="10.0.0.2")

    def via_proxy(visitor, password):
        return proxy.post(
            "/accounts/login/",
            {"login": "owner@example.com", "password": password},
            HTTP_X_FORWARDED_FOR=visitor,
        )

    for _ in range(5):
        via_proxy("198.51.100.9", WRONG)
    assert via_proxy("198.51.100.9", PASSWORD).status_code == 429
    assert via_proxy("203.0.113.20", PASSWORD).status_code == 302
