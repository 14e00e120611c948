"""Move support photos from the public MEDIA_ROOT to PRIVATE_MEDIA_ROOT (once, after upgrading
to a version that keeps them private). Safe to run any number of times."""

from django.conf import settings
from django.core.management.base import BaseCommand

from candor.engagement.support.files import move_to_private_storage


class Command(BaseCommand):
    help = "Move support photos from MEDIA_ROOT/support/ to PRIVATE_MEDIA_ROOT/support/."

    def handle(self, *args, **options):
        moved = move_to_private_storage()
        self.stdout.write(
            f"{moved} support photo file(s) moved to {settings.PRIVATE_MEDIA_ROOT}."
            if moved
            else "No support photos left in MEDIA_ROOT."
        )
