"""P20 (issue 6 items 5, 6, 6b): erasure runs every registered holder, one transaction per
app, deletes what may go and pseudonymizes what the law keeps (orders), is idempotent and can
resume; a generic scan of every text column of every table proves nothing identifying is left.
"""

import uuid
from datetime import date, timedelta

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.core.files.base import ContentFile
from django.utils import timezone

from candor.accounts.models import AccountEvent, Address
from candor.cart.models import Cart, CartLine
from candor.engagement.support.models import Attachment, Thread
from candor.engagement.support.services import open_thread
from candor.engagement.surveys.models import Answer, Participation, Question, Response, Survey
from candor.engagement.testimonials import models as testimonials
from candor.insights.models import PageViewDay
from candor.messaging.models import OutboxMessage, Subscription
from candor.messaging.subscriptions import newsletter_topic, request_subscription
from candor.orders.models import Order, OrderLine, ScreeningResult
from candor.orders.services import CustomerDetails
from candor.payments.models import Payment
from candor.privacy import erasure, registry
from candor.privacy.export import export_subject
from candor.privacy.models import ConsentRecord, RequestLog
from candor.privacy.scan import identifying_values, scan_for, text_columns
from candor.privacy.subjects import ERASED_DOMAIN, Subject
from tests.factories import AddressFactory, UserFactory, VerifiedEmailFactory

pytestmark = pytest.mark.django_db

EMAIL = "zora.quillfeather@example.org"
PHONE = "+923335550199"
FIRST, LAST = "Zora", "Quillfeather"
NAME = f"{FIRST} {LAST}"
IP = "203.0.113.77"
IPV6 = "2001:db8:77::15"
REFERENCE = "cs_test_zoraquill0001"


def build_customer(place, variant, committed) -> tuple:
    """A customer with something in every app that holds personal data."""
    user = UserFactory(email=EMAIL, first_name=FIRST, last_name=LAST, phone=PHONE)
    VerifiedEmailFactory(user=user)
    AddressFactory(owner=user, name=NAME, phone=PHONE)
    AccountEvent.objects.create(user=user, action="disabled", note=f"asked by {NAME}")
    SocialAccount.objects.create(
        user=user, provider="google", uid="zora-1", extra_data={"email": EMAIL, "name": NAME}
    )
    LogEntry.objects.create(
        user=UserFactory(is_staff=True),
        content_type=ContentType.objects.get_for_model(get_user_model()),
        object_id=str(user.pk),
        object_repr=EMAIL,
        action_flag=CHANGE,
        change_message=f"Changed phone of {NAME}",
    )
    details = CustomerDetails(
        email=EMAIL,
        phone=PHONE,
        shipping_name=NAME,
        shipping_line1="9 Zephyr Walk",
        shipping_city="Lahore",
        shipping_country="PK",
        shipping_postcode="54000",
    )
    orders = [
        place({variant.pk: 1}, customer=details, user=user, client_ip=IP, note=f"Call {NAME}"),
        # A guest order with the same address, before the account existed.
        place({variant.pk: 1}, customer=details, client_ip=IPV6),
    ]
    ScreeningResult.objects.filter(order__in=orders).update(ip=IP)
    Payment.objects.create(
        order=orders[0],
        method="card",
        amount=orders[0].total,
        currency=orders[0].currency,
        status="succeeded",
        provider_reference=REFERENCE,
    )
    committed(request_subscription, email=EMAIL, topics=[newsletter_topic()], source="footer form")
    now = timezone.now()
    RequestLog.objects.create(
        at=now,
        ip=IP,
        user_agent="Mozilla/5.0 (X11; Linux x86_64) Firefox/121.0",
        browser="Firefox",
        os="Linux",
        method="GET",
        path="/account/",
        status=200,
        user_id=user.pk,
    )
    # The same address before signing in: no account on the row.
    RequestLog.objects.create(at=now, ip=IP, method="GET", path="/", status=200)
    PageViewDay.objects.create(path="/account/", day=date.today(), views=3)
    ConsentRecord.objects.create(user=user, categories=["analytics"], source="banner")
    posted = committed(
        open_thread,
        submit_token=uuid.uuid4(),
        name=NAME,
        email=EMAIL,
        subject=f"Order for {NAME}",
        body=f"Please call me on {PHONE}.",
        customer=user,
    )
    Attachment.objects.create(
        message=posted.message,
        file=ContentFile(b"image bytes", name="photo.png"),
        content_type="image/png",
        size=11,
    )
    survey = Survey.objects.create(
        title="How did we do?",
        slug="how",
        status="published",
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=7),
    )
    question = Question.objects.create(survey=survey, kind="text", text="Anything else?")
    response = Response.objects.create(
        survey=survey, user=user, contact_ok=True, created=date.today(), token=uuid.uuid4()
    )
    Answer.objects.create(response=response, question=question, text=f"Signed, {NAME}")
    Participation.objects.create(survey=survey, user=user, survey_closes_on=date.today())
    consent = testimonials.TestimonialConsent.objects.create(
        user=user,
        product=variant.product,
        name_form="full",
        wording_version="1",
        wording_sha256="0" * 64,
    )
    testimonials.Testimonial.objects.create(
        consent=consent, text="A lovely phone, thanks.", display_name=NAME
    )
    cart = Cart.objects.create(user=user)
    CartLine.objects.create(cart=cart, variant=variant, quantity=1)
    return user, orders, posted.thread


