"""Marketing mail as received over SMTP (P7), and no marketing in mail people can't refuse (P8)."""

import email
import email.policy
import re
import socket

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import Client

from candor.messaging import subscriptions
from candor.messaging.checks import MarketingInNonMarketingMail, refuse_marketing_content
from candor.messaging.marketing import enqueue_marketing
from candor.messaging.models import MailClass, Subscription, SubscriptionStatus
from candor.messaging.services import enqueue

pytestmark = pytest.mark.django_db


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)
        )
        return "250 OK"


@pytest.fixture
def smtp_inbox(settings):
    inbox = Inbox()
    with socket.socket() as probe:  # a free port for the local SMTP server
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    yield inbox
    controller.stop()


@pytest.fixture
def subscriber(db):
    return Subscription.objects.create(
        email="omar@example.com",
        topic=subscriptions.newsletter_topic(),
        status=SubscriptionStatus.CONFIRMED,
        source="test",
        requested_at="2026-11-01T10:00Z",
        confirmed_at="2026-11-01T10:05Z",
    )


def test_p7_a_marketing_mail_received_over_smtp_carries_rfc8058_headers_and_a_visible_way_out(
    smtp_inbox, subscriber, committed
):
    committed(
        enqueue_marketing,
        subscription=subscriber,
        template="messaging/email/test_offer",
        context={},
        idempotency_key="offer:1",
        mailing="campaign:7",
    )
    assert len(smtp_inbox.messages) == 1
    received = smtp_inbox.messages[0]
    assert received["To"] == "omar@example.com"
    assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    targets = re.findall(r"<([^>]+)>", received["List-Unsubscribe"])
    assert [t.split(":", 1)[0] for t in targets] == ["http", "mailto"]
    https_url, mailto = targets
    assert https_url.startswith("http://testserver/mail/unsubscribe/")
    assert mailto.startswith("mailto:unsubscribe@candor.example?subject=unsubscribe%20")
    text = received.get_body(("plain",)).get_content().strip().splitlines()
    assert f"To stop it, unsubscribe here: {https_url}" in text[-4:]
    html = received.get_body(("html",)).get_content()
    assert f'<a href="{https_url}">Unsubscribe</a>' in html

    # What a mail client does with those headers: one POST, no session, no form token.
    response = Client(enforce_csrf_checks=True).post(
        https_url.removeprefix("http://testserver"),
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.status == SubscriptionStatus.UNSUBSCRIBED
    assert subscriber.events.get(action="unsubscribed").mailing == "campaign:7"


def test_p8_transactional_mail_received_over_smtp_has_no_unsubscribe_and_no_offers(
    smtp_inbox, committed
):
    committed(
        enqueue,
        template="messaging/email/preferences_link",
        to_email="omar@example.com",
        context={"preferences_url": "http://testserver/x", "days": 30},
        mail_class=MailClass.TRANSACTIONAL,
        idempotency_key="t:1",
    )
    received = smtp_inbox.messages[0]
    assert received["List-Unsubscribe"] is None
    assert "It contains no advertising." in received.get_body(("plain",)).get_content()


@pytest.fixture
def bad_transactional_template(settings, tmp_path):
    folder = tmp_path / "shop" / "email"
    folder.mkdir(parents=True)
    (folder / "receipt_subject.txt").write_text("Your receipt")
    (folder / "receipt.txt").write_text(
        '{% extends "messaging/email/transactional.txt" %}{% block body %}Thanks.'
        "{% block marketing_offers %}Buy more!{% endblock %}{% endblock %}"
    )
    (folder / "receipt.html").write_text(
        '{% extends "messaging/email/transactional.html" %}{% block body %}Thanks.'
        '{% include "messaging/email/marketing_products.html" %}{% endblock %}'
    )
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], tmp_path]}
    ]
    refuse_marketing_content.cache_clear()
    yield "shop/email/receipt"
    refuse_marketing_content.cache_clear()


def test_p8_the_system_check_refuses_a_marketing_block_in_a_transactional_template(
    bad_transactional_template,
):
    with pytest.raises(SystemCheckError) as refused:
        call_command("check")
    message = str(refused.value)
    assert "messaging.E001" in message
    assert (
        "shop/email/receipt.txt is transactional or service mail but holds block marketing_offers"
        in message
    )
    assert (
        "shop/email/receipt.html" in message
        and "include messaging/email/marketing_products.html" in message
    )


def test_p8_enqueue_refuses_to_write_such_a_message(bad_transactional_template):
    from candor.messaging.models import OutboxMessage

    with pytest.raises(MarketingInNonMarketingMail):
        enqueue(
            template=bad_transactional_template,
            to_email="omar@example.com",
            context={},
            mail_class=MailClass.TRANSACTIONAL,
            idempotency_key="bad:1",
        )
    assert not OutboxMessage.objects.exists()


def test_p8_every_shipped_mail_template_passes_the_check():
    call_command("check")  # raises SystemCheckError on any E001
