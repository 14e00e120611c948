"""Rights requests (P20, X2): filing, verification, self-service completion, erasure with its
preview and scan, refusals, due dates, reminders and the staff queue."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core import signing
from django.test import Client
from django.utils import timezone

from candor.messaging.models import OutboxMessage
from candor.privacy.rights import links, services
from candor.privacy.rights.checks import check_rights_request_target
from candor.privacy.rights.models import (
    EventAction,
    RequestStatus,
    RightsRequest,
    RightsRequestEvent,
)
from tests.factories import UserFactory, VerifiedEmailFactory

pytestmark = pytest.mark.django_db


def mails_to(email: str) -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(to_email=email).order_by("id"))


def link_in(message) -> str:
    """The request link in a delivered message (sensitive bodies are cleared from the outbox
    once sent, so tests read what was delivered)."""
    return re.search(r"http://\S+/privacy/requests/r/(\S+?)/", message.body).group(1)


def delivered(mailoutbox, email: str):
    return [m for m in mailoutbox if m.to == [email]]


def actions(request: RightsRequest) -> list[str]:
    return list(request.events.values_list("action", flat=True))


def guest_files(client, kind="stop_mail", email="guest@example.com", **extra):
    return client.post("/privacy/requests/new/", {"kind": kind, "email": email, **extra})


# --- guests ---------------------------------------------------------------------------------


def test_p20_guest_request_mails_a_verification_link_and_waits(client, committed, mailoutbox):
    response = committed(guest_files, client)
    assert response.status_code == 200
    assert b"Check your mail" in response.content
    request = RightsRequest.objects.get()
    assert (request.kind, request.email, request.status, request.emails) == (
        "stop_mail",
        "guest@example.com",
        RequestStatus.RECEIVED,
        [],
    )
    assert request.due_at - request.received_at == timedelta(days=7)
    [verify] = mails_to("guest@example.com")
    assert verify.sensitive is True
    assert links.read_request_token(
        link_in(delivered(mailoutbox, request.email)[0])
    ).request_id == (request.pk)
    assert actions(request) == ["received", "verification_sent"]


def test_p20_get_of_the_link_changes_nothing_post_verifies_and_stop_mail_completes(
    client, committed, mailoutbox
):
    committed(guest_files, client)
    token = link_in(delivered(mailoutbox, "guest@example.com")[0])
    page = client.get(f"/privacy/requests/r/{token}/")
    assert page.status_code == 200
    assert RightsRequest.objects.get().status == RequestStatus.RECEIVED
    response = committed(client.post, f"/privacy/requests/r/{token}/", {"action": "verify"})
    assert response.status_code == 302
    request = RightsRequest.objects.get()
    assert request.status == RequestStatus.DONE
    assert request.emails == ["guest@example.com"]
    assert actions(request) == ["received", "verification_sent", "verified", "started", "done"]
    keys = [m.idempotency_key for m in mails_to("guest@example.com")]
    assert keys == [
        f"rights:{request.pk}:{step}" for step in ("verify", "verified", "in_progress", "done")
    ]


@pytest.mark.parametrize("tamper", ["forged", "other_salt"])
def test_p20_forged_links_are_refused_audited_and_disclose_nothing(
    client, committed, tamper, mailoutbox
):
    committed(guest_files, client)
    request = RightsRequest.objects.get()
    token = (
        link_in(delivered(mailoutbox, "guest@example.com")[0])[:-2] + "xx"
        if tamper == "forged"
        else signing.dumps({"r": request.pk, "n": request.verify_nonce}, salt="other")
    )
    response = client.post(f"/privacy/requests/r/{token}/", {"action": "verify"})
    assert response.status_code == 404
    assert b"This link is not valid" in response.content
    assert b"guest@example.com" not in response.content
    request.refresh_from_db()
    assert request.status == RequestStatus.RECEIVED
    refused = RightsRequestEvent.objects.get(action=EventAction.LINK_REFUSED)
    assert (refused.request, refused.note) == (None, "invalid link")


def test_p20_an_expired_link_is_refused_and_recorded_on_its_request(
    client, committed, settings, mailoutbox
):
    committed(guest_files, client)
    token = link_in(delivered(mailoutbox, "guest@example.com")[0])
    settings.RIGHTS_REQUEST_LINK_DAYS = 0
    response = client.post(f"/privacy/requests/r/{token}/", {"action": "verify"})
    assert response.status_code == 410
    assert b"This link has expired" in response.content
    request = RightsRequest.objects.get()
    assert request.status == RequestStatus.RECEIVED
    assert actions(request)[-1] == "link_refused"


def test_p20_a_link_for_a_nonce_that_does_not_match_is_refused(client, committed):
    committed(guest_files, client)
    request = RightsRequest.objects.get()
    token = links.request_token(request.pk, "0" * 32)
    assert client.get(f"/privacy/requests/r/{token}/").status_code == 404
    assert actions(request)[-1] == "link_refused"


def test_p20_double_submission_files_one_request_and_one_mail(client, committed):
    committed(guest_files, client)
    committed(guest_files, client)
    assert RightsRequest.objects.count() == 1
    assert len(mails_to("guest@example.com")) == 1


def test_p20_p14_unverified_requests_from_anyone_never_block_the_owner(client, committed):
    """Anyone can file for any address: three (or six) unverified requests for it, from
    anywhere, must not keep its owner from filing theirs."""
    for n, kind in enumerate(("stop_mail", "access", "restriction", "disable")):
        stranger = Client(REMOTE_ADDR=f"198.51.100.{n + 1}")
        assert (
            committed(guest_files, stranger, kind=kind, email="owner@example.com").status_code
            == 200
        )
    owner = Client(REMOTE_ADDR="203.0.113.50")
    response = committed(guest_files, owner, kind="erasure", email="owner@example.com")
    assert response.status_code == 200
    assert RightsRequest.objects.filter(email="owner@example.com").count() == 5


def test_p20_the_per_address_limit_counts_requests_the_owner_verified(client, committed):
    """Three requests verified for one address in a day: a fourth is refused (429) with the
    reason, and nothing is filed."""
    now = timezone.now()
    for kind in ("stop_mail", "access", "restriction"):
        RightsRequest.objects.create(
            kind=kind,
            email="owner@example.com",
            status=RequestStatus.DONE,
            verified_at=now - timedelta(hours=2),
            received_at=now - timedelta(hours=2),
            due_at=now,
        )
    response = committed(guest_files, client, kind="erasure", email="owner@example.com")
    assert response.status_code == 429
    assert b"already confirmed several times today" in response.content
    assert RightsRequest.objects.count() == 3
    RightsRequest.objects.update(verified_at=now - timedelta(days=1, minutes=1))
    assert (
        committed(guest_files, client, kind="erasure", email="owner@example.com").status_code == 200
    )


def test_p20_behind_the_proxy_the_client_limit_counts_each_visitor_not_the_proxy(
    committed, settings
):
    """TRUSTED_PROXY_COUNT=1 (production): every request comes from the proxy's address, and
    the limit must count the visitor the proxy names in X-Forwarded-For."""
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = Client(REMOTE_ADDR="10.0.0.2")

    def file(email, forwarded_for):
        data = {"kind": "stop_mail", "email": email}
        return committed(
            proxy.post, "/privacy/requests/new/", data, HTTP_X_FORWARDED_FOR=forwarded_for
        )

    for n in range(12):
        assert file(f"visitor{n}@example.com", f"192.0.2.{n + 1}").status_code == 200, n
    # One visitor who goes on is stopped at ten an hour, forged entries on the left or not.
    for n in range(10):
        assert file(f"again{n}@example.com", f"10.9.9.{n}, 198.51.100.7").status_code == 200
    refused = file("more@example.com", "198.51.100.7")
    assert refused.status_code == 429
    assert b"Too many requests from your connection" in refused.content
    assert not RightsRequest.objects.filter(email="more@example.com").exists()


def test_p20_bad_input_re_renders_the_form(client):
    response = client.post("/privacy/requests/new/", {"kind": "everything", "email": "nope"})
    assert response.status_code == 400
    assert RightsRequest.objects.count() == 0


def test_p13_p20_card_numbers_in_details_are_masked(committed):
    filed = committed(
        services.file_request,
        kind="correction",
        email="g@example.com",
        details="my card 4111 1111 1111 1111 is wrong",
    )
    assert filed.masked is True
    assert "4111 1111 1111 1111" not in RightsRequest.objects.get().details


# --- signed-in customers: the privacy centre ------------------------------------------------


@pytest.fixture
def member(client):
    user = UserFactory(email="member@example.com", first_name="Mina", last_name="Raza")
    VerifiedEmailFactory(user=user)
    VerifiedEmailFactory(user=user, email="other@example.com", primary=False)
    client.force_login(user)
    return user


def test_p20_x2_privacy_centre_lists_everything_in_pinned_queries(
    client, member, django_assert_num_queries
):
    with django_assert_num_queries(14):
        response = client.get("/account/privacy/")
    assert response.status_code == 200
    for text in (
        b"Download everything",
        b"Restrict processing",
        b"Delete my account",
        b"Who received your data",
        b"Your cookie choices",
        b"Privacy policy versions",
        b"Mail preferences",
    ):
        assert text in response.content


def test_p20_download_builds_a_zip_mails_a_signed_link_that_expires(
    client, member, committed, settings, mailoutbox
):
    committed(client.post, "/account/privacy/download/")
    request = RightsRequest.objects.get()
    assert (request.kind, request.status, request.user) == ("access", "done", member)
    assert request.emails == ["member@example.com", "other@example.com"]
    done = OutboxMessage.objects.get(idempotency_key=f"rights:{request.pk}:done")
    assert done.sensitive is True
    [delivered_done] = [m for m in mailoutbox if "ready to download" in m.subject]
    path = re.search(r"http://\S+(/privacy/requests/download/\S+?/)", delivered_done.body).group(1)
    response = Client().get(path)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response.content[:2] == b"PK"
    settings.RIGHTS_EXPORT_LINK_DAYS = 0
    assert Client().get(path).status_code == 410


def test_p20_the_export_file_is_removed_once_its_link_has_expired(client, member, committed):
    """The ZIP holds everything about the customer: it goes when its link can no longer fetch
    it, and the request records that it went."""
    from datetime import timedelta

    from django.utils import timezone

    committed(client.post, "/account/privacy/download/")
    request = RightsRequest.objects.get()
    storage = services.private_storage()
    assert storage.exists(request.export_file)

    assert services.remove_expired_exports() == 0  # the link still works
    from django.conf import settings

    later = timezone.now() + timedelta(days=settings.RIGHTS_EXPORT_LINK_DAYS, minutes=1)
    assert services.remove_expired_exports(now=later) == 1
    assert not storage.exists(request.export_file)
    request.refresh_from_db()
    assert request.export_file == ""
    assert request.events.filter(action="export_removed").count() == 1
    assert services.remove_expired_exports(now=later) == 0


def test_p20_restriction_from_the_centre_completes_without_staff(client, member, committed):
    committed(client.post, "/account/privacy/restrict/")
    member.refresh_from_db()
    assert member.processing_restricted is True
    assert RightsRequest.objects.get().status == RequestStatus.DONE
    committed(client.post, "/account/privacy/restrict/", {"lift": "1"})
    member.refresh_from_db()
    assert member.processing_restricted is False


def test_p20_someone_elses_request_is_not_found(client, member, committed):
    other = UserFactory(email="else@example.com")
    theirs = committed(services.file_request, kind="access", email=other.email, user=other).request
    assert client.get(f"/account/privacy/requests/{theirs.pk}/").status_code == 404
    assert client.post(f"/account/privacy/requests/{theirs.pk}/").status_code == 404


def test_p20_deleting_the_account_shows_the_preview_then_erases_on_confirmation(
    client, member, committed
):
    response = committed(client.post, "/account/privacy/delete/")
    request = RightsRequest.objects.get()
    assert response.url == f"/account/privacy/requests/{request.pk}/"
    assert request.status == RequestStatus.VERIFIED
    assert request.preview is not None
    page = client.get(response.url)
    assert b"Delete my account and data" in page.content
    committed(client.post, response.url)
    request.refresh_from_db()
    assert request.status == RequestStatus.DONE
    assert request.account_id == member.pk
    # The account is erased (deleted or stripped of the address, as its eraser decides).
    assert not type(member).objects.filter(email="member@example.com").exists()
    assert request.scan_result["hits"] == []
    assert "accounts" in request.steps_done


def test_p20_a_staff_members_erasure_waits_for_staff(committed):
    staff = UserFactory(email="staffer@example.com", is_staff=True)
    filed = committed(services.file_request, kind="erasure", email=staff.email, user=staff)
    committed(services.confirm_erasure, request=filed.request, acting_user=staff)
    filed.request.refresh_from_db()
    assert filed.request.status == RequestStatus.VERIFIED
    assert filed.request.confirmed_at is not None
    assert OutboxMessage.objects.filter(
        idempotency_key=f"rights:{filed.request.pk}:queued"
    ).exists()


def test_p20_a_guest_erasure_of_a_staff_members_address_waits_for_staff(committed):
    """Verified by the mailed link, a guest's erasure reaches the account holding the address:
    a staff account is never erased without staff."""
    staff = UserFactory(email="clerk@example.com", is_staff=True)
    filed = committed(services.file_request, kind="erasure", email="Clerk@example.com").request
    committed(services.verify, request=filed)
    committed(services.confirm_erasure, request=filed, acting_user=None)

    filed.refresh_from_db()
    staff.refresh_from_db()
    assert filed.status == RequestStatus.VERIFIED
    assert (staff.email, staff.is_active) == ("clerk@example.com", True)


def test_p20_an_erasure_does_not_run_before_confirmation():
    user = UserFactory(email="wait@example.com")
    request = services.file_request(kind="erasure", email=user.email, user=user).request
    with pytest.raises(services.RightsError, match="confirm its preview"):
        services.run_request(request_id=request.pk)
    request.refresh_from_db()
    assert request.status == RequestStatus.VERIFIED


# --- 6b: a failed run resumes from where it stopped -----------------------------------------


def test_p20_a_failed_erasure_resumes_from_its_recorded_steps(monkeypatch, committed):
    from candor.privacy import registry

    user = UserFactory(email="resume@example.com")
    request = services.file_request(kind="erasure", email=user.email, user=user).request
    services.confirm_erasure(request=request, acting_user=user)
    labels = [h.app_label for h in registry.holders()]
    failing = labels[1]
    original = registry._holders[failing]
    calls: list[str] = []

    def broken(subject):
        raise RuntimeError("database went away")

    monkeypatch.setitem(
        registry._holders,
        failing,
        registry.Holder(failing, original.export, broken, original.preview),
    )
    with pytest.raises(RuntimeError):
        services.run_request(request_id=request.pk)
    request.refresh_from_db()
    assert request.status == RequestStatus.IN_PROGRESS
    assert request.steps_done == [labels[0]]
    assert actions(request)[-1] == "failed"

    def counted(subject):
        calls.append(failing)
        return original.erase(subject)

    monkeypatch.setitem(
        registry._holders,
        failing,
        registry.Holder(failing, original.export, counted, original.preview),
    )
    services.run_request(request_id=request.pk)
    request.refresh_from_db()
    assert request.status == RequestStatus.DONE
    assert request.steps_done == sorted(labels)
    assert calls == [failing]
    assert (
        list(request.events.filter(action="step_done").values_list("note", flat=True)).count(
            labels[0]
        )
        == 1
    )


# --- staff ----------------------------------------------------------------------------------


def test_p20_refusal_needs_a_reason_and_tells_the_requester(admin_client, admin_user, committed):
    request = committed(services.file_request, kind="correction", email="c@example.com").request
    url = f"/backoffice/privacy/rightsrequest/{request.pk}/act/refuse/"
    assert admin_client.post(url, {"reason": ""}).status_code == 400
    request.refresh_from_db()
    assert request.status == RequestStatus.RECEIVED
    committed(admin_client.post, url, {"reason": "We could not confirm the address."})
    request.refresh_from_db()
    assert (request.status, request.refusal_reason) == (
        "refused",
        "We could not confirm the address.",
    )
    refused = OutboxMessage.objects.get(idempotency_key=f"rights:{request.pk}:refused")
    assert "We could not confirm the address." in refused.body_text
    assert request.events.get(action="refused").acting_user == admin_user


def test_p20_staff_run_an_erasure_from_the_queue_without_customer_confirmation(
    admin_client, committed
):
    user = UserFactory(email="queued@example.com")
    request = services.file_request(kind="erasure", email=user.email, user=user).request
    response = committed(
        admin_client.post, f"/backoffice/privacy/rightsrequest/{request.pk}/act/run/"
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == RequestStatus.DONE
    assert request.scan_result["hits"] == []


def test_p15_p20_staff_without_permission_get_403(client, mfa_login):
    request = services.file_request(kind="access", email="x@example.com").request
    viewer = UserFactory(email="viewer@example.com", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_rightsrequest"))
    mfa_login(client, viewer)
    assert client.get(f"/backoffice/privacy/rightsrequest/{request.pk}/change/").status_code == 200
    response = client.post(
        f"/backoffice/privacy/rightsrequest/{request.pk}/act/refuse/", {"reason": "no"}
    )
    assert response.status_code == 403
    request.refresh_from_db()
    assert request.status == RequestStatus.RECEIVED
    assert list(
        request.events.filter(action="refused_attempt").values_list("acting_user", "note")
    ) == [(viewer.pk, "refuse: no permission")]
    nobody = UserFactory(email="nobody@example.com", is_staff=True)
    mfa_login(client, nobody)
    assert client.get("/backoffice/privacy/rightsrequest/").status_code == 403


def test_p20_queue_lists_requests_by_due_date(admin_client):
    services.file_request(kind="access", email="a@example.com")
    response = admin_client.get("/backoffice/privacy/rightsrequest/")
    assert response.status_code == 200
    assert b"a@example.com" in response.content


# --- due dates and reminders ----------------------------------------------------------------


def test_p20_the_target_follows_settings_and_the_check_refuses_more_than_30_days(settings):
    settings.RIGHTS_REQUEST_TARGET_DAYS = 3
    request = services.file_request(kind="access", email="d@example.com").request
    assert request.due_at - request.received_at == timedelta(days=3)
    assert check_rights_request_target() == []
    settings.RIGHTS_REQUEST_TARGET_DAYS = 31
    [error] = check_rights_request_target()
    assert error.id == "privacy.E010"


def test_p20_reminders_go_to_the_assignee_or_privacy_officers_once_a_day(committed):
    officer = UserFactory(email="officer@example.com", is_staff=True)
    officer.user_permissions.add(Permission.objects.get(codename="work_rightsrequest"))
    UserFactory(email="clerk@example.com", is_staff=True)
    assignee = UserFactory(email="assignee@example.com", is_staff=True)
    soon = services.file_request(kind="access", email="soon@example.com").request
    later = services.file_request(kind="stop_mail", email="later@example.com").request
    mine = services.file_request(kind="restriction", email="mine@example.com").request
    now = timezone.now()
    # Only verified requests are worked (and reminded of); unverified ones wait for the owner.
    RightsRequest.objects.update(status="verified")
    unverified = services.file_request(kind="access", email="nobody@example.com").request
    RightsRequest.objects.filter(pk=unverified.pk).update(due_at=now - timedelta(days=1))
    RightsRequest.objects.filter(pk=soon.pk).update(due_at=now + timedelta(days=1))
    RightsRequest.objects.filter(pk=mine.pk).update(
        due_at=now - timedelta(hours=1), assignee=assignee
    )
    assert committed(services.send_reminders, now=now) == 2
    assert len(mails_to("officer@example.com")) == 1
    assert "Due soon" in mails_to("officer@example.com")[0].subject
    assert "Overdue" in mails_to("assignee@example.com")[0].subject
    assert mails_to("clerk@example.com") == []
    assert not later.events.filter(action="reminded").exists()
    assert not unverified.events.filter(action="reminded").exists()
    assert committed(services.send_reminders, now=now + timedelta(hours=1)) == 0


def test_p15_p20_the_privacy_centre_counts_what_staff_revealed(client, member):
    """Each reveal of the customer's details by staff is counted for them; refused attempts
    (nothing shown) are not."""
    from candor.privacy.staff_access import RevealRefused, reveal

    staff = UserFactory(is_staff=True, is_superuser=True)
    assert (
        b"No member of our staff has revealed your personal details."
        in client.get("/account/privacy/").content
    )
    for reason in ("Courier asked for the address", "Customer called about delivery"):
        reveal(obj=member, family="contact", reason=reason, acting_user=staff, may_view_record=True)
    with pytest.raises(RevealRefused):
        reveal(obj=member, family="contact", reason="?", acting_user=staff, may_view_record=True)

    html = client.get("/account/privacy/").content.decode()
    assert "Our staff revealed your personal details 2 times" in html


def test_p20_p8_a_restricted_customer_still_gets_their_order_mail(place, variant):
    """Restriction stops marketing, analytics counting and publication, not the service the
    customer asked for: the order is taken and its mail goes out."""
    from candor.accounts.services import restrict_processing
    from candor.messaging.models import MailClass

    buyer = UserFactory(email="ayesha@example.com")
    restrict_processing(user=buyer, restricted=True)
    order = place({variant.pk: 1}, user=buyer)

    mail = OutboxMessage.objects.get(idempotency_key=f"order:{order.number}:placed")
    assert (mail.to_email, mail.mail_class) == ("ayesha@example.com", MailClass.TRANSACTIONAL)


def test_p20_a_strangers_unverified_requests_do_not_block_the_owner(client, member, committed):
    """Anyone can file a request for any address; until it is verified it stands in nobody's
    way: the signed-in owner's own request is filed and carried out."""
    for kind in ("access", "erasure"):
        stranger = committed(services.file_request, kind=kind, email="member@example.com").request
        assert (stranger.status, stranger.user) == ("received", None)

    committed(client.post, "/account/privacy/download/")
    mine = RightsRequest.objects.get(kind="access", user=member)
    assert mine.status == "done"
    response = client.post("/account/privacy/delete/")
    erasure = RightsRequest.objects.get(kind="erasure", user=member)
    assert response["Location"] == f"/account/privacy/requests/{erasure.pk}/"
    assert client.get(response["Location"]).status_code == 200


