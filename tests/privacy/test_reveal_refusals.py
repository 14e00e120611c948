"""P15, issue 11 item 2: the reveal page decides who may before it looks at the record.

Every role × every declared family × every model that holds a family's fields (the reveal URL
takes any model label, so every such model has a reveal view): a refused reveal, by GET or by
POST, names nothing of the record (no value, no masked form, no str()) and is recorded as a
refused attempt; an allowed one shows the form without any value, and then only the values of
the family asked for.
"""

import re
import uuid

import pytest
from allauth.account.models import EmailAddress, EmailConfirmation
from django.apps import apps
from django.core.management import call_command
from django.utils import timezone

from candor.accounts.models import RestrictedAddress, StaffPowerChange
from candor.accounts.roles import ROLES
from candor.payments.models import WebhookEvent
from candor.privacy.access_models import StaffAccessRecord
from candor.privacy.ledger_models import DisclosureRecord, LegalRequest, RecipientNotice
from candor.privacy.masking import HIDDEN, mask_value
from candor.privacy.rights.models import RightsRequest
from candor.privacy.staff_access import FAMILIES, masked_fields
from tests.conftest import enrol_totp

from .staff_roles import signed_in, staff_in
from .test_erasure import EMAIL, IDENTIFYING, NAME, REFERENCE, build_customer

REVEAL = "/backoffice/privacy/staffaccessrecord/reveal/"

# Every model of the project that holds a family's fields.
REVEALABLE = sorted(
    (model for model in apps.get_models() if masked_fields(model)), key=lambda m: m._meta.label
)


def _leaves(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple, set)):
        return [text for item in value for text in _leaves(item)]
    return [str(value)]


def personal_values(obj) -> dict[str, set[str]]:
    """The record's raw values of each family (long enough to look for)."""
    found: dict[str, set[str]] = {}
    for field in masked_fields(type(obj)).values():
        for text in _leaves(getattr(obj, field.name)):
            if len(text) >= 4:
                found.setdefault(field.family, set()).add(text)
    return found


def masked_forms(obj) -> set[str]:
    forms = set()
    for field in masked_fields(type(obj)).values():
        for text in _leaves(getattr(obj, field.name)):
            masked = mask_value(field.category, text)
            if masked and masked != HIDDEN:
                forms.add(masked)
    return forms


@pytest.fixture
def records(place, variant, committed):
    """One record of every model that holds a family's fields, each about one customer."""
    call_command("ensure_roles", verbosity=0)
    customer, orders, thread = build_customer(place, variant, committed)
    address = EmailAddress.objects.get(user=customer, email=EMAIL)
    EmailConfirmation.objects.create(email_address=address, key="k" * 64)
    enrol_totp(customer)
    RestrictedAddress.objects.create(email=EMAIL)
    now = timezone.now()
    DisclosureRecord.objects.create(
        recipient="shipper",
        model="orders.Order",
        fields=["email"],
        purpose="order_fulfilment",
        legal_basis="contract",
        subject_user_id=customer.pk,
        subject_email=EMAIL,
        subject_label=NAME,
        reference=orders[0].number,
    )
    RecipientNotice.objects.create(
        recipient="shipper",
        reason="corrected",
        request_ref="profile-1",
        subject_user_id=customer.pk,
        subject_email=EMAIL,
    )
    LegalRequest.objects.create(
        authority="Cyber Crime Wing",
        instrument="Order 12/2025",
        scope="Orders",
        subject_email=EMAIL,
        subject_user_id=customer.pk,
    )
    RightsRequest.objects.create(
        kind="access",
        user=customer,
        account_id=customer.pk,
        email=EMAIL,
        emails=[EMAIL],
        received_at=now,
        due_at=now,
        verify_nonce=uuid.uuid4().hex,
    )
    WebhookEvent.objects.create(provider="stripe", event_id=f"evt_{REFERENCE}", event_type="x")
    StaffPowerChange.objects.create(user=customer, power="is_staff", before=True, after=False)
    found = {}
    for model in REVEALABLE:
        for obj in model._default_manager.order_by("pk"):
            values = set().union(*personal_values(obj).values())
            if any(known in text for text in values for known in IDENTIFYING):
                found[model] = obj
                break
    return found


