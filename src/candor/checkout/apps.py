from django.apps import AppConfig


class CheckoutConfig(AppConfig):
    name = "candor.checkout"
    label = "checkout"
    verbose_name = "Checkout"
