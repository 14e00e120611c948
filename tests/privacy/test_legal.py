"""Legal requests (P17) and the business transfer (P23)."""

import io
import json
import zipfile

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from candor.messaging.models import OutboxMessage
from candor.privacy import legal, transfer
from candor.privacy.ledger_models import (
    DisclosureRecord,
    LegalRequest,
    LegalRequestEvent,
    LegalStatus,
)

from ..factories import UserFactory

pytestmark = pytest.mark.django_db


def staff(*codenames, **extra):
    user = UserFactory(is_staff=True, **extra)
    for codename in codenames:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    return type(user).objects.get(pk=user.pk)  # fresh permission cache


@pytest.fixture
def clerk():
    return staff("record_legal_request")


@pytest.fixture
def officer():
    return staff("decide_legal_request")


@pytest.fixture
def received(clerk, place, variant):
    place({variant.pk: 1})
    return legal.record_legal_request(
        authority="FIA Cyber Crime Wing",
        instrument="Court order 42/2025",
        scope="Orders placed by ayesha@example.com",
        subject_email="Ayesha@Example.com",
        documents=[SimpleUploadedFile("order.pdf", b"%PDF-1.4")],
        acting_user=clerk,
    )


def actions(legal_request=None):
    return list(
        LegalRequestEvent.objects.filter(legal_request=legal_request).values_list(
            "action", flat=True
        )
    )


def test_recorded_request_keeps_its_document_privately(received, settings):
    """P17: staff record authority, instrument, scope and documents (private storage)."""
    assert (received.status, received.subject_email) == (LegalStatus.RECEIVED, "ayesha@example.com")
    document = received.documents.get()
    assert document.file.read() == b"%PDF-1.4"
    assert str(settings.MEDIA_ROOT) not in document.file.path
    with pytest.raises(ValueError):
        _ = document.file.url
    assert actions(received) == ["recorded"]


def test_approval_exports_through_the_ledger_and_tells_the_customer(received, officer, committed):
    """P17: the officer approves; the export is ledgered to law_enforcement; the customer is
    mailed."""
    done = committed(
        legal.approve_legal_request,
        request_id=received.pk,
        reason="Valid order",
        acting_user=officer,
    )
    assert (done.status, done.decided_by) == (LegalStatus.APPROVED, officer)
    export = json.loads(done.export.read())
    assert export["request"] == f"LR-{received.pk}"
    orders = export["data"]["orders"]["orders.Order"]
    assert orders[0]["email"] == "ayesha@example.com"
    records = DisclosureRecord.objects.filter(recipient="law_enforcement")
    assert {r.model for r in records} >= {"orders.Order"}
    assert {(r.purpose, r.legal_basis, r.reference, r.withheld) for r in records} == {
        ("legal_obligation", "legal_obligation", f"LR-{received.pk}", False)
    }
    mail = OutboxMessage.objects.get(template="privacy/email/legal_disclosure")
    assert mail.to_email == "ayesha@example.com"
    assert "FIA Cyber Crime Wing" in mail.body_text
    assert actions(received) == ["recorded", "approved", "customer told"]


def test_barred_request_is_not_told_and_hidden_from_the_customer(clerk, officer, place, variant):
    """P17: legally barred: no mail, and the ledger entries are withheld from the customer."""
    place({variant.pk: 1})
    barred = legal.record_legal_request(
        authority="Court",
        instrument="Gag order 7",
        scope="Everything",
        subject_email="ayesha@example.com",
        customer_notice_barred=True,
        acting_user=clerk,
    )
    legal.approve_legal_request(request_id=barred.pk, reason="ok", acting_user=officer)
    assert not OutboxMessage.objects.filter(template="privacy/email/legal_disclosure").exists()
    assert set(
        DisclosureRecord.objects.filter(recipient="law_enforcement").values_list(
            "withheld", flat=True
        )
    ) == {True}
    assert actions(barred) == ["recorded", "approved", "customer not told"]


