from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class PrivacyConfig(AppConfig):
    name = "candor.privacy"
    label = "privacy"
    verbose_name = "Privacy"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system checks)
        from .rights import checks as _rights_checks  # noqa: F401

        # Every installed app's datamap.py declares its models, as admin.py registers them.
        autodiscover_modules("datamap")
