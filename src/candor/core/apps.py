from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "candor.core"
    label = "core"
    verbose_name = "Shop settings"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system check)
