import socket
import uuid

import pytest
from django.db import connection

from candor.orders.services import CustomerDetails
from candor.payments.models import PaymentSettings

from .factories import ShippingMethodFactory, VariantFactory

# own_redis: a redis-server of the test's own, which it may kill (tests/redis_server.py).
pytest_plugins = ["tests.redis_server"]


@pytest.fixture(autouse=True)
def _media_and_cache(settings, tmp_path):
    from django.core.cache import caches

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    for alias in ("default", "pages"):
        caches[alias].clear()
    yield
    for alias in ("default", "pages"):
        caches[alias].clear()


@pytest.fixture(autouse=True)
def _discard_buffered_logs():
    """Request-log entries and page views one test buffered are never written by another test
    (nor at exit, into a database this run did not create)."""
    from candor.insights.middleware import counter
    from candor.privacy.request_logs import buffer

    buffer.discard()
    counter.discard()
    yield
    buffer.discard()
    counter.discard()


@pytest.fixture
def standard_shipping(db):
    """Pakistan: standard 250, free from 10,000."""
    return ShippingMethodFactory()


@pytest.fixture
def payments_enabled(db):
    config = PaymentSettings.load()
    config.card_enabled = True
    config.save()
    return config


@pytest.fixture
def variant(db):
    return VariantFactory(stock=10)


@pytest.fixture
def customer() -> CustomerDetails:
    return CustomerDetails(
        email="ayesha@example.com",
        phone="+923001234567",
        shipping_name="Ayesha Khan",
        shipping_line1="12 Mall Road",
        shipping_city="Lahore",
        shipping_country="PK",
        shipping_postcode="54000",
    )


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Call fn as if its transaction committed: on_commit work (mail) runs, as in production."""

    def _committed(fn, /, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return _committed


@pytest.fixture
def place(customer, standard_shipping, committed):
    """Place an order through the real service: place(quantities, **overrides)."""
    from candor.orders.services import place_order

    def _place(quantities, **overrides):
        args = dict(
            checkout_token=uuid.uuid4(),
            quantities=quantities,
            customer=customer,
            shipping_method_id=standard_shipping.pk,
            payment_method="cod",
        )
        args.update(overrides)
        return committed(place_order, **args)[0]

    return _place


def _redis_up() -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", 6379)) == 0


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgres` or `redis` need that server: skip them, saying so, where absent."""
    # The database engine is known from settings before any connection is opened.
    from django.conf import settings

    on_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    skip = pytest.mark.skip(reason="needs PostgreSQL at 127.0.0.1:5432 (not running here)")
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(skip)
    if any(item.get_closest_marker("redis") for item in items) and not _redis_up():
        skip_redis = pytest.mark.skip(reason="needs Redis at 127.0.0.1:6379 (not running here)")
        for item in items:
            if item.get_closest_marker("redis"):
                item.add_marker(skip_redis)


@pytest.fixture
def on_postgres():
    return connection.vendor == "postgresql"


GUEST_DETAILS = {
    "email": "a@example.com",
    "phone": "03001234567",
    "shipping_name": "Sana Mir",
    "shipping_line1": "1 Road",
    "shipping_city": "Lahore",
    "shipping_country": "PK",
    "billing_same_as_shipping": "on",
}


@pytest.fixture
def guest_at_review(client):
    """A guest who put `quantity` of `variant` in the cart and gave their details: returns the
    review form's initial values (checkout token and cart fingerprint)."""

    def _at_review(variant, quantity=1, **details):
        client.post("/cart/add/", {"variant": variant.pk, "quantity": quantity})
        client.post("/checkout/", {**GUEST_DETAILS, **details})
        return client.get("/checkout/review/").context["form"].initial

    return _at_review


# --- Staff two-factor sign-in (P14) -------------------------------------------------------
# The back office opens only to staff with an authenticator app who used it to sign in in this
# session (candor.accounts.admin_site). These helpers set up both the way allauth does.

STAFF_PASSWORD = "password"


def totp_code(secret: str) -> str:
    """The code an authenticator app shows now for `secret` (RFC 6238, allauth's own helper)."""
    import time

    from allauth.mfa import app_settings as mfa_settings
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    period = mfa_settings.TOTP_PERIOD
    # A code read in the last moments of its 30 seconds may expire before it is checked (the
    # shop accepts no drift); wait for the next one, as a person would.
    left = period - time.time() % period
    if left < 2:
        time.sleep(left + 0.05)
    return format_hotp_value(hotp_value(secret, int(time.time()) // period))


def enrol_totp(user):
    """Give `user` an authenticator app (TOTP) as allauth stores it; the secret is kept on
    `user.totp_secret` so a test can compute codes."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from allauth.mfa.utils import decrypt

    existing = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if existing is None:
        existing = TOTP.activate(user, generate_totp_secret()).instance
    user.totp_secret = decrypt(existing.data["secret"])
    return existing


def record_mfa_sign_in(client, user) -> None:
    """Mark `client`'s session as signed in by `user` with password and TOTP, writing the
    session record with allauth's own function (what its sign-in flow writes)."""
    from allauth.account.internal.flows.login import record_authentication
    from allauth.mfa.models import Authenticator
    from django.test import RequestFactory

    authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    request = RequestFactory().get("/")
    request.session = client.session
    request.user = user
    record_authentication(request, user, method="password", email=user.email)
    record_authentication(request, user, method="mfa", id=authenticator.pk, type=authenticator.type)
    request.session.save()


@pytest.fixture
def mfa_login(db):
    """mfa_login(client, user): sign a staff member in as if through password + TOTP.

    Enrols an authenticator for the user if they have none. Use it instead of
    `client.force_login(staff)` for anything under /backoffice/.
    """

    def _mfa_login(client, user):
        enrol_totp(user)
        client.force_login(user)
        record_mfa_sign_in(client, user)
        return client

    return _mfa_login


@pytest.fixture
def admin_user(db, django_user_model):
    """pytest-django's admin (admin@example.com / "password"), with a verified address and an
    authenticator app enrolled (P14)."""
    from allauth.account.models import EmailAddress

    user = django_user_model.objects.filter(email="admin@example.com").first()
    if user is None:
        user = django_user_model.objects.create_superuser(
            email="admin@example.com", password=STAFF_PASSWORD
        )
    EmailAddress.objects.get_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    enrol_totp(user)
    return user


@pytest.fixture
def admin_client(db, admin_user, mfa_login):
    """A client signed in as `admin_user` with password and TOTP in this session."""
    from django.test import Client

    return mfa_login(Client(), admin_user)
