"""The data map is code (X1): every field of every installed model is declared, with words the
policy can print, and the system check names whatever is missing or wrong."""

from dataclasses import replace
from urllib.parse import parse_qs

import pytest
import responses
from django.apps import apps
from django.core.checks import ERROR, run_checks
from django.db import models
from phonenumber_field.modelfields import PhoneNumberField

from candor.core.money import to_minor_units
from candor.orders.models import Order
from candor.privacy import datamap, vocabulary
from candor.privacy.checks import check_data_map, declarable_fields
from candor.privacy.datamap import NOT_PERSONAL, NotPersonal, Personal, keep, personal

# ---------------------------------------------------------------------------------------------
# Helpers


def _privacy_messages(messages):
    return [(m.id, m.msg) for m in messages if m.id and m.id.startswith("privacy.")]


def _redeclare(monkeypatch, label, **fields):
    """Change one model's declaration for this test only (None removes a field)."""
    declaration = datamap.declarations()[label]
    changed = dict(declaration.fields)
    for name, spec in fields.items():
        if spec is None:
            del changed[name]
        else:
            changed[name] = spec
    monkeypatch.setitem(datamap._registry, label, replace(declaration, fields=changed))


def _email(**overrides) -> Personal:
    spec = {
        "purposes": ["order_fulfilment"],
        "basis": "contract",
        "source": "given",
        "keep": [keep(30, "delete")],
        "recipients": ["mail_provider"],
    }
    spec.update(overrides)
    category = spec.pop("category", "contact.email")
    return personal(category, **spec)


def _personal_fields(label):
    return {
        name: spec
        for name, spec in datamap.declarations()[label].fields.items()
        if isinstance(spec, Personal)
    }


# ---------------------------------------------------------------------------------------------
# The whole project


def test_x1_every_field_of_every_installed_model_is_declared():
    """X1: the installed project (our apps, allauth, Django's own) passes the check."""
    assert _privacy_messages(check_data_map()) == []
    errors = [m for m in run_checks() if m.level >= ERROR]
    assert _privacy_messages(errors) == []


def test_x1_every_installed_model_has_a_declaration_of_its_own():
    """X1: no model is covered by accident (e.g. by having only an automatic key)."""
    declared = datamap.declarations()
    missing = sorted(m._meta.label for m in apps.get_models() if m._meta.label not in declared)
    assert missing == []


def test_x1_allauth_and_framework_models_are_declared_where_the_brief_puts_them():
    """X1: third-party models are declared by the app that owns their integration."""
    declared = datamap.declarations()
    assert declared["socialaccount.SocialApp"].whole_model_not_personal
    assert declared["auth.Permission"].whole_model_not_personal
    assert declared["contenttypes.ContentType"].whole_model_not_personal
    social = _personal_fields("socialaccount.SocialAccount")
    assert social["extra_data"].category == "identity.social_profile"
    assert social["extra_data"].source == "third_party"
    assert social["uid"].category == "identity.social"
    assert _personal_fields("mfa.Authenticator")["data"].category == "account.credentials"
    assert _personal_fields("sessions.Session")["session_data"].category == "online.session"
    assert _personal_fields("admin.LogEntry")["object_repr"].category == "security.audit"


# ---------------------------------------------------------------------------------------------
# What the check reports


def test_x1_a_field_dropped_from_the_map_fails_the_check_naming_model_and_field(monkeypatch):
    _redeclare(monkeypatch, "orders.Order", email=None)

    errors = check_data_map()

    assert [(e.id, e.msg, e.obj) for e in errors] == [
        ("privacy.E001", "orders.Order.email is not in the data map.", Order)
    ]
    assert "datamap.py" in errors[0].hint


def test_x1_a_model_missing_from_the_map_fails_for_each_of_its_fields(monkeypatch):
    monkeypatch.delitem(datamap._registry, "orders.OrderLine")

    errors = check_data_map()

    assert [e.msg for e in errors] == [
        f"orders.OrderLine.{name} is not in the data map."
        for name in (
            "order",
            "variant",
            "sku",
            "product_name",
            "variant_label",
            "unit_price",
            "quantity",
            "line_total",
        )
    ]
    assert {e.id for e in errors} == {"privacy.E001"}


def test_x1_the_check_also_runs_through_django_s_check_framework(monkeypatch):
    _redeclare(monkeypatch, "orders.Order", phone=None)

    found = _privacy_messages(run_checks())

    assert ("privacy.E001", "orders.Order.phone is not in the data map.") in found


