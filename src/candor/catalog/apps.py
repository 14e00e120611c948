from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "candor.catalog"
    label = "catalog"
    verbose_name = "Catalogue"
