from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "candor.payments"
    label = "payments"
    verbose_name = "Payments"