@pytest.mark.parametrize(
    ("spec", "problem"),
    [
        (_email(category="contact.pigeon"), "category 'contact.pigeon'"),
        (_email(purposes=["order_fulfilment", "profiling"]), "purpose 'profiling'"),
        (_email(recipients=["mail_provider", "data_broker"]), "recipient 'data_broker'"),
        (_email(basis="because"), "legal basis 'because'"),
        (_email(source="scraped"), "source 'scraped'"),
        (_email(keep=[keep(30, "truncate"), keep(90, "sell")]), "end action 'sell'"),
    ],
    ids=["category", "purpose", "recipient", "basis", "source", "end-action"],
)
def test_x1_an_unknown_word_fails_the_check_naming_field_and_word(monkeypatch, spec, problem):
    _redeclare(monkeypatch, "orders.Order", email=spec)

    errors = check_data_map()

    assert [(e.id, e.msg) for e in errors] == [
        ("privacy.E002", f"orders.Order.email names an unknown {problem}.")
    ]
    assert "vocabulary.py" in errors[0].hint


def test_x1_a_declared_field_that_does_not_exist_fails_the_check(monkeypatch):
    _redeclare(monkeypatch, "orders.Order", fax=_email(category="contact.phone"))

    errors = check_data_map()

    assert [(e.id, e.msg, e.obj) for e in errors] == [
        ("privacy.E003", "The data map declares orders.Order.fax, which does not exist.", Order)
    ]


def test_x1_a_declared_model_that_is_not_installed_fails_the_check(monkeypatch):
    datamap_before = dict(datamap._registry)
    monkeypatch.setattr(datamap, "_registry", datamap_before)
    datamap.declare("shop.Fax", fields={"number": NOT_PERSONAL})

    errors = check_data_map()

    assert [(e.id, e.msg) for e in errors] == [
        ("privacy.E003", "The data map declares shop.Fax, which is not installed.")
    ]


def test_x1_an_age_field_that_does_not_exist_fails_the_check(monkeypatch):
    declaration = datamap.declarations()["orders.Order"]
    monkeypatch.setitem(
        datamap._registry, "orders.Order", replace(declaration, age_field="placed_on")
    )

    errors = check_data_map()

    assert [(e.id, e.msg) for e in errors] == [
        ("privacy.E003", "orders.Order names age field 'placed_on', which does not exist.")
    ]


# ---------------------------------------------------------------------------------------------
# The snapshot the policy is generated from


def test_x1_snapshot_holds_exactly_the_personal_fields():
    snap = datamap.snapshot()
    expected = {
        (label, name)
        for label, declaration in datamap.declarations().items()
        for name, spec in declaration.fields.items()
        if isinstance(spec, Personal)
    }
    assert {(label, name) for label, fields in snap.items() for name in fields} == expected

    assert snap["orders.Order"]["email"] == {
        "category": "contact.email",
        "purposes": ["customer_service", "fraud_prevention", "order_fulfilment", "payment"],
        "basis": "contract",
        "source": "given",
        "retention": [{"days": 3650, "then": "pseudonymize"}],
        "recipients": ["mail_provider", "payment_processor", "shipper"],
    }
    assert snap["privacy.RequestLog"]["ip"] == {
        "category": "online.ip",
        "purposes": ["security", "troubleshooting"],
        "basis": "legitimate_interests",
        "source": "automatic",
        "retention": [{"days": 30, "then": "truncate"}, {"days": 180, "then": "delete"}],
        "recipients": [],
    }
    assert snap["messaging.Subscription"]["email"]["basis"] == "consent"
    assert snap["accounts.User"]["password"]["category"] == "account.credentials"


def test_x1_snapshot_leaves_out_what_is_not_personal():
    snap = datamap.snapshot()
    # Whole models declared not personal.
    for label in ("catalog.Product", "catalog.Variant", "core.ShopSettings", "auth.Permission"):
        assert label not in snap
    # NOT_PERSONAL fields of models that also hold personal data.
    assert "checkout_token" not in snap["orders.Order"]
    assert "updated_at" not in snap["orders.Order"]
    assert "ip_truncated" not in snap["privacy.RequestLog"]
    assert "confirm_nonce" not in snap["messaging.Subscription"]
    assert set(snap["catalog.VariantChange"]) == {"changed_by", "created_at"}
    assert set(snap["campaigns.Campaign"]) == {"created_by", "started_by"}
    # A model with nothing personal left at all is absent, not empty.
    assert all(fields for fields in snap.values())


