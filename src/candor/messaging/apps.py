from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "candor.messaging"
    label = "messaging"
    verbose_name = "Mail and subscriptions"

    def ready(self) -> None:
        # Legal-request notices to customers (P17) go out as transactional mail.
        from functools import partial

        from candor.privacy.legal import register_notifier

        from . import checks  # noqa: F401  (registers the system check)
        from .models import MailClass
        from .services import enqueue

        register_notifier(partial(enqueue, mail_class=MailClass.TRANSACTIONAL, sensitive=False))
