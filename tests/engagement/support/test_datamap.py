"""X1, P5, P21: what support keeps is declared in its data map, the published policy says so,
and the retention job deletes it when the map says (threads 3 years after their last activity,
with everything in them; feedback after 2 years)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from candor.engagement.support import services
from candor.engagement.support.models import (
    Attachment,
    Feedback,
    InternalNote,
    Message,
    Thread,
    ThreadEvent,
)
from candor.privacy import datamap, document
from candor.privacy.datamap import Personal
from candor.privacy.retention import apply_retention

pytestmark = pytest.mark.django_db

SUPPORT_MODELS = [Thread, Message, Attachment, InternalNote, ThreadEvent, Feedback]


def personal_fields(model) -> dict[str, Personal]:
    declaration = datamap.declaration_for(model)
    return {n: s for n, s in declaration.fields.items() if isinstance(s, Personal)}


def test_x1_every_support_field_is_declared():
    for model in SUPPORT_MODELS:
        declaration = datamap.declaration_for(model)
        assert declaration is not None, model
        columns = {f.name for f in model._meta.concrete_fields if not f.primary_key}
        assert set(declaration.fields) == columns, model


def test_x1_p5_categories_purposes_and_retention_are_as_the_policy_says():
    thread = personal_fields(Thread)
    assert thread["email"].category == "contact.email"
    assert "mail_provider" in thread["email"].recipients
    assert thread["name"].category == "identity.name"
    assert thread["subject"].category == "content.support"
    assert thread["assignee"].category == "security.audit"
    assert datamap.declaration_for(Thread).age_field == "last_activity_at"
    for model in (Thread, Message, Attachment, InternalNote, ThreadEvent):
        for name, spec in personal_fields(model).items():
            assert [(s.days, s.then, s.since) for s in spec.retention] == [
                (1095, "delete", "last_activity")
            ], (model, name)
            assert "customer_service" in spec.purposes, (model, name)
            assert not {"marketing", "analytics"} & set(spec.purposes)
    assert personal_fields(InternalNote)["body"].category == "content.staff_note"
    feedback = personal_fields(Feedback)
    assert set(feedback) == {"message", "page_path", "created_at"}
    for spec in feedback.values():
        assert spec.category == "content.feedback"
        assert spec.purposes == ("improvement",)
        assert [(s.days, s.then) for s in spec.retention] == [(730, "delete")]
        assert spec.recipients == ()


def test_p21_the_policy_page_describes_support_and_feedback(client):
    page = client.get(reverse("privacy:policy")).content.decode().replace("&#x27;", "'")
    assert "Your messages to our customer service, and our answers" in page
    assert "Comments you send us about the shop" in page
    assert "support conversations" in page and "site feedback" in page
    assert "3 years after the last message or change in it, deleted" in page
    assert "In site feedback: after 2 years, deleted." in page
    assert "To learn, only in aggregate, how to improve the shop and our service" in page
    retention = {r["data"]: r["periods"] for r in document.build()["retention"]}
    assert {
        "period": "3 years after the last message or change in it, deleted",
        "kept_with": [
            "support attachments",
            "support conversation events",
            "support conversations",
            "support messages",
        ],
    } in retention["your messages to our customer service, and our answers"]
    assert {
        "period": "3 years after the last message or change in it, deleted",
        "kept_with": ["internal support notes"],
    } in retention["notes our staff add to your order or support request"]


def test_p5_x1_the_retention_job_deletes_old_threads_with_everything_in_them(
    open_thread, admin_user
):
    from .conftest import photo

    old = open_thread(images=[_clean(photo())]).thread
    services.add_internal_note(thread=old, body="note", acting_user=admin_user)
    services.close_thread(thread=old, acting_user=admin_user)
    recent = open_thread().thread
    long_ago = timezone.now() - timedelta(days=3 * 365 + 1)
    Thread.objects.filter(pk=old.pk).update(last_activity_at=long_ago)
    Feedback.objects.create(message="old", page_path="/")
    Feedback.objects.create(message="new", page_path="/")
    Feedback.objects.filter(message="old").update(created_at=timezone.now() - timedelta(days=731))
    report = apply_retention()
    assert report.deleted["support.Thread"] == 1
    assert report.deleted["support.Feedback"] == 1
    assert list(Thread.objects.all()) == [recent]
    assert Message.objects.filter(thread=old.pk).count() == 0
    assert not InternalNote.objects.exists() and not ThreadEvent.objects.exists()
    assert not Attachment.objects.exists()
    assert list(Feedback.objects.values_list("message", flat=True)) == ["new"]


def test_p5_activity_keeps_a_thread_alive(open_thread):
    thread = open_thread().thread
    Thread.objects.filter(pk=thread.pk).update(
        last_activity_at=timezone.now() - timedelta(days=3 * 365 - 1)
    )
    import uuid

    services.reply_to_thread(thread=thread, body="Still broken", token=uuid.uuid4())
    apply_retention()
    assert Thread.objects.filter(pk=thread.pk).exists()


def _clean(upload):
    from candor.engagement.support.images import clean_image

    return clean_image(upload)
