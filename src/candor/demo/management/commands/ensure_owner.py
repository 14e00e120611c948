from django.conf import settings
from django.core.management.base import BaseCommand

from candor.demo.services import OWNER_EMAIL, ensure_owner


class Command(BaseCommand):
    help = "Create the shop owner's account if there is none, and print its password once."

    def handle(self, *args, **options):
        password = ensure_owner()
        url = f"{settings.SITE_URL}/backoffice/"
        if password:
            self.stdout.write(
                self.style.SUCCESS(
                    f"\nBack office: {url}\n  email:    {OWNER_EMAIL}\n  password: {password}\n"
                    "  (shown once; change it after signing in)\n"
                )
            )
        else:
            self.stdout.write(f"\nBack office: {url} (owner account already exists)\n")