@pytest.mark.parametrize("who", ["clerk", "superuser_without_staff", "anonymous"])
def test_unauthorised_approval_is_refused_with_an_audit_entry(received, who, clerk):
    """P17: only the privacy officer decides; others are refused, audited, nothing disclosed."""
    actor = {
        "clerk": clerk,
        "superuser_without_staff": UserFactory(is_superuser=True, is_staff=False),
        "anonymous": None,
    }[who]
    with pytest.raises(legal.LegalRequestRefused) as refused:
        legal.approve_legal_request(request_id=received.pk, reason="x", acting_user=actor)
    assert str(refused.value) == "Only the privacy officer may decide legal requests."
    received.refresh_from_db()
    assert received.status == LegalStatus.RECEIVED and not received.export
    assert DisclosureRecord.objects.count() == 0
    assert actions(received) == ["recorded", "refused approved"]


def test_forged_or_repeated_approval_is_refused_with_an_audit_entry(received, officer):
    """P17: an unknown request id or a second decision is refused and audited."""
    with pytest.raises(legal.LegalRequestRefused):
        legal.approve_legal_request(request_id=received.pk + 999, reason="x", acting_user=officer)
    assert actions(None) == ["refused approved"]
    legal.refuse_legal_request(request_id=received.pk, reason="No valid seal", acting_user=officer)
    with pytest.raises(legal.LegalRequestRefused) as refused:
        legal.approve_legal_request(request_id=received.pk, reason="x", acting_user=officer)
    assert str(refused.value) == f"LR-{received.pk} is refused; it cannot be approved."
    assert actions(received) == ["recorded", "refused", "refused approved"]
    assert DisclosureRecord.objects.count() == 0


def test_recording_needs_the_permission(officer):
    """P17: recording is its own permission; a refusal is audited and records nothing."""
    with pytest.raises(legal.LegalRequestRefused):
        legal.record_legal_request(
            authority="A",
            instrument="B",
            scope="C",
            subject_email="x@example.com",
            acting_user=staff(),
        )
    assert LegalRequest.objects.count() == 0
    assert actions(None) == ["refused recording"]


def test_backoffice_forged_decision_post_is_403_and_audited(received, clerk, mfa_login):
    """P17: a crafted POST by staff without the officer's permission changes nothing."""
    client = mfa_login(Client(), clerk)
    response = client.post(
        f"/backoffice/privacy/legalrequest/{received.pk}/decide/",
        {"decision": "approve", "reason": "forged"},
    )
    assert response.status_code == 403
    received.refresh_from_db()
    assert received.status == LegalStatus.RECEIVED
    assert actions(received) == ["recorded", "refused approved"]


def test_officer_decides_and_downloads_in_the_backoffice(received, officer, mfa_login):
    """P17: approve from the back office, then download the export (audited)."""
    client = mfa_login(Client(), officer)
    url = f"/backoffice/privacy/legalrequest/{received.pk}/"
    assert client.get(url + "decide/").status_code == 200
    response = client.post(url + "decide/", {"decision": "approve", "reason": "Valid"})
    assert response.status_code == 302
    export = client.get(url + "export/")
    assert export.status_code == 200
    assert json.loads(b"".join(export.streaming_content))["request"] == f"LR-{received.pk}"
    assert client.post(url + "complete/").status_code == 302
    received.refresh_from_db()
    assert received.status == LegalStatus.COMPLETED
    assert actions(received)[-2:] == ["downloaded", "completed"]


# --- Business transfer (P23) ---------------------------------------------------------------


def test_owner_exports_the_whole_shop_and_it_is_ledgered(admin_user, place, variant):
    """P23: a recorded export of every model, one ledger entry per personal model."""
    place({variant.pk: 1})
    out = io.BytesIO()
    rows = transfer.export_business(
        successor="Buyer Ltd", reference="SPA-1", out=out, acting_user=admin_user
    )
    archive = zipfile.ZipFile(out)
    assert "orders.Order.jsonl" in archive.namelist()
    for secret in (
        "sessions.Session",
        "mfa.Authenticator",
        "socialaccount.SocialToken",
        "socialaccount.SocialApp",
        "account.EmailConfirmation",
        "messaging.OutboxMessage",
        "privacy.LegalRequest",
        "privacy.StaffAccessRecord",
    ):  # sign-ins, secrets, and the shop's legal and staff records stay behind
        assert f"{secret}.jsonl" not in archive.namelist()
    assert "accounts.User.jsonl" in archive.namelist()
    order = json.loads(archive.read("orders.Order.jsonl").splitlines()[0])
    assert order["fields"]["email"] == "ayesha@example.com"
    assert rows > 0
    records = DisclosureRecord.objects.filter(recipient="business_successor")
    assert records.filter(model="orders.Order", whole_shop=True).count() == 1
    assert {(r.purpose, r.legal_basis, r.reference) for r in records} == {
        ("business_transfer", "legitimate_interests", "SPA-1 (Buyer Ltd)")
    }


