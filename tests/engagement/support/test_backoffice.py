"""P5: staff work support threads in the back office: the list (filters by status and
assignee), a thread's conversation, internal notes and history, and the actions, each behind
its permission (`support.answer_thread`, `support.assign_thread`) and each through its service.
Answering mails the customer (transactional, with a fresh signed link) and waits on them."""

import re

import pytest
from django.core import mail
from django.test import Client

from candor.engagement.support import services
from candor.engagement.support.links import thread_from_token
from candor.engagement.support.models import (
    EventKind,
    Feedback,
    InternalNote,
    Message,
    Thread,
    ThreadEvent,
    ThreadStatus,
)
from candor.messaging.models import MailClass, OutboxMessage
from candor.privacy.card_numbers import MASKED_NOTICE

pytestmark = pytest.mark.django_db

BASE = "/backoffice/support/thread/"


def action(client: Client, thread: Thread, name: str, data=None, **extra):
    return client.post(f"{BASE}{thread.pk}/{name}/", data or {}, **extra)


def answer_token(client: Client, thread: Thread) -> str:
    html = client.get(f"{BASE}{thread.pk}/change/").content.decode()
    return re.search(r'name="token" value="([^"]+)"', html)[1]


def flashed(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def snapshot(thread: Thread):
    thread.refresh_from_db()
    return (
        thread.status,
        thread.assignee_id,
        Message.objects.count(),
        InternalNote.objects.count(),
        ThreadEvent.objects.count(),
        OutboxMessage.objects.count(),
    )


# --- the list and the page ------------------------------------------------------------------


def test_p5_staff_list_threads_and_filter_them_by_status_and_assignee(
    admin_client, admin_user, open_thread
):
    open_one = open_thread(subject="Battery").thread
    closed = open_thread(subject="Charger").thread
    services.close_thread(thread=closed, acting_user=admin_user)
    services.assign_thread(thread=open_one, assignee=admin_user, acting_user=admin_user)
    listing = admin_client.get(BASE)
    assert listing.status_code == 200
    assert {t.number for t in listing.context["cl"].result_list} == {
        open_one.number,
        closed.number,
    }
    by_status = admin_client.get(f"{BASE}?status__exact=closed")
    assert [t.number for t in by_status.context["cl"].result_list] == [closed.number]
    by_assignee = admin_client.get(f"{BASE}?assignee__id__exact={admin_user.pk}")
    assert [t.number for t in by_assignee.context["cl"].result_list] == [open_one.number]


def test_p5_the_thread_page_shows_messages_notes_and_history_with_the_forms(
    admin_client, admin_user, open_thread
):
    thread = open_thread().thread
    services.add_internal_note(thread=thread, body="Check the batch", acting_user=admin_user)
    services.assign_thread(thread=thread, assignee=admin_user, acting_user=admin_user)
    html = admin_client.get(f"{BASE}{thread.pk}/change/").content.decode()
    assert "My new phone&#x27;s screen flickers." in html
    assert "Check the batch" in html
    assert f"Assigned (To {admin_user.email}) by {admin_user.email}" in html
    for name in ("answer", "note", "assign", "close"):
        assert f'action="{BASE}{thread.pk}/{name}/"' in html
    assert f'action="{BASE}{thread.pk}/reopen/"' not in html


def test_p5_staff_cannot_add_edit_or_delete_threads_in_the_generic_forms(admin_client, open_thread):
    thread = open_thread().thread
    assert admin_client.get(f"{BASE}add/").status_code == 403
    assert admin_client.post(f"{BASE}{thread.pk}/change/", {"subject": "x"}).status_code == 403
    assert admin_client.post(f"{BASE}{thread.pk}/delete/", {"post": "yes"}).status_code == 403
    thread.refresh_from_db()
    assert thread.subject == "Screen flickers"


# --- answering --------------------------------------------------------------------------------


def test_p5_answering_mails_the_customer_and_waits_on_them(
    admin_client, admin_user, open_thread, django_capture_on_commit_callbacks
):
    thread = open_thread().thread
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = action(
            admin_client,
            thread,
            "answer",
            {"token": answer_token(admin_client, thread), "body": "Please restart the phone."},
            follow=True,
        )
    assert flashed(response) == ["Answer sent to sana@example.com."]
    thread.refresh_from_db()
    assert thread.status == ThreadStatus.WAITING
    answer = thread.messages.last()
    assert (answer.author_kind, answer.staff_user, answer.body) == (
        "staff",
        admin_user,
        "Please restart the phone.",
    )
    row = OutboxMessage.objects.get(idempotency_key=f"support:answer:{answer.pk}")
    assert row.mail_class == MailClass.TRANSACTIONAL and row.sensitive
    assert row.subject == f"Re: Screen flickers ({thread.number})"
    [sent] = mail.outbox
    assert sent.to == ["sana@example.com"]
    assert "Please restart the phone." in sent.body
    token = re.search(r"/support/t/([^/\s]+)/", sent.body)[1]
    assert thread_from_token(token) == thread.number


def test_p5_a_double_submitted_answer_is_one_message_and_one_mail(admin_client, open_thread):
    thread = open_thread().thread
    data = {"token": answer_token(admin_client, thread), "body": "Once"}
    action(admin_client, thread, "answer", data)
    action(admin_client, thread, "answer", data)
    assert thread.messages.filter(body="Once").count() == 1
    assert OutboxMessage.objects.filter(template="support/email/answer").count() == 1


def test_p13_a_card_number_in_an_answer_or_note_is_masked(admin_client, open_thread):
    thread = open_thread().thread
    response = action(
        admin_client,
        thread,
        "answer",
        {"token": answer_token(admin_client, thread), "body": "Your 4242424242424242"},
        follow=True,
    )
    assert MASKED_NOTICE in flashed(response)
    assert thread.messages.last().body == "Your •••• •••• •••• 4242"
    action(admin_client, thread, "note", {"body": "card 4111 1111 1111 1111"})
    assert InternalNote.objects.get().body == "card •••• •••• •••• 1111"


def test_p5_an_empty_answer_is_refused_and_nothing_changes(admin_client, open_thread):
    thread = open_thread().thread
    before = snapshot(thread)
    response = action(
        admin_client,
        thread,
        "answer",
        {"token": answer_token(admin_client, thread), "body": "   "},
        follow=True,
    )
    assert flashed(response) == ["The answer was not sent: This field is required."]
    assert snapshot(thread) == before


# --- notes, assigning, closing ---------------------------------------------------------------


def test_p5_internal_notes_are_for_staff_only(admin_client, admin_user, open_thread):
    thread = open_thread().thread
    response = action(admin_client, thread, "note", {"body": "VIP customer"}, follow=True)
    assert flashed(response) == ["Internal note added."]
    note = InternalNote.objects.get()
    assert (note.thread, note.staff, note.body) == (thread, admin_user, "VIP customer")
    from candor.engagement.support.links import thread_token

    page = Client().get(f"/support/t/{thread_token(thread.number)}/").content.decode()
    assert "VIP customer" not in page


def test_p5_assigning_is_recorded(admin_client, admin_user, staff_member, open_thread):
    thread = open_thread().thread
    response = action(admin_client, thread, "assign", {"assignee": staff_member.pk}, follow=True)
    assert flashed(response) == [f"Assigned to {staff_member.email}."]
    thread.refresh_from_db()
    assert thread.assignee == staff_member
    event = ThreadEvent.objects.get()
    assert (event.kind, event.acting_user, event.detail) == (
        EventKind.ASSIGNED,
        admin_user,
        f"To {staff_member.email}",
    )
    action(admin_client, thread, "assign", {"assignee": ""})
    thread.refresh_from_db()
    assert thread.assignee is None
    assert ThreadEvent.objects.last().detail == "To nobody"


def test_p5_threads_are_assigned_only_to_staff(admin_client, open_thread, shopper):
    thread = open_thread().thread
    before = snapshot(thread)
    response = action(admin_client, thread, "assign", {"assignee": shopper.pk}, follow=True)
    assert flashed(response) == [
        "Not assigned: Select a valid choice. That choice is not one of the available choices."
    ]
    assert snapshot(thread) == before
    with pytest.raises(services.SupportError):
        services.assign_thread(thread=thread, assignee=shopper, acting_user=shopper)


def test_p5_closing_and_reopening_are_recorded_and_idempotent(
    admin_client, admin_user, open_thread
):
    thread = open_thread().thread
    action(admin_client, thread, "close")
    action(admin_client, thread, "close")
    thread.refresh_from_db()
    assert thread.status == ThreadStatus.CLOSED
    html = admin_client.get(f"{BASE}{thread.pk}/change/").content.decode()
    assert f'action="{BASE}{thread.pk}/reopen/"' in html
    action(admin_client, thread, "reopen")
    thread.refresh_from_db()
    assert thread.status == ThreadStatus.OPEN
    assert list(ThreadEvent.objects.values_list("kind", "acting_user")) == [
        (EventKind.CLOSED, admin_user.pk),
        (EventKind.REOPENED, admin_user.pk),
    ]


# --- permissions and methods ------------------------------------------------------------------


def test_p5_staff_without_the_permission_are_refused_and_nothing_changes(staff_client, open_thread):
    thread = open_thread().thread
    viewer = staff_client("view_thread")
    assert viewer.get(f"{BASE}{thread.pk}/change/").status_code == 200
    html = viewer.get(f"{BASE}{thread.pk}/change/").content.decode()
    assert f'action="{BASE}{thread.pk}/answer/"' not in html
    before = snapshot(thread)
    for name, data in (
        ("answer", {"token": "a1b2c3d4-0000-4000-8000-000000000000", "body": "Hi"}),
        ("note", {"body": "x"}),
        ("assign", {"assignee": ""}),
        ("close", {}),
        ("reopen", {}),
    ):
        assert action(viewer, thread, name, data).status_code == 403, name
    assert snapshot(thread) == before


def test_p5_answering_does_not_allow_assigning(staff_client, staff_member, open_thread):
    thread = open_thread().thread
    agent = staff_client("view_thread", "answer_thread")
    assert action(agent, thread, "assign", {"assignee": staff_member.pk}).status_code == 403
    assert action(agent, thread, "note", {"body": "ok"}).status_code == 302
    assert InternalNote.objects.count() == 1
    thread.refresh_from_db()
    assert thread.assignee is None


def test_p5_staff_actions_are_post_only(admin_client, open_thread):
    thread = open_thread().thread
    before = snapshot(thread)
    for name in ("answer", "note", "assign", "close", "reopen"):
        assert admin_client.get(f"{BASE}{thread.pk}/{name}/").status_code == 405, name
    assert snapshot(thread) == before


def test_p5_customers_never_reach_the_back_office(browser, open_thread):
    thread = open_thread().thread
    response = action(browser, thread, "close")
    assert response.status_code == 302 and "/login/" in response["Location"]
    thread.refresh_from_db()
    assert thread.status == ThreadStatus.OPEN


def test_p5_services_refuse_people_who_are_not_staff(open_thread, shopper):
    thread = open_thread().thread
    for call in (
        lambda: services.answer_thread(thread=thread, body="x", acting_user=shopper),
        lambda: services.add_internal_note(thread=thread, body="x", acting_user=None),
        lambda: services.close_thread(thread=thread, acting_user=shopper),
    ):
        with pytest.raises(services.SupportError, match="Only staff can do this."):
            call()
    assert thread.messages.count() == 1 and not InternalNote.objects.exists()


# --- site feedback, read-only -----------------------------------------------------------------


def test_p5_staff_read_feedback_but_cannot_change_it(admin_client):
    feedback = Feedback.objects.create(message="Search is slow", page_path="/search/")
    listing = admin_client.get("/backoffice/support/feedback/")
    assert listing.status_code == 200
    assert "Search is slow" in listing.content.decode()
    assert admin_client.get("/backoffice/support/feedback/add/").status_code == 403
    base = f"/backoffice/support/feedback/{feedback.pk}"
    assert admin_client.post(f"{base}/change/", {"message": "x"}).status_code == 403
    assert admin_client.post(f"{base}/delete/", {"post": "yes"}).status_code == 403
    feedback.refresh_from_db()
    assert feedback.message == "Search is slow"


def test_p15_the_services_refuse_staff_without_the_customer_service_permission(
    open_thread, staff_member
):
    """The admin checks the permissions, and so do the services, for every other caller."""
    from candor.engagement.support.models import Message
    from candor.engagement.support.services import SupportError, answer_thread, assign_thread

    thread = open_thread().thread
    with pytest.raises(SupportError, match="You do not have permission to do this."):
        answer_thread(thread=thread, body="Hello", acting_user=staff_member)
    with pytest.raises(SupportError, match="You do not have permission to do this."):
        assign_thread(thread=thread, assignee=staff_member, acting_user=staff_member)
    assert Message.objects.filter(thread=thread).count() == 1
    thread.refresh_from_db()
    assert thread.assignee is None
