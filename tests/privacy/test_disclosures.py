"""The disclosure ledger (P16, X2): one door, checked against the data map, ledgered."""

from urllib.parse import parse_qs

import pytest
import responses

from candor.privacy.disclosures import (
    DisclosureRefused,
    disclose,
    recipients_for,
    record_recipient_notice,
    records_for,
)
from candor.privacy.ledger_models import DisclosureRecord, RecipientNotice
from candor.privacy.subjects import Subject

pytestmark = pytest.mark.django_db

AYESHA = Subject(user_id=None, emails=frozenset({"ayesha@example.com"}), label="Ayesha")


def ship(**fields):
    return disclose(
        recipient="shipper",
        subject=AYESHA,
        model="orders.Order",
        fields=fields,
        purpose="order_fulfilment",
        reference="CN-1",
    )


def test_declared_fields_pass_and_are_ledgered_exactly(admin_user):
    """P16: the shipper gets name and phone; the ledger says who, what, why, basis, whose."""
    sent = disclose(
        recipient="shipper",
        subject=AYESHA,
        model="orders.Order",
        fields={"shipping_name": "Ayesha Khan", "phone": "+923001234567"},
        purpose="order_fulfilment",
        reference="CN-1",
        acting_user=admin_user,
    )
    assert sent == {"shipping_name": "Ayesha Khan", "phone": "+923001234567"}
    record = DisclosureRecord.objects.get()
    assert (
        record.recipient,
        record.model,
        record.fields,
        record.purpose,
        record.legal_basis,
        record.subject_email,
        record.subject_user_id,
        record.reference,
        record.acting_user,
        record.withheld,
    ) == (
        "shipper",
        "orders.Order",
        ["phone", "shipping_name"],
        "order_fulfilment",
        "contract",
        "ayesha@example.com",
        None,
        "CN-1",
        admin_user,
        False,
    )


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (
            {"fields": {"billing_name": "A"}},
            "orders.Order.billing_name is not declared for shipper.",
        ),
        ({"fields": {"made_up": "A"}}, "orders.Order.made_up is not declared in the data map."),
        ({"recipient": "advertiser"}, "Unknown recipient 'advertiser'."),
        (
            {"recipient": "mail_provider"},
            "orders.Order.shipping_name is not declared for mail_provider.",
        ),
        ({"model": "orders.Nothing"}, "orders.Nothing is not in the data map."),
        ({"purpose": "selling"}, "Unknown purpose 'selling'."),
        ({"fields": {}}, "Nothing to disclose."),
    ],
)
def test_undeclared_recipient_or_field_is_refused_and_writes_nothing(kwargs, message):
    """P16: one undeclared field refuses the whole call: nothing sent, nothing ledgered."""
    args = dict(
        recipient="shipper",
        subject=AYESHA,
        model="orders.Order",
        fields={"shipping_name": "Ayesha Khan"},
        purpose="order_fulfilment",
        reference="CN-1",
    )
    args.update(kwargs)
    with pytest.raises(DisclosureRefused) as refused:
        disclose(**args)
    assert str(refused.value) == message
    assert DisclosureRecord.objects.count() == 0


def test_a_payload_mixing_declared_and_undeclared_fields_is_refused_whole():
    """P16: the declared half of a payload is not sent either."""
    with pytest.raises(DisclosureRefused):
        ship(shipping_name="Ayesha Khan", note="leave at the door")
    assert DisclosureRecord.objects.count() == 0


def test_customer_sees_their_ledger_but_not_withheld_entries():
    """X2, P17: records_for shows the person's entries; a barred legal request's are hidden
    from them but still count as a recipient to tell of corrections."""
    ship(shipping_name="Ayesha Khan")
    disclose(
        recipient="law_enforcement",
        subject=AYESHA,
        model="orders.Order",
        fields={"billing_name": "Ayesha Khan"},
        purpose="legal_obligation",
        reference="LR-1",
        withheld=True,
    )
    other = Subject(user_id=None, emails=frozenset({"sana@example.com"}))
    disclose(
        recipient="shipper",
        subject=other,
        model="orders.Order",
        fields={"shipping_name": "Sana"},
        purpose="order_fulfilment",
        reference="CN-2",
    )
    assert [r.reference for r in records_for(AYESHA)] == ["CN-1"]
    assert [r.reference for r in records_for(AYESHA, include_withheld=True)] == ["LR-1", "CN-1"]
    assert recipients_for(AYESHA) == ["law_enforcement", "shipper"]
    assert recipients_for(Subject(user_id=None, emails=frozenset())) == []


