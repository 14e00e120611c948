from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "candor.campaigns"
    label = "campaigns"
    verbose_name = "Campaigns and announcements"
