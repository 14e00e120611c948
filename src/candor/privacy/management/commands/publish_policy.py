from django.core.management.base import BaseCommand, CommandError

from candor.privacy import policy


class Command(BaseCommand):
    help = (
        "Publish the privacy policy the code describes now as a new immutable version. A "
        "material change takes effect after the notice period and is announced."
    )

    def add_arguments(self, parser):
        parser.add_argument("--summary", required=True, help="What changed, in a sentence.")

    def handle(self, *args, summary: str, **options):
        try:
            version = policy.publish(summary=summary)
        except policy.NothingToPublish as error:
            raise CommandError(str(error)) from error
        except ValueError as error:
            raise CommandError(str(error)) from error
        kind = "material: announced now" if version.material else "minor"
        self.stdout.write(
            f"Published version {version.number} ({kind}), in effect from "
            f"{version.effective_at:%Y-%m-%d %H:%M}."
        )
