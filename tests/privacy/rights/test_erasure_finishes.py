"""P20: an erasure always finishes, or staff know at once that it did not.

- The same person can come back and be erased again: the placeholder an erased account gets
  is unique per account (it was derived from the address alone, so the second erasure hit the
  unique constraint on the address and stayed "in progress" with the name and address kept).
- A run that fails is marked on the request, shown in the staff queue, mailed to the privacy
  officers and retried with backoff (rights/failures.py).
- Confirming the deletion in the privacy centre ends with a page saying what was erased and
  what is kept, signed out, in both modes: in-process (the embedded shop, where the erasure
  deleted the session the response still needed: "Bad Request (400)") and through Celery.
"""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from candor.accounts.models import Address
from candor.messaging.models import OutboxMessage
from candor.orders.models import Order
from candor.privacy import registry
from candor.privacy.rights import failures, services
from candor.privacy.rights.models import EventAction, RequestStatus, RightsRequest
from candor.privacy.rights.tasks import run_rights_request
from candor.privacy.scan import scan_for
from candor.privacy.subjects import ERASED_DOMAIN
from tests.conftest import GUEST_DETAILS
from tests.factories import ShippingMethodFactory, UserFactory, VariantFactory
from tests.privacy.staff_roles import signed_in, staff_in

User = get_user_model()
PASSWORD = "correct horse battery"
EMAIL = "noor.haidari@example.org"
NAME, PHONE, STREET = "Noor Haidari", "+923335550142", "7 Jacaranda Lane"


def left_behind() -> list:
    """What a fresh scan finds of the person, besides the proof the data map keeps: the
    requests themselves and the mail telling the requester their request is done."""
    proof = {"privacy_rightsrequest", "privacy_rightsrequestevent"}
    mail_about_requests = set(
        OutboxMessage.objects.filter(idempotency_key__startswith="rights:").values_list(
            "to_email", flat=True
        )
    )
    return [
        hit
        for hit in scan_for({EMAIL, NAME, PHONE, STREET})
        if hit.table not in proof
        and not (
            (hit.table, hit.column) == ("messaging_outboxmessage", "to_email")
            and hit.value in mail_about_requests
            and OutboxMessage.objects.filter(to_email=hit.value)
            .exclude(idempotency_key__startswith="rights:")
            .count()
            == 0
        )
    ]


def erase_account(user, committed) -> RightsRequest:
    filed = committed(services.file_request, kind="erasure", email=user.email, user=user)
    committed(services.confirm_erasure, request=filed.request, acting_user=user)
    filed.request.refresh_from_db()
    return filed.request


@pytest.mark.django_db
def test_p20_a_second_account_with_the_same_address_is_erased_too(committed):
    """The regression: two accounts, one address, one after the other; both erased."""
    first = UserFactory(email=EMAIL, first_name="Noor", last_name="Haidari")
    assert erase_account(first, committed).status == RequestStatus.DONE
    second = UserFactory(email=EMAIL, first_name="Noor", last_name="Haidari", phone=PHONE)
    Address.objects.create(owner=second, name=NAME, line1=STREET, city="Lahore", country="PK")

    request = erase_account(second, committed)

    assert request.status == RequestStatus.DONE
    assert request.failed_at is None
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.email != second.email
    assert {first.email.split("@")[1], second.email.split("@")[1]} == {ERASED_DOMAIN}
    assert (second.first_name, second.last_name, second.phone) == ("", "", "")
    assert not Address.objects.exists()
    assert left_behind() == []


# --- a failed run is seen and retried ---------------------------------------------------------


@pytest.fixture
def broken_holder(monkeypatch):
    """The accounts holder fails (as it did on the unique address) until `fixed()` is called."""
    original = registry._holders["accounts"]

    def broken(subject):
        raise RuntimeError("duplicate key value violates unique constraint (noor@example.org)")

    def install(erase):
        monkeypatch.setitem(
            registry._holders,
            "accounts",
            registry.Holder("accounts", original.export, erase, original.preview, original.correct),
        )

    install(broken)
    return lambda: install(original.erase)


@pytest.fixture
def officer(db):
    return staff_in(permissions=("privacy.work_rightsrequest", "privacy.view_rightsrequest"))


