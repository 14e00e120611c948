from django.apps import AppConfig


class CartConfig(AppConfig):
    name = "candor.cart"
    label = "cart"
    verbose_name = "Carts"
