from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from candor.privacy import transfer


class Command(BaseCommand):
    help = (
        "Export the whole shop for a successor (P23): owner only, written to the disclosure "
        "ledger. The owner is named by their sign-in email."
    )

    def add_arguments(self, parser):
        parser.add_argument("--owner", required=True, help="The owner's sign-in email.")
        parser.add_argument("--successor", required=True, help="Who receives the shop.")
        parser.add_argument("--reference", required=True, help="The transfer's reference.")
        parser.add_argument("--output", required=True, help="Where to write the ZIP.")

    def handle(self, *args, owner, successor, reference, output, **options):
        user = get_user_model().objects.filter(email__iexact=owner).first()
        if not transfer.may_transfer(user):
            raise CommandError("Only the shop's owner may hand the shop's data to a successor.")
        try:
            with open(output, "xb") as out:
                rows = transfer.export_business(
                    successor=successor, reference=reference, out=out, acting_user=user
                )
        except FileExistsError as error:
            raise CommandError(f"{output} exists; choose a new file.") from error
        except transfer.TransferRefused as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Exported {rows} records to {output}; the ledger records it.")