@pytest.mark.django_db
def test_p20_a_failed_erasure_is_marked_mailed_and_retried_with_backoff(
    committed, broken_holder, officer
):
    user = UserFactory(email=EMAIL)
    before = timezone.now()
    request = erase_account(user, committed)  # the run fails inside the task

    assert request.status == RequestStatus.IN_PROGRESS
    assert request.failure == "RuntimeError while erasing accounts"  # never the message
    assert request.failed_runs == 1
    assert request.failed_at >= before
    assert request.retry_at - request.failed_at == timedelta(minutes=10)
    assert request.events.filter(action=EventAction.FAILED).count() == 1
    [alert] = OutboxMessage.objects.filter(to_email=officer.email)
    assert alert.subject == f"Failed: rights request {request.pk} (delete my data) needs a look"
    assert "RuntimeError while erasing accounts" in alert.body_text
    assert f"/backoffice/privacy/rightsrequest/{request.pk}/change/" in alert.body_text
    assert "noor@example.org" not in alert.body_text

    # Not yet due: nothing is tried.
    assert failures.retry_due(now=request.retry_at - timedelta(seconds=1)) == 0
    # Due, and still failing: a longer wait, and no second mail for the same series.
    assert committed(failures.retry_due, now=request.retry_at) == 1
    request.refresh_from_db()
    assert request.failed_runs == 2
    assert request.retry_at - request.failed_at == timedelta(minutes=20)
    assert OutboxMessage.objects.filter(to_email=officer.email).count() == 1

    broken_holder()
    assert committed(failures.retry_due, now=request.retry_at) == 1
    request.refresh_from_db()
    user.refresh_from_db()
    assert request.status == RequestStatus.DONE
    assert (request.failed_at, request.retry_at, request.failure) == (None, None, "")
    assert user.email.endswith(f"@{ERASED_DOMAIN}")
    assert list(request.events.values_list("action", flat=True)).count("retried") == 2


def test_p20_the_backoff_doubles_up_to_a_day():
    now = timezone.now()
    waits = [failures.next_retry(n, now=now) - now for n in (1, 2, 3, 8, 9, 40)]
    assert waits == [
        timedelta(minutes=10),
        timedelta(minutes=20),
        timedelta(minutes=40),
        timedelta(minutes=1280),
        timedelta(days=1),
        timedelta(days=1),
    ]


@pytest.mark.django_db
def test_p20_the_queue_shows_failed_runs_and_staff_can_retry_at_once(
    committed, broken_holder, officer
):
    request = erase_account(UserFactory(email=EMAIL), committed)
    client = signed_in(officer)
    listing = client.get("/backoffice/privacy/rightsrequest/?failed=yes")
    assert listing.status_code == 200
    assert [r.pk for r in listing.context["cl"].result_list] == [request.pk]
    assert "RuntimeError while erasing accounts (1×" in listing.content.decode()

    # Still broken: the staff member is told, no error page, and the failure is counted.
    response = client.post(f"/backoffice/privacy/rightsrequest/{request.pk}/act/run/", follow=True)
    assert response.status_code == 200
    assert (
        "The run failed (RuntimeError while erasing accounts); what it finished is kept, and "
        "it is tried again automatically." in response.content.decode()
    )
    request.refresh_from_db()
    assert request.failed_runs == 2

    broken_holder()
    committed(client.post, f"/backoffice/privacy/rightsrequest/{request.pk}/act/run/")
    request.refresh_from_db()
    assert request.status == RequestStatus.DONE
    assert (
        client.get("/backoffice/privacy/rightsrequest/?failed=yes").context["cl"].result_count == 0
    )


# --- the same person, over HTTP, end to end; the page after confirming ------------------------


def delivered_link(to: str, path: str) -> str:
    for message in reversed(mail.outbox):
        if message.to == [to]:
            found = re.search(rf"http://testserver({re.escape(path)}\S+?)(?:\s|$)", message.body)
            if found:
                return found.group(1)
    raise AssertionError(f"no {path} link mailed to {to}")


def sign_up_and_order(shipping) -> tuple[Client, User]:
    # Some time later: allauth mails one confirmation per address every few minutes, and its
    # counters live in the cache.
    cache.clear()
    client = Client()
    response = client.post(
        "/accounts/signup/", {"email": EMAIL, "password1": PASSWORD, "password2": PASSWORD}
    )
    assert response.status_code == 302
    client.post(delivered_link(EMAIL, "/accounts/confirm-email/"))
    user = User.objects.exclude(email__endswith=ERASED_DOMAIN).get()
    assert client.session["_auth_user_id"] == str(user.pk)
    client.post("/account/", {"first_name": "Noor", "last_name": "Haidari", "phone": PHONE})
    client.post("/cart/add/", {"variant": VariantFactory(stock=5).pk, "quantity": 1})
    details = {k: v for k, v in GUEST_DETAILS.items() if k != "email"}
    client.post("/checkout/", {**details, "shipping_name": NAME, "shipping_line1": STREET})
    initial = client.get("/checkout/review/").context["form"].initial
    placed = client.post(
        "/checkout/review/", {**initial, "shipping_method": shipping.pk, "payment_method": "cod"}
    )
    assert placed.status_code == 302, placed.content.decode()
    assert Order.objects.filter(user=user).count() == 1
    return client, user


