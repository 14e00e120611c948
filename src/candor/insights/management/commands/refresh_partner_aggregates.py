"""Store the partner reports' daily aggregates now (Celery beat does it every hour)."""

from django.core.management.base import BaseCommand

from candor.insights.daily import refresh_daily_aggregates


class Command(BaseCommand):
    help = "Count and store the daily aggregates the partner reports read (PostgreSQL only)."

    def handle(self, *args, **options):
        days = refresh_daily_aggregates()
        self.stdout.write(f"{days} days counted.")