# ---------------------------------------------------------------------------------------------
# Properties over the whole map


def _used_words():
    used = {kind: set() for kind in ("category", "purpose", "recipient", "basis", "source", "end")}
    for _label, _name, spec in datamap.personal_fields():
        used["category"].add(spec.category)
        used["purpose"].update(spec.purposes)
        used["recipient"].update(spec.recipients)
        used["basis"].add(spec.basis)
        used["source"].add(spec.source)
        used["end"].update(step.then for step in spec.retention)
    return used


def test_x1_every_word_the_map_uses_has_a_plain_language_phrase():
    used = _used_words()
    books = {
        "category": vocabulary.CATEGORIES,
        "purpose": vocabulary.PURPOSES,
        "recipient": vocabulary.RECIPIENTS,
        "basis": vocabulary.LEGAL_BASES,
        "source": vocabulary.SOURCES,
        "end": vocabulary.END_ACTIONS,
    }
    for kind, words in used.items():
        assert words, kind
        for word in words:
            phrase = books[kind].get(word, "")
            assert phrase.strip() and phrase.strip() != word, (kind, word)


def test_x1_every_declaration_has_a_purpose_and_retention_in_increasing_order():
    for label, name, spec in datamap.personal_fields():
        assert spec.purposes, (label, name)
        days = [step.days for step in spec.retention]
        assert days and all(d > 0 for d in days), (label, name)
        assert days == sorted(days) and len(set(days)) == len(days), (label, name)


def test_x1_fields_that_hold_contact_details_by_type_are_declared_as_such():
    """An email, phone or IP column can't be waved through as NOT_PERSONAL; the one exception
    is the shop's own published contact (P24)."""
    kinds = {
        models.EmailField: "contact.email",
        PhoneNumberField: "contact.phone",
        models.GenericIPAddressField: "online.ip",
    }
    declared = datamap.declarations()
    seen = []
    for model in apps.get_models():
        label = model._meta.label
        for field in model._meta.concrete_fields:
            category = next((c for k, c in kinds.items() if isinstance(field, k)), None)
            if category is None:
                continue
            seen.append(f"{label}.{field.name}")
            if label == "core.ShopSettings":
                assert declared[label].whole_model_not_personal
                continue
            spec = declared[label].fields[field.name]
            assert isinstance(spec, Personal) and spec.category == category, (label, field.name)
    assert {
        "accounts.User.email",
        "accounts.User.phone",
        "accounts.Address.phone",
        "orders.Order.email",
        "orders.Order.phone",
        "messaging.OutboxMessage.to_email",
        "messaging.Subscription.email",
        "account.EmailAddress.email",
        "privacy.RequestLog.ip",
    } <= set(seen)


def test_p16_every_address_we_mail_goes_to_the_mail_provider():
    for label, name in (
        ("accounts.User", "email"),
        ("account.EmailAddress", "email"),
        ("orders.Order", "email"),
        ("messaging.Subscription", "email"),
        ("messaging.OutboxMessage", "to_email"),
        ("messaging.OutboxMessage", "body_text"),
    ):
        assert "mail_provider" in _personal_fields(label)[name].recipients, (label, name)


def test_p16_the_shipper_receives_only_what_delivery_needs():
    """P16: name, delivery address, phone, email; and the total it collects for cash on
    delivery. Never the billing address or the customer's note."""
    to_shipper = {
        f"{label}.{name}"
        for label, name, spec in datamap.personal_fields()
        if "shipper" in spec.recipients
    }
    assert to_shipper == {
        # The order number matches the parcel; the currency goes with a cash amount.
        "orders.Order.number",
        "orders.Order.currency",
        "orders.Order.shipping_name",
        "orders.Order.shipping_line1",
        "orders.Order.shipping_line2",
        "orders.Order.shipping_city",
        "orders.Order.shipping_postcode",
        "orders.Order.shipping_country",
        "orders.Order.phone",
        "orders.Order.email",
        "orders.Order.total",
    }


