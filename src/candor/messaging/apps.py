from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "candor.messaging"
    label = "messaging"
    verbose_name = "Mail and subscriptions"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system check)