def make_world(place, variant, committed, client) -> tuple:
    user, orders, thread = build_customer(place, variant, committed)
    client.force_login(user)
    subject = Subject(user_id=user.pk, emails=frozenset({EMAIL}), label=NAME)
    return subject, user, orders, thread


@pytest.fixture
def world(place, variant, committed, client):
    return make_world(place, variant, committed, client)


IDENTIFYING = {EMAIL, PHONE, NAME, LAST, IP, IPV6, REFERENCE}


def test_erasure_leaves_no_email_phone_name_or_ip_in_any_text_column(world, committed):
    """P20 (issue 6 item 6): before erasing, the scan finds the customer across many tables;
    after, none of their email, phone, name or IP is left in any text column of any table."""
    subject, user, orders, thread = world
    values = identifying_values(export_subject(subject)) | IDENTIFYING
    assert {EMAIL, PHONE, NAME, FIRST, LAST, IP} <= values
    before = {hit.table for hit in scan_for(values)}
    assert {
        "accounts_user",
        "accounts_address",
        "orders_order",
        "orders_screeningresult",
        "messaging_outboxmessage",
        "messaging_subscription",
        "privacy_requestlog",
        "support_thread",
        "support_message",
        "surveys_answer",
        "testimonials_testimonial",
        "socialaccount_socialaccount",
        "django_admin_log",
    } <= before

    committed(erasure.erase_subject, subject)

    assert scan_for(values - {FIRST}) == []


def test_the_scan_reads_the_schema_not_a_list_of_fields():
    """P20: every table's text, inet and json columns are scanned, found by introspection."""
    columns = text_columns()
    assert "ip" in columns["privacy_requestlog"]
    assert "reasons" in columns["orders_screeningresult"]
    assert "body_text" in columns["messaging_outboxmessage"]
    assert "session_data" in columns["django_session"]
    assert "views" not in columns.get("insights_pageviewday", [])


def test_erasure_deletes_what_may_go_and_pseudonymizes_orders(world, committed, settings):
    """P20 (issue 6 item 5): accounts anonymised, addresses, subscriptions, mail, logs,
    support, survey answers and testimonials deleted; orders kept for tax, pseudonymized."""
    subject, user, orders, thread = world
    stored = Attachment.objects.get().file.name
    storage = Attachment._meta.get_field("file").storage
    assert storage.exists(stored)
    lines = OrderLine.objects.count()

    result = committed(erasure.erase_subject, subject)

    user.refresh_from_db()
    assert user.email.endswith(f"@{ERASED_DOMAIN}")
    assert (user.first_name, user.last_name, str(user.phone)) == ("", "", "")
    assert not user.is_active and not user.has_usable_password()
    assert EmailAddress.objects.filter(user=user).count() == 0
    assert SocialAccount.objects.filter(user=user).count() == 0
    assert Address.objects.filter(owner=user).count() == 0
    assert Session.objects.count() == 0
    assert Subscription.objects.count() == 0
    assert OutboxMessage.objects.filter(to_email__iexact=EMAIL).count() == 0
    assert RequestLog.objects.filter(user_id=user.pk).count() == 0
    assert RequestLog.objects.get().ip is None  # the anonymous row from the same address
    assert Thread.objects.count() == 0
    assert not storage.exists(stored)
    assert Response.objects.count() == Participation.objects.count() == 0
    assert testimonials.Testimonial.objects.count() == 0
    consent = testimonials.TestimonialConsent.objects.get()
    assert consent.user_id == user.pk and consent.withdrawn_at is not None
    assert ConsentRecord.objects.get().user_id == user.pk  # proof, of an anonymised account
    assert Cart.objects.count() == 0
    assert PageViewDay.objects.get().views == 3

    kept = Order.objects.order_by("pk")
    assert [o.pk for o in kept] == [o.pk for o in orders]
    names = {o.shipping_name for o in kept}
    assert len(names) == 1 and names.pop().startswith("erased-")
    assert {(o.user_id, o.email, str(o.phone), o.shipping_line1, o.note) for o in kept} == {
        (None, "", "", "", "")
    }
    assert {o.shipping_country.code for o in kept} == {"PK"}
    assert OrderLine.objects.count() == lines
    assert Payment.objects.get().provider_reference is None
    assert set(ScreeningResult.objects.values_list("ip", flat=True)) == {None}

    assert result["orders"]["orders.Order"] == {"deleted": 0, "pseudonymized": 2, "kept": 0}
    assert result["orders"]["orders.OrderLine"] == {"deleted": 0, "pseudonymized": 0, "kept": 2}
    assert result["messaging"]["messaging.Subscription"]["deleted"] == 1
    assert result["support"]["support.Thread"]["deleted"] == 1
    assert result["support"]["support.Attachment"]["deleted"] == 1
    assert result["accounts"]["accounts.User"] == {"deleted": 0, "pseudonymized": 1, "kept": 0}
    assert result["payments"]["payments.Payment"]["pseudonymized"] == 1
    assert result["insights"] == {}


