from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "candor.orders"
    label = "orders"
    verbose_name = "Orders and shipping"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the order-screening system checks)
