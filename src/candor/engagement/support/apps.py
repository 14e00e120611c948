from django.apps import AppConfig


class SupportConfig(AppConfig):
    name = "candor.engagement.support"
    label = "support"
    verbose_name = "Support"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system check)
