from django.apps import AppConfig


class SupportConfig(AppConfig):
    name = "candor.engagement.support"
    label = "support"
    verbose_name = "Support"
