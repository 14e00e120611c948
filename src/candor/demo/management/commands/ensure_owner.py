from django.conf import settings
from django.core.management.base import BaseCommand

from candor.demo.services import OWNER_EMAIL, ensure_owner

# P14: the back office opens only after two-factor sign-in; the owner is told before the first
# visit, and the back office itself sends them to the enrolment page.
MFA_STEPS = (
    "  Two-factor authentication is required for the back office. On your first visit you\n"
    "  will be asked to set up an authenticator app (scan the QR code, enter a code) and to\n"
    "  keep the recovery codes shown; after that, every sign-in asks for a code from the app.\n"
)


class Command(BaseCommand):
    help = (
        "Create the shop owner's account if there is none, print its password once, and say "
        "how to enrol two-factor authentication."
    )

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
            self.stdout.write(MFA_STEPS)
        else:
            self.stdout.write(f"\nBack office: {url} (owner account already exists)\n")
            self.stdout.write(MFA_STEPS)
