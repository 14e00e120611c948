from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "candor.orders"
    label = "orders"
    verbose_name = "Orders and shipping"