def _all_zero(result: dict) -> bool:
    return all(
        value == 0
        for models in result.values()
        for row in models.values()
        for value in row.values()
    )


def test_erasure_is_idempotent(world, committed):
    """P20 (issue 6 item 5): erasing an erased subject changes nothing and reports zeros."""
    subject, *_ = world
    first = committed(erasure.erase_subject, subject)
    assert not _all_zero(first)
    orders = list(Order.objects.order_by("pk").values())
    again = committed(erasure.erase_subject, subject)
    assert _all_zero(again)
    assert list(Order.objects.order_by("pk").values()) == orders
    assert erasure.preview_erasure(subject) == {}


def test_erasure_commits_per_app_and_resumes_where_it_stopped(world, committed, monkeypatch):
    """P20 (issue 6 item 6b): a holder failing part-way leaves the apps before it committed
    and its own work rolled back; re-running with `done` finishes the rest."""
    subject, user, orders, thread = world
    real = registry._holders["privacy"]

    def broken(subject):
        RequestLog.objects.filter(user_id=subject.user_id).delete()
        raise RuntimeError("disk full")

    monkeypatch.setitem(
        registry._holders, "privacy", registry.Holder("privacy", real.export, broken, real.preview)
    )
    steps: list[str] = []
    with pytest.raises(RuntimeError):
        committed(erasure.erase_subject, subject, on_step=lambda app, result: steps.append(app))
    order = [holder.app_label for holder in registry.holders()]
    assert steps == order[: order.index("privacy")]
    assert Order.objects.filter(user=user).count() == 0  # committed before the failure
    assert RequestLog.objects.filter(user_id=user.pk).count() == 1  # rolled back

    monkeypatch.setitem(registry._holders, "privacy", real)
    rest = committed(erasure.erase_subject, subject, done=set(steps))
    order = [holder.app_label for holder in registry.holders()]
    assert list(rest) == order[order.index("privacy") :]
    assert rest["privacy"]["privacy.RequestLog"]["deleted"] == 1
    assert scan_for({EMAIL, PHONE, NAME, IP}) == []


def test_preview_counts_and_explains_without_changing_anything(world):
    """P20 (issue 6 item 6): the preview says what will be deleted, pseudonymized or kept, with
    the data map's reason, and changes nothing."""
    subject, user, orders, thread = world
    preview = erasure.preview_erasure(subject)
    order = preview["orders"]["orders.Order"]
    assert (order["deleted"], order["pseudonymized"], order["kept"]) == (0, 2, 0)
    assert "Kept 10 years from the order for tax and accounting records" in order["reason"]
    assert preview["support"]["support.Thread"]["deleted"] == 1
    assert preview["accounts"]["accounts.User"]["pseudonymized"] == 1
    assert preview["accounts"]["accounts.Address"]["deleted"] == 1
    assert preview["messaging"]["messaging.Subscription"]["reason"]
    assert "insights" not in preview
    assert Order.objects.filter(user=user).count() == 1
    assert Thread.objects.count() == 1
    assert get_user_model().objects.get(pk=user.pk).email == EMAIL


def test_a_guest_subject_covers_what_the_address_is_tied_to(place, variant, committed):
    """P20: a guest's request (no account) covers guest orders, subscriptions and threads by
    address, compared without regard to case; another customer's data is untouched."""
    details = CustomerDetails(
        email="Guest.Person@Example.org",
        phone="+923000000111",
        shipping_name="Guest Person",
        shipping_line1="1 Road",
        shipping_city="Lahore",
        shipping_country="PK",
    )
    place({variant.pk: 1}, customer=details)
    other = place({variant.pk: 1})
    subject = Subject(user_id=None, emails=frozenset({"guest.person@example.org"}))
    committed(erasure.erase_subject, subject)
    assert Order.objects.exclude(pk=other.pk).get().email == ""
    other.refresh_from_db()
    assert other.email == "ayesha@example.com" and other.shipping_name == "Ayesha Khan"
    assert scan_for({"Guest.Person@Example.org", "Guest Person", "+923000000111"}) == []


def test_every_installed_app_with_personal_data_registers_a_holder():
    """P20, X1: every app whose models hold personal data has a holder, so no app's data is
    left out of an export or an erasure."""
    from django.apps import apps

    from candor.privacy import datamap

    personal_apps = {
        apps.get_model(label)._meta.app_label
        for label, decl in datamap.declarations().items()
        if any(isinstance(spec, datamap.Personal) for spec in decl.fields.values())
        and apps.get_model(label).__module__.startswith("candor.")
    }
    registered = {holder.app_label for holder in registry.holders()}
    assert personal_apps <= registered
    assert registry.holders()[-1].app_label == "accounts"