def test_p15_every_model_with_a_reveal_view_is_seeded(records):
    missing = {m._meta.label for m in REVEALABLE} - {m._meta.label for m in records}
    assert missing == set(), f"seed a record of these in `records`: {sorted(missing)}"


def _may_open(staff, model) -> bool:
    opts = model._meta
    return any(
        staff.has_perm(f"{opts.app_label}.{a}_{opts.model_name}") for a in ("view", "change")
    )


@pytest.mark.parametrize("role", [role.group for role in ROLES])
def test_p15_a_refused_reveal_shows_nothing_of_the_record_and_is_recorded(role, records):
    staff = staff_in(role)
    client = signed_in(staff)
    refused = allowed = 0

    for model, obj in records.items():
        values = personal_values(obj)
        every_value = set().union(*values.values()) | (
            {str(obj)} if any(v in str(obj) for v in set().union(*values.values())) else set()
        )
        for family in FAMILIES:
            url = f"{REVEAL}{model._meta.label_lower}/{obj.pk}/{family}/"
            if family not in {f.family for f in masked_fields(model).values()}:
                assert client.get(url).status_code == 404, url
                continue
            may = staff.has_perm(f"privacy.view_{family}") and _may_open(staff, model)
            before = StaffAccessRecord.objects.filter(granted=False).count()
            page = client.get(url)
            posted = client.post(url, {"reason": "Customer asked us to check"})
            if not may:
                refused += 1
                for response in (page, posted):
                    assert response.status_code == 403, (role, url)
                    html = response.content.decode()
                    leaked = {v for v in every_value | masked_forms(obj) if v in html}
                    assert leaked == set(), (role, url, leaked)
                    assert "no-store" in response["Cache-Control"]
                records_now = StaffAccessRecord.objects.filter(granted=False).order_by("-id")
                assert records_now.count() == before + 2, (role, url)
                assert [(r.model, r.object_pk, r.family) for r in records_now[:2]] == [
                    (model._meta.label, str(obj.pk), family)
                ] * 2
                continue
            allowed += 1
            assert page.status_code == 200, (role, url)
            form_html = page.content.decode()
            assert {v for v in every_value if v in form_html} == set(), (role, url)
            assert posted.status_code == 200, (role, url)
            shown = posted.content.decode()
            assert any(v in shown for v in values[family]), (role, url)
            others = set().union(*(v for f, v in values.items() if f != family)) - values[family]
            assert {v for v in others if v in shown} == set(), (role, url, family)

    role_entry = next(r for r in ROLES if r.group == role)
    if role == "Catalogue":
        assert allowed == 0  # no family at all
    elif role == "Owner":
        assert refused == 0
    else:
        assert refused > 0 and allowed > 0, (refused, allowed, role_entry.families)


def _without_token(response) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def test_p15_a_refusal_for_a_record_that_does_not_exist_looks_the_same_and_is_recorded(records):
    """The refusal must not say whether the record exists either."""
    client = signed_in(staff_in("Catalogue"))

    missing = client.get(f"{REVEAL}accounts.user/999999/contact/")
    existing = client.get(
        f"{REVEAL}accounts.user/{records[apps.get_model('accounts.User')].pk}/contact/"
    )

    assert missing.status_code == existing.status_code == 403
    # The same page, but for the (per-response) CSRF token of the sign-out form.
    assert _without_token(missing) == _without_token(existing)
    assert list(
        StaffAccessRecord.objects.order_by("id").values_list("model", "object_pk", "granted")
    )[0] == ("accounts.User", "999999", False)
