"""Refresh the product pages' suggestions now (Celery beat does it every hour)."""

from django.core.management.base import BaseCommand

from candor.insights.services import refresh_product_rankings


class Command(BaseCommand):
    help = "Work out 'often bought together' and 'popular' from aggregate counts, and store them."

    def handle(self, *args, **options):
        stored = refresh_product_rankings()
        self.stdout.write(f"{stored} suggestions stored.")
