"""P15, issue 6 item 10: every back-office page, as every role, against a declared matrix.

For each role a staff member with two-factor sign-in opens every registered model's list and,
where a row exists, one change page. What each role may open is declared below, not derived
from the code under test. A seeded customer's raw email address and phone number appear only
on lists of a role that holds the contact permission, never on a change page (there they are
masked for everyone and revealed with a reason), and the reveal link appears only for roles
that may use it.
"""

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.urls import reverse

from candor.accounts.roles import ROLES
from candor.messaging.models import Subscription, Topic
from candor.payments.models import Payment
from candor.privacy.models import ConsentRecord, RequestLog
from tests.factories import AddressFactory, UserFactory

from .staff_roles import signed_in, staff_in

EMAIL = "ayesha@example.com"
PHONE = "+923001234567"
IP = "203.0.113.7"

CATALOGUE = {
    "catalog.category",
    "catalog.brand",
    "catalog.product",
    "catalog.variant",
    "catalog.variantchange",
}
SEE_PRODUCTS = {"catalog.product", "catalog.variant"}

# Model label (lower case) -> the roles that may open its pages. "Owner" opens everything.
VISIBLE: dict[str, set[str]] = {
    **{label: {"Catalogue"} for label in CATALOGUE},
    "orders.order": {"Fulfilment", "Customer service", "Billing", "Privacy officer"},
    "orders.shippingzone": {"Fulfilment"},
    "accounts.user": {"Customer service", "Privacy officer"},
    "support.thread": {"Customer service", "Privacy officer"},
    "support.feedback": {"Customer service"},
    "messaging.outboxmessage": {"Customer service", "Privacy officer"},
    "messaging.subscription": {"Customer service", "Privacy officer"},
    "testimonials.testimonial": {"Customer service"},
    "testimonials.testimonialconsent": {"Customer service"},
    "payments.payment": {"Billing"},
    "payments.webhookevent": {"Billing"},
    **{
        f"privacy.{name}": {"Privacy officer"}
        for name in (
            "consentrecord",
            "policyversion",
            "requestlog",
            "staffaccessrecord",
            "rightsrequest",
            "disclosurerecord",
            "recipientnotice",
            "legalrequest",
        )
    },
}
for label in SEE_PRODUCTS:
    VISIBLE[label] |= {"Fulfilment", "Customer service"}
OWNER_ONLY = {
    "auth.group",
    "account.emailaddress",
    "socialaccount.socialapp",
    "socialaccount.socialtoken",
    "socialaccount.socialaccount",
    "mfa.authenticator",
    "accounts.staffpowerchange",
    "core.shopsettings",
    "messaging.topic",
    "payments.paymentsettings",
    "campaigns.campaign",
    "campaigns.announcement",
    "insights.pageviewday",
    "insights.partnerreport",
    "surveys.survey",
    "surveys.question",
}

CONTACT = {role.group for role in ROLES if "contact" in role.families} | {"Owner"}
LOGS = {role.group for role in ROLES if "logs" in role.families} | {"Owner"}


def visible_to(label: str, role: str) -> bool:
    return role == "Owner" or role in VISIBLE.get(label, set())


@pytest.fixture
def seeded(place, variant, payments_enabled):
    """A customer with an account, an address, an order, a payment, mail, a subscription, a
    consent record, a support thread and a logged request. The roles are brought up to date
    with the models first, as every deploy does after migrating (docs/operations.md)."""
    call_command("ensure_roles", verbosity=0)
    from candor.engagement.support.services import open_thread

    customer = UserFactory(email=EMAIL, phone=PHONE, first_name="Ayesha", last_name="Khan")
    AddressFactory(owner=customer, line1="12 Mall Road", phone=PHONE)
    order = place({variant.pk: 1})
    Payment.objects.create(
        order=order,
        method="card",
        amount=order.total,
        currency=order.currency,
        provider_reference="cs_test_a1B2c3D4e5F6",
    )
    topic = Topic.objects.create(key="news", kind="newsletter", label="News")
    Subscription.objects.create(
        email=EMAIL, topic=topic, source="footer", requested_at=order.created_at
    )
    ConsentRecord.objects.create(user=customer, categories=["analytics"], source="banner")
    open_thread(
        submit_token=__import__("uuid").uuid4(),
        name="Ayesha Khan",
        email=EMAIL,
        subject="Where is my phone?",
        body="It has not arrived.",
        customer=customer,
    )
    RequestLog.objects.create(
        at=order.created_at,
        ip=IP,
        user_agent="Mozilla/5.0",
        method="GET",
        path="/",
        status=200,
        user_id=customer.pk,
    )
    return customer


