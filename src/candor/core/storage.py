"""Where private files live: not under MEDIA_ROOT, which `/media/` (embedded) and the reverse
proxy (production) serve to anyone who has the URL.

Support photos (they show a customer's goods, parcels, sometimes their home or papers), rights
exports and legal-request documents are kept under PRIVATE_MEDIA_ROOT, which nothing serves;
only views that first check who is asking read them. Public files (product images) stay in
MEDIA_ROOT. A system check (core.E001) refuses a PRIVATE_MEDIA_ROOT inside a served directory.
"""

from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class PrivateStorage(FileSystemStorage):
    """A FileSystemStorage under PRIVATE_MEDIA_ROOT (read at use time) whose files have no
    URL: they are served only by views that check access."""

    def __init__(self) -> None:
        super().__init__(base_url=None)

    @property
    def base_location(self) -> str:  # type: ignore[override]
        return str(settings.PRIVATE_MEDIA_ROOT)

    @property
    def location(self) -> str:  # type: ignore[override]
        return str(Path(self.base_location).resolve())

    def url(self, name: str | None) -> str:
        raise ValueError("Private files have no URL: serve them through a view that checks access.")


def private_storage() -> PrivateStorage:
    """For a FileField's `storage` (a callable, so migrations name it rather than a path)."""
    return PrivateStorage()