def test_recipient_notice_names_what_the_recipient_holds_once_per_request():
    """GDPR art. 19 (issue 6a): a notice staff can forward, by order numbers, written once."""
    ship(shipping_name="Ayesha Khan")
    first = record_recipient_notice(
        recipient="shipper", subject=AYESHA, reason="erased", request_ref="RR-7"
    )
    again = record_recipient_notice(
        recipient="shipper", subject=AYESHA, reason="erased", request_ref="RR-7"
    )
    assert first.pk == again.pk
    assert RecipientNotice.objects.count() == 1
    assert (first.references, first.subject_email, first.forwarded_at) == (
        ["CN-1"],
        "ayesha@example.com",
        None,
    )


def test_ledger_holder_exports_and_pseudonymizes_on_erasure():
    """P20, X2: the person's ledger rows are exported; erasure cuts the link to them."""
    from candor.privacy.ledger_subject_data import erase, export, preview

    ship(shipping_name="Ayesha Khan")
    assert [row["reference"] for row in export(AYESHA)["privacy.DisclosureRecord"]] == ["CN-1"]
    assert preview(AYESHA)["privacy.DisclosureRecord"] == {
        "deleted": 0,
        "pseudonymized": 1,
        "kept": 0,
    }
    assert erase(AYESHA)["privacy.DisclosureRecord"]["pseudonymized"] == 1
    record = DisclosureRecord.objects.get()
    assert (record.subject_email, record.subject_user_id, record.reference) == ("", None, "CN-1")
    assert list(records_for(AYESHA)) == []


SESSIONS_URL = "https://api.stripe.com/v1/checkout/sessions"


def test_card_adapter_sends_only_what_disclose_returns_and_ledgers_it(
    place, variant, payments_enabled
):
    """P16, P13: Stripe gets the order number, receipt email, amount and currency; the
    ledger row says so; nothing else about the customer is in the request body."""
    from candor.payments.services import start_payment

    order = place({variant.pk: 2}, payment_method="card")
    with responses.RequestsMock() as stub:
        stub.post(
            SESSIONS_URL,
            json={"id": "cs_1", "object": "checkout.session", "url": "https://x.test/cs_1"},
        )
        start_payment(order=order, success_url="http://testserver/ok", cancel_url="http://t/c")
        body = parse_qs(stub.calls[0].request.body)
    record = DisclosureRecord.objects.get()
    assert (record.recipient, record.model, record.fields, record.purpose, record.reference) == (
        "payment_processor",
        "orders.Order",
        ["currency", "email", "number", "total"],
        "payment",
        order.number,
    )
    assert record.subject_email == "ayesha@example.com"
    declared = {
        order.number,
        "ayesha@example.com",
        "pkr",
        "225000",
        f"Order {order.number}",
        "payment",
        "1",
        "http://testserver/ok",
        "http://t/c",
    }
    values = {value for key, values in body.items() if key != "expires_at" for value in values}
    assert values == declared


def test_card_adapter_refused_by_the_map_sends_nothing(place, variant, payments_enabled):
    """P16: if the map stops declaring the processor, no request leaves and nothing is written."""
    from dataclasses import replace

    from candor.payments.adapters import StripeCheckout
    from candor.privacy import datamap

    order = place({variant.pk: 1}, payment_method="card")
    declaration = datamap.declaration_for("orders.Order")
    fields = dict(declaration.fields)
    fields["email"] = replace(fields["email"], recipients=("shipper",))
    datamap.declare("orders.Order", fields=fields, age_field=declaration.age_field)
    try:
        with responses.RequestsMock(assert_all_requests_are_fired=False) as stub:
            with pytest.raises(DisclosureRefused):
                StripeCheckout().start(order, success_url="http://a/", cancel_url="http://b/")
            assert len(stub.calls) == 0
    finally:
        datamap.declare("orders.Order", fields=declaration.fields, age_field="created_at")
    assert DisclosureRecord.objects.count() == 0


def test_a_customer_correcting_their_profile_owes_each_recipient_a_notice(place, variant):
    """GDPR art. 19 (issue 6a): a name or phone corrected on the profile page is a correction
    like one filed as a request: the shipper that received the old details is owed a notice;
    saving the same details again owes nothing more."""
    from candor.accounts.services import update_profile
    from candor.orders.manifest import build_manifest
    from tests.factories import UserFactory

    buyer = UserFactory(email="ayesha@example.com", first_name="Ayesha", last_name="Khan")
    build_manifest(order=place({variant.pk: 1}, user=buyer), acting_user=None)

    update_profile(user=buyer, first_name="Ayesha", last_name="Siddiqui", phone="")
    update_profile(user=buyer, first_name="Ayesha", last_name="Siddiqui", phone="")

    notice = RecipientNotice.objects.get()
    assert (notice.recipient, notice.reason, notice.subject_user_id) == (
        "shipper",
        "corrected",
        buyer.pk,
    )
