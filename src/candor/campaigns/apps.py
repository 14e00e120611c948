from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "candor.campaigns"
    label = "campaigns"
    verbose_name = "Campaigns and announcements"

    def ready(self) -> None:
        from candor.privacy.policy import register_announcer

        from .services import announce_policy_change

        register_announcer(announce_policy_change)
