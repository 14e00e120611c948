from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "candor.insights"
    label = "insights"
    verbose_name = "Insights"
