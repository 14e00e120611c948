from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "candor.engagement.surveys"
    label = "surveys"
    verbose_name = "Surveys"
