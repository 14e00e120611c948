"""A recording mail server for delivery tests: notes every connection and message, and the
outbox as it stood when each message was handed over."""

from django.core.mail.backends.base import BaseEmailBackend

from candor.messaging.models import OutboxMessage

RECORDING_BACKEND = f"{__name__}.RecordingBackend"
DISCONNECTED = "SMTPServerDisconnected: Connection unexpectedly closed"


class RecordingBackend(BaseEmailBackend):
    """A mail server that notes every connection and message, and the outbox as it stood at
    the moment each message was handed over. `failures` maps a recipient to the exception
    its next send raises (once)."""

    log: list[tuple] = []
    failures: dict[str, Exception] = {}
    # recipient -> something that happens elsewhere while that message is being transmitted
    meanwhile: dict = {}

    def __init__(self, fail_silently=False, timeout=None, **kwargs):
        super().__init__(fail_silently=fail_silently)
        self.log.append(("connect", timeout))

    def open(self):
        self.log.append(("open",))
        return True

    def close(self):
        self.log.append(("close",))

    def send_messages(self, email_messages):
        assert len(email_messages) == 1  # one at a time, so each outcome is known
        message = email_messages[0]
        (to,) = message.to
        self.log.append(("send", to, message.message()["Message-ID"], outbox_state()))
        if to in self.meanwhile:
            self.meanwhile.pop(to)()
        if to in self.failures:
            raise self.failures.pop(to)
        return 1


def outbox_state() -> dict[str, tuple[str, int]]:
    return {m.idempotency_key: (m.status, m.attempts) for m in OutboxMessage.objects.all()}


def sends() -> list[str]:
    return [entry[1] for entry in RecordingBackend.log if entry[0] == "send"]
