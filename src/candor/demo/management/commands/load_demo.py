from django.core.management.base import BaseCommand

from candor.demo.services import ensure_policy_published, load_demo


class Command(BaseCommand):
    help = (
        "Load the demo shop (catalogue, shipping, settings) into an empty database, and "
        "publish the first privacy policy version if none exists."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-images", action="store_true", help="Skip drawing placeholder images."
        )

    def handle(self, *args, no_images=False, **options):
        created = load_demo(with_images=not no_images)
        if created:
            self.stdout.write(self.style.SUCCESS(f"Demo shop loaded: {created} products."))
        else:
            self.stdout.write("The catalogue already has products; demo not loaded.")
        published = ensure_policy_published()
        if published:
            self.stdout.write(f"Privacy policy version {published} published.")
