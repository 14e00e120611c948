"""Make the staff role groups match accounts/roles.py (P15). Safe to run any number of times."""

from django.core.management.base import BaseCommand, CommandError

from candor.accounts.roles import ROLES, ensure_roles


class Command(BaseCommand):
    help = "Create or update the staff role groups from the declared matrix (accounts/roles.py)."

    def handle(self, *args, **options):
        missing = ensure_roles()
        if missing:
            raise CommandError(f"Permissions named in the roles matrix do not exist: {missing}")
        self.stdout.write(f"{len(ROLES)} roles up to date.")