@pytest.mark.django_db
def test_p13_p16_the_payment_processor_gets_exactly_the_order_fields_the_map_declares(
    place, variant, payments_enabled
):
    """What StripeCheckout really sends is what the map says the payment processor receives."""
    from candor.payments.services import start_payment

    order = place({variant.pk: 2}, payment_method="card")
    with responses.RequestsMock() as stub:
        stub.post(
            "https://api.stripe.com/v1/checkout/sessions",
            json={"id": "cs_test_map", "object": "checkout.session", "url": "https://pay/x"},
        )
        start_payment(order=order, success_url="http://testserver/ok", cancel_url="http://x/c")
        sent = {
            value for values in parse_qs(stub.calls[0].request.body).values() for value in values
        }

    def as_sent(name, value):
        if name == "total":
            return {str(value), str(to_minor_units(value))}
        if name == "currency":
            return {value, value.lower()}
        return {str(value)}

    found = {
        field.name
        for field in Order._meta.concrete_fields
        if not field.is_relation
        and not field.primary_key  # a row number: "1" is also the line item's quantity
        and getattr(order, field.name) not in ("", None)
        and as_sent(field.name, getattr(order, field.name)) & sent
    }
    declared = {
        name
        for name, spec in _personal_fields("orders.Order").items()
        if "payment_processor" in spec.recipients
    }
    assert found == declared == {"number", "email", "total", "currency"}


def test_x1_the_generic_retention_job_deletes_rows_only_of_these_models():
    """Pinned: a delete step on any field of a model with an age field deletes whole rows, so a
    new one must be a deliberate change (orders, for one, are only ever pseudonymized)."""
    deleting = {}
    for label, declaration in datamap.declarations().items():
        if not declaration.age_field:
            continue
        days = [
            step.days
            for spec in declaration.fields.values()
            if isinstance(spec, Personal)
            for step in spec.retention
            if step.then == "delete"
        ]
        if days:
            deleting[label] = (declaration.age_field, min(days))
    assert deleting == {
        "account.EmailConfirmation": ("created", 7),
        "accounts.StaffPowerChange": ("created_at", 730),
        "admin.LogEntry": ("action_time", 730),
        "cart.Cart": ("updated_at", 90),
        "insights.ReportRelease": ("released_at", 1095),
        "catalog.VariantChange": ("created_at", 730),
        "messaging.OutboxMessage": ("created_at", 90),
        "messaging.Subscription": ("ended_at", 1095),
        "orders.ScreeningResult": ("created_at", 730),
        "payments.WebhookEvent": ("received_at", 365),
        "privacy.ConsentRecord": ("created_at", 1095),
        # The disclosure ledger and legal requests (P16, P17): 10 and 6 years, notices 3.
        "privacy.DisclosureRecord": ("at", 3650),
        "privacy.LegalDocument": ("uploaded_at", 2190),
        "privacy.LegalRequest": ("received_at", 2190),
        "privacy.LegalRequestEvent": ("at", 2190),
        "privacy.RecipientNotice": ("created_at", 1095),
        "privacy.RequestLog": ("at", 180),
        # Rights requests (P20) and their audit trail: 3 years, as proof they were answered.
        "privacy.RightsRequest": ("received_at", 1095),
        "privacy.RightsRequestEvent": ("created_at", 1095),
        # Staff access records (P15): two years for the privacy officer's review.
        "privacy.StaffAccessRecord": ("at", 730),
        "socialaccount.SocialToken": ("expires_at", 1),
        "support.Feedback": ("created_at", 730),
        "support.Thread": ("last_activity_at", 1095),
        "surveys.Participation": ("survey_closes_on", 1),
        "surveys.Response": ("created", 730),
        "testimonials.Testimonial": ("rejected_at", 90),
        "testimonials.TestimonialConsent": ("ended_at", 1095),
    }
    order = datamap.declarations()["orders.Order"]
    assert order.age_field == "created_at"
    assert {
        step.then
        for spec in order.fields.values()
        if isinstance(spec, Personal)
        for step in spec.retention
    } == {"pseudonymize"}


def test_p12_server_logs_are_shortened_then_deleted_as_declared():
    log = _personal_fields("privacy.RequestLog")
    assert datamap.declarations()["privacy.RequestLog"].age_field == "at"
    for name in ("ip", "user_agent"):
        assert [(s.days, s.then) for s in log[name].retention] == [
            (30, "truncate"),
            (180, "delete"),
        ]
    for name in ("at", "browser", "os", "referrer", "method", "path", "status", "user_id"):
        assert [(s.days, s.then) for s in log[name].retention] == [(180, "delete")], name
    assert isinstance(
        datamap.declarations()["privacy.RequestLog"].fields["ip_truncated"], NotPersonal
    )


def test_x1_declarable_fields_skip_the_automatic_key_and_reverse_relations():
    names = declarable_fields(Order)
    assert "id" not in names
    assert "lines" not in names and "payments" not in names  # reverse relations
    assert "email" in names and "user" in names