def test_p20_unverified_requests_expire_with_their_link(committed):
    from django.conf import settings

    filed = committed(services.file_request, kind="access", email="late@example.com").request
    assert services.expire_unverified() == 0
    later = timezone.now() + timedelta(days=settings.RIGHTS_REQUEST_LINK_DAYS, minutes=1)
    assert services.expire_unverified(now=later) == 1
    filed.refresh_from_db()
    assert (filed.status, filed.refusal_reason) == (
        "refused",
        "The address was not confirmed before the link expired.",
    )
    assert services.expire_unverified(now=later) == 0


def test_p20_a_correction_applies_the_name_and_a_valid_phone(member, committed):
    filed = committed(
        services.file_request,
        kind="correction",
        email=member.email,
        user=member,
        corrections={"name": "Mina Raza Khan", "phone": "0300 1234567"},
    ).request
    filed.refresh_from_db()
    member.refresh_from_db()
    assert filed.status == RequestStatus.DONE
    assert (member.first_name, member.last_name, str(member.phone)) == (
        "Mina",
        "Raza Khan",
        "+923001234567",
    )


def test_p20_a_correction_with_nothing_valid_to_apply_waits_for_staff(member, committed):
    """An invalid phone number is not stored; with nothing applied, the request stays open for
    staff, and no recipient is told of a correction that did not happen."""
    filed = committed(
        services.file_request,
        kind="correction",
        email=member.email,
        user=member,
        corrections={"phone": "not a phone"},
    ).request
    filed.refresh_from_db()
    member.refresh_from_db()
    assert filed.status == RequestStatus.IN_PROGRESS
    assert filed.events.filter(action="failed").exists()
    assert str(member.phone or "") != "not a phone"
    assert not filed.recipients_told


@pytest.mark.postgres
def test_p20_a_request_already_being_carried_out_is_not_run_twice(member, on_postgres):
    """The beat task and a staff member's "run" can start one request together: the second
    is refused, so an access request never leaves two copies of someone's data on disk."""
    from django.db import connections

    request = services.file_request(kind="access", email=member.email, user=member).request
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_lock(hashtext(%s))", [f"rights-request-run:{request.pk}"]
            )
        with pytest.raises(services.RightsError, match="being carried out already"):
            services.run_request(request_id=request.pk)
        request.refresh_from_db()
        assert request.export_file == ""
    finally:
        other.close()
    assert services.run_request(request_id=request.pk).status == RequestStatus.DONE