@pytest.mark.parametrize("who", ["staff_with_permission", "superuser_inactive", "none"])
def test_non_owners_cannot_transfer_the_shop(who):
    """P23: only an active superuser with the permission; nothing exported, nothing ledgered."""
    actor = {
        "staff_with_permission": staff("transfer_business"),
        "superuser_inactive": UserFactory(is_superuser=True, is_staff=True, is_active=False),
        "none": None,
    }[who]
    out = io.BytesIO()
    with pytest.raises(transfer.TransferRefused):
        transfer.export_business(successor="B", reference="R", out=out, acting_user=actor)
    assert out.getvalue() == b""
    assert DisclosureRecord.objects.count() == 0


def test_command_refuses_non_owner_and_exports_for_owner(admin_user, tmp_path):
    """P23: the management command, owner only."""
    staff("transfer_business", email="clerk@example.com")
    with pytest.raises(CommandError):
        call_command(
            "transfer_business",
            owner="clerk@example.com",
            successor="B",
            reference="R",
            output=str(tmp_path / "a.zip"),
        )
    assert not (tmp_path / "a.zip").exists()
    call_command(
        "transfer_business",
        owner=admin_user.email,
        successor="B",
        reference="R",
        output=str(tmp_path / "b.zip"),
        stdout=io.StringIO(),
    )
    assert zipfile.ZipFile(tmp_path / "b.zip").read("manifest.json")
    assert DisclosureRecord.objects.filter(recipient="business_successor").exists()


def test_backoffice_transfer_page_is_owner_only(admin_client, mfa_login):
    """P23: staff (even with the permission) get 403; the owner gets the ZIP."""
    client = mfa_login(Client(), staff("transfer_business", "view_disclosurerecord"))
    assert client.get("/backoffice/privacy/disclosurerecord/transfer/").status_code == 403
    response = admin_client.post(
        "/backoffice/privacy/disclosurerecord/transfer/",
        {"successor": "Buyer", "reference": "SPA-2", "confirm": "on"},
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="candor-shop-')
    assert DisclosureRecord.objects.filter(recipient="business_successor").exists()


def test_a_business_transfer_shows_in_each_customers_ledger(admin_user):
    """X2, P23: the buyer received everyone's data, so each customer who had an account then
    sees the transfer in their ledger; one who joined later does not."""
    from datetime import timedelta

    from django.utils import timezone

    from candor.privacy.disclosures import records_for
    from candor.privacy.subjects import Subject

    before = UserFactory(email="before@example.com")
    transfer.export_business(
        successor="Buyer Ltd", reference="SPA-2", out=io.BytesIO(), acting_user=admin_user
    )
    later = UserFactory(email="later@example.com", date_joined=timezone.now() + timedelta(days=1))

    seen = records_for(Subject(user_id=before.pk, emails=frozenset({before.email})))
    assert [(r.recipient, r.reference) for r in seen] == [
        ("business_successor", "SPA-2 (Buyer Ltd)")
    ]
    assert not records_for(Subject(user_id=later.pk, emails=frozenset({later.email}))).exists()


@pytest.mark.parametrize("object_id", ["abc", "1%20", "%C3%A9"])
def test_p17_a_legal_request_address_that_is_no_number_is_not_an_error(admin_client, object_id):
    """The change page built its action links before the admin looked the request up, so an
    address that names no number was a 500 (found by tests/test_fuzz_urls.py); now the admin
    answers as for any missing record."""
    admin_client.raise_request_exception = False
    response = admin_client.get(f"/backoffice/privacy/legalrequest/{object_id}/change/")
    assert response.status_code == 302
    assert response["Location"] == "/backoffice/"
