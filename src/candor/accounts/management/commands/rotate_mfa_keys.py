"""Re-encrypt every stored two-factor secret under the first of MFA_ENCRYPTION_KEYS (P14).

Put the new key first in MFA_ENCRYPTION_KEYS (keeping the old one after it), restart, run this,
then remove the old key. Changes nothing if any secret decrypts with none of the keys."""

from allauth.mfa.models import Authenticator
from django.core.management.base import BaseCommand, CommandError

from candor.accounts.mfa_secrets import MFASecretUnreadable, rotate_rows


class Command(BaseCommand):
    help = "Re-encrypt two-factor secrets under the first key of MFA_ENCRYPTION_KEYS."

    def handle(self, *args, **options):
        try:
            changed = rotate_rows(Authenticator)
        except MFASecretUnreadable as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"{changed} authenticator(s) re-encrypted under the first key.")
