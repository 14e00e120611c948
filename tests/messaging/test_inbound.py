"""Unsubscribing by mail, the mailto half of List-Unsubscribe (P7)."""

import mailbox
from email.message import EmailMessage
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from candor.messaging import links, subscriptions
from candor.messaging.marketing import unsubscribe_headers
from candor.messaging.models import Subscription, SubscriptionStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def subscriber():
    return Subscription.objects.create(
        email="hina@example.com",
        topic=subscriptions.newsletter_topic(),
        status=SubscriptionStatus.CONFIRMED,
        source="test",
        requested_at=timezone.now(),
    )


def _request(subject: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Hina <hina@example.com>"
    message["To"] = "unsubscribe@candor.example"
    message["Subject"] = subject
    message.set_content("")
    return message


def _mailto_subject(email="hina@example.com") -> str:
    """The subject a mail program writes from our List-Unsubscribe mailto."""
    token = links.unsubscribe_token(email, "newsletter", "campaign:4")
    mailto = unsubscribe_headers(token)["List-Unsubscribe"].split("<")[2].rstrip(">")
    return mailto.split("?subject=")[1]  # still URL-quoted, as some programs leave it


def test_p7_a_request_by_mail_unsubscribes_once_and_is_marked_seen(tmp_path, subscriber):
    box = mailbox.Maildir(tmp_path / "unsubscribe", create=True)
    box.add(_request(_mailto_subject()))
    box.add(_request("unsubscribe not-a-real-token"))
    box.add(_request("Question about my order"))
    out = StringIO()
    call_command("process_unsubscribe_mail", str(tmp_path / "unsubscribe"), stdout=out)
    assert out.getvalue().strip() == "1 unsubscribe request(s) honoured, 2 ignored."
    subscriber.refresh_from_db()
    assert subscriber.status == SubscriptionStatus.UNSUBSCRIBED
    event = subscriber.events.get(action="unsubscribed")
    assert (event.source, event.mailing) == ("unsubscribe by mail", "campaign:4")
    out = StringIO()
    call_command("process_unsubscribe_mail", str(tmp_path / "unsubscribe"), stdout=out)
    assert out.getvalue().strip() == "0 unsubscribe request(s) honoured, 0 ignored."


def test_p7_a_forged_request_by_mail_changes_nothing(tmp_path, subscriber):
    box = mailbox.Maildir(tmp_path / "box", create=True)
    forged = _mailto_subject().replace("unsubscribe%20", "unsubscribe%20x")
    box.add(_request(forged))
    call_command("process_unsubscribe_mail", str(tmp_path / "box"), stdout=StringIO())
    subscriber.refresh_from_db()
    assert subscriber.status == SubscriptionStatus.CONFIRMED


def test_p7_a_folder_that_is_not_a_maildir_is_refused(tmp_path):
    with pytest.raises(CommandError, match="is not a Maildir"):
        call_command("process_unsubscribe_mail", str(tmp_path))
