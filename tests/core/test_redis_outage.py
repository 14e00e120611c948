"""What the shop does while Redis is down (docs/security.md, "When Redis or the database is
down"): pages render uncached, sessions live in the database, signing in fails closed, the
other rate limits fail open with a warning, and /readyz says the node is not ready."""

import json
import logging
import re

import pytest
from django.core.cache import caches
from django.db import OperationalError
from django.test import Client

from candor.core.cache import shared_cache_ping
from candor.engagement.support.models import Thread
from tests.factories import UserFactory, VariantFactory, VerifiedEmailFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"


@pytest.fixture
def redis_down(redis_cache, own_redis, settings):
    """Production's cache and sessions on a Redis that has just died."""
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    settings.PAGE_CACHE_SECONDS = 30
    settings.REDIS_URL = own_redis.url()
    own_redis.kill()
    return own_redis


@pytest.fixture
def product():
    variant = VariantFactory(stock=5)
    variant.product.is_featured = True
    variant.product.save()
    return variant


def test_p1_pages_render_uncached_and_the_cart_works_while_redis_is_down(redis_down, product):
    visitor = Client()
    for _ in range(2):
        assert visitor.get("/").status_code == 200
        assert visitor.get(product.product.get_absolute_url()).status_code == 200
    assert len(caches["pages"]._cache) == 0  # nothing kept without known freshness

    added = visitor.post("/cart/add/", {"variant": product.pk, "quantity": 2})
    assert added.status_code == 302
    assert 'aria-label="2 items"' in visitor.get("/cart/").content.decode()


def test_p14_signing_in_fails_closed_while_redis_is_down(redis_down):
    """Failed sign-ins cannot be counted, so no password is checked: 503, and nobody is
    signed in. The page says why and that guest checkout still works."""
    user = UserFactory(email="ayesha@example.com")
    VerifiedEmailFactory(user=user)
    visitor = Client()
    assert visitor.get("/accounts/login/").status_code == 200

    refused = visitor.post("/accounts/login/", {"login": user.email, "password": PASSWORD})

    assert refused.status_code == 503
    assert refused["Retry-After"] == "60"
    page = refused.content.decode()
    assert "Signing in is paused for a few minutes" in page
    assert "check out as a guest" in page
    assert "_auth_user_id" not in visitor.session

    # The second factor's prompt and re-authentication are refused the same way.
    for path in ("/accounts/2fa/authenticate/", "/accounts/reauthenticate/"):
        assert visitor.post(path, {"code": "123456", "password": PASSWORD}).status_code == 503

    redis_down.start()
    assert shared_cache_ping(now=True) is True
    signed_in = visitor.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert signed_in.status_code == 302
    assert visitor.session["_auth_user_id"] == str(user.pk)


def test_p14_a_signed_in_customer_stays_signed_in_through_the_outage(
    redis_cache, own_redis, settings
):
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    user = UserFactory(email="ayesha@example.com")
    customer = Client()
    customer.force_login(user)
    own_redis.kill()

    page = customer.get("/account/")

    assert page.status_code == 200
    assert page.context["user"] == user


def test_p5_other_rate_limits_fail_open_with_a_warning(redis_down, caplog):
    """The contact form still takes a message (and says in the log that it was not counted);
    so does sign-up, whose allauth limit is also counted in the cache."""
    visitor = Client()
    html = visitor.get("/support/").content.decode()
    token = re.search(r'name="token" value="([^"]+)"', html)[1]
    with caplog.at_level(logging.WARNING, logger="candor.rate_limits"):
        sent = visitor.post(
            "/support/",
            {
                "token": token,
                "name": "Sana Mir",
                "email": "sana@example.com",
                "subject": "Cracked back",
                "message": "It arrived like this.",
            },
        )
    assert sent.status_code == 302
    assert Thread.objects.get().email == "sana@example.com"
    assert [r.getMessage() for r in caplog.records if r.name == "candor.rate_limits"] == [
        "Rate limit support:client not enforced: the shared cache (Redis) is unreachable",
        "Rate limit support:email not enforced: the shared cache (Redis) is unreachable",
    ]

    signed_up = Client().post(
        "/accounts/signup/",
        {"email": "new@example.com", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert signed_up.status_code == 302


# --- /readyz ---------------------------------------------------------------------------------


def readiness(response) -> tuple[int, dict]:
    assert response["Content-Type"] == "application/json"
    return response.status_code, json.loads(response.content)


def test_readyz_without_redis_checks_the_database(client):
    response = client.get("/readyz")
    assert readiness(response) == (200, {"status": "ready", "checks": {"database": "ok"}})
    assert dict(response.cookies) == {}
    assert "no-store" in response["Cache-Control"]


def test_readyz_says_503_while_redis_is_down_and_200_once_it_is_back(redis_down, client):
    down = client.get("/readyz")
    assert readiness(down) == (
        503,
        {"status": "unavailable", "checks": {"database": "ok", "redis": "unavailable"}},
    )
    assert dict(down.cookies) == {}
    assert "no-store" in down["Cache-Control"]
    assert client.get("/healthz").content == b"ok"  # liveness is not readiness

    redis_down.start()
    back = client.get("/readyz")  # asks Redis now, whatever the pause after the failure
    assert readiness(back) == (
        200,
        {"status": "ready", "checks": {"database": "ok", "redis": "ok"}},
    )


def test_readyz_says_503_when_the_database_does_not_answer(client, monkeypatch, caplog):
    from candor.core import views

    class DeadCursor:
        def __enter__(self):
            raise OperationalError("connection to server failed: secret-db-host")

        def __exit__(self, *exc):
            return False

    monkeypatch.setattr(views.connection, "cursor", DeadCursor)
    response = client.get("/readyz")
    assert readiness(response) == (
        503,
        {"status": "unavailable", "checks": {"database": "unavailable"}},
    )
    assert b"secret-db-host" not in response.content  # the reason is for the log only
    assert "secret-db-host" in caplog.text


def test_readyz_is_answered_over_plain_http_like_healthz(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]  # production's value
    assert client.get("/readyz").status_code == 200
    assert client.get("/").status_code == 301
