from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from candor.messaging.inbound import process_maildir


class Command(BaseCommand):
    help = (
        "Honour unsubscribe requests sent by mail (the mailto in List-Unsubscribe): read the "
        "new messages of the unsubscribe mailbox, a Maildir, and mark them seen. Run it from "
        "cron or after each mail fetch."
    )

    def add_arguments(self, parser):
        parser.add_argument("maildir", type=Path)

    def handle(self, *args, maildir: Path, **options):
        if not (maildir / "new").is_dir():
            raise CommandError(f"{maildir} is not a Maildir (it has no new/ folder).")
        result = process_maildir(maildir)
        self.stdout.write(
            f"{result.honoured} unsubscribe request(s) honoured, {result.ignored} ignored."
        )