def delete_from_the_privacy_centre(client: Client):
    response = client.post("/account/privacy/delete/")
    assert response.status_code == 302
    return client.post(response["Location"])  # "Delete my account and data"


@pytest.mark.django_db(transaction=True)
def test_p20_the_same_person_returns_and_is_erased_twice_over_http():
    """Sign up, order, delete; sign up again with the same address, order, delete: both
    accounts erased, both requests done, the scans clean. In-process jobs, as in the embedded
    shop, with real commits (so the erasure runs during the confirming request)."""
    shipping = ShippingMethodFactory()
    for round_ in (1, 2):
        client, user = sign_up_and_order(shipping)
        response = delete_from_the_privacy_centre(client)
        request = RightsRequest.objects.get(account_id=user.pk)
        assert response.status_code == 302, response.content.decode()[:300]
        page = client.get(response["Location"])
        assert page.status_code == 200
        html = page.content.decode()
        assert "Your data is deleted and your account closed; you are signed out." in html
        assert "What we deleted and what we kept" in html
        assert "orders.Order" in html  # kept for the tax record, stripped of the person
        assert request.status == RequestStatus.DONE, (round_, request.failure)
        assert request.scan_result["hits"] == []
        assert "_auth_user_id" not in client.session
        assert client.get("/account/").status_code == 302  # signed out: to the sign-in page

    users = list(User.objects.order_by("pk"))
    assert len(users) == 2
    assert all(u.email.endswith(f"@{ERASED_DOMAIN}") and not u.is_active for u in users)
    assert users[0].email != users[1].email
    orders = list(Order.objects.order_by("pk"))
    assert len(orders) == 2 and all(o.email == "" for o in orders)
    assert left_behind() == []
    assert RightsRequest.objects.filter(status=RequestStatus.DONE).count() == 2


@pytest.mark.django_db(transaction=True)
def test_p20_confirming_with_celery_says_it_is_under_way_then_done(settings):
    """Production mode: the erasure waits for a worker. The customer is signed out at once and
    sees the request's page, which says the deletion is under way; once the worker has run
    the job, the same page says it is done."""
    from tests.integration.test_celery_worker import _drop_broker_connections

    client, user = sign_up_and_order(ShippingMethodFactory())
    settings.CELERY_TASK_ALWAYS_EAGER = False  # published to the (in-memory) broker, not run
    _drop_broker_connections()
    try:
        response = delete_from_the_privacy_centre(client)
    finally:
        settings.CELERY_TASK_ALWAYS_EAGER = True
        _drop_broker_connections()
    request = RightsRequest.objects.get(account_id=user.pk)
    assert request.status == RequestStatus.VERIFIED and request.confirmed_at is not None
    status_url = response["Location"]
    html = client.get(status_url).content.decode()
    assert "We are deleting your data and closing your account; you are signed out." in html
    assert "What deleting your data does" in html
    assert "_auth_user_id" not in client.session
    user.refresh_from_db()
    assert user.email == EMAIL  # nothing erased by the web process

    run_rights_request(request.pk)  # what the worker does with the published task

    html = client.get(status_url).content.decode()
    assert "Your data is deleted and your account closed; you are signed out." in html
    request.refresh_from_db()
    assert request.status == RequestStatus.DONE and request.scan_result["hits"] == []
    done_mail = OutboxMessage.objects.get(idempotency_key=f"rights:{request.pk}:done")
    assert "/privacy/requests/r/" in done_mail.body_text  # a page that needs no account


@pytest.mark.django_db
def test_p20_a_staff_members_deletion_keeps_them_signed_in_while_it_waits(committed):
    staff = staff_in(email="clerk@example.com")
    client = Client()
    client.force_login(staff)
    response = committed(client.post, "/account/privacy/delete/")
    answer = committed(client.post, response["Location"])
    assert answer["Location"] == response["Location"]
    assert client.session["_auth_user_id"] == str(staff.pk)
    request = RightsRequest.objects.get()
    assert (request.status, request.failed_at) == (RequestStatus.VERIFIED, None)