def _urls(model) -> tuple[str, str | None]:
    opts = model._meta
    changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    row = model._default_manager.order_by("pk").first() if opts.managed else None
    change = (
        reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[row.pk])
        if row is not None
        else None
    )
    return changelist, change


def test_p15_every_back_office_page_is_declared_in_the_matrix():
    registered = {model._meta.label_lower for model in admin.site._registry}
    undeclared = registered - set(VISIBLE) - OWNER_ONLY
    assert undeclared == set(), f"declare who may open these pages: {sorted(undeclared)}"


@pytest.mark.parametrize("role", [role.group for role in ROLES])
def test_p15_each_role_sees_only_its_pages_and_only_its_data(role, seeded):
    client = signed_in(staff_in(role))
    raw_email_lists: list[str] = []

    for model in admin.site._registry:
        label = model._meta.label_lower
        changelist, change = _urls(model)
        listing = client.get(changelist)
        expected = 200 if visible_to(label, role) else 403
        assert listing.status_code == expected, (role, changelist)
        if expected == 403:
            if change is not None:
                assert client.get(change).status_code in (403, 404), (role, change)
            continue
        html = listing.content.decode()
        if role not in CONTACT:
            assert EMAIL not in html and PHONE not in html, (role, changelist)
        elif EMAIL in html:
            raw_email_lists.append(label)
        if role not in LOGS:
            assert IP not in html, (role, changelist)
        elif label == "privacy.requestlog":
            assert IP in html, role
        if change is None:
            continue
        page = client.get(change)
        assert page.status_code == 200, (role, change)
        detail = page.content.decode()
        # Change pages never show them: they are revealed one record at a time, with a reason.
        assert EMAIL not in detail and PHONE not in detail and IP not in detail, (role, change)
        reveal = "/backoffice/privacy/staffaccessrecord/reveal/"
        if role not in CONTACT and role not in LOGS and role != "Billing":
            assert reveal not in detail, (role, change)

    # Roles with the contact permission do see it where their lists show it.
    expected_lists = {
        "Customer service": {"accounts.user", "messaging.subscription", "messaging.outboxmessage"},
        "Privacy officer": {"accounts.user", "messaging.subscription", "privacy.consentrecord"},
        "Owner": {"accounts.user", "privacy.consentrecord", "messaging.subscription"},
    }
    assert expected_lists.get(role, set()) <= set(raw_email_lists), raw_email_lists


def test_p15_the_reveal_link_follows_the_family_permission(seeded):
    order_url = reverse("admin:orders_order_change", args=[_order_pk()])
    contact_link = f"/orders.order/{_order_pk()}/contact/"
    for role in ("Fulfilment", "Customer service", "Billing", "Privacy officer", "Owner"):
        html = signed_in(staff_in(role)).get(order_url).content.decode()
        assert (contact_link in html) is (role in CONTACT), role
        address_link = f"/orders.order/{_order_pk()}/address/"
        has_address = any(r.group == role and "address" in r.families for r in ROLES)
        assert (address_link in html) is (has_address or role == "Owner"), role


def _order_pk() -> int:
    from candor.orders.models import Order

    return Order.objects.get().pk
