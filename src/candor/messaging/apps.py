from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "candor.messaging"
    label = "messaging"
    verbose_name = "Mail outbox"
