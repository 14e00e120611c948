"""Support photos on disk: serving them only to those the caller has already let in (the
customer, a signed link, staff), never cached, never as a public media URL; and moving those an
earlier version kept in the public MEDIA_ROOT into private storage (candor.core.storage)."""

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404

from . import queries
from .models import Attachment, Thread

ATTACHMENT_DIR = "support"


def attachment_response(thread: Thread, pk: int) -> FileResponse:
    attachment = queries.attachment_of(thread, pk)
    if attachment is None:
        raise Http404("No such attachment in this conversation.")
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404("This attachment is no longer available.") from None
    response = FileResponse(handle, content_type=attachment.content_type)
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "private, no-store"
    return response


def move_to_private_storage() -> int:
    """Move every file under MEDIA_ROOT/support/ to the same name in private storage, where
    attachments are looked for now. Safe to run again or after an interruption: a file is
    deleted from the public root only once its private copy is written. Returns how many
    files left the public root."""
    public, private = default_storage, Attachment._meta.get_field("file").storage
    try:
        _dirs, names = public.listdir(ATTACHMENT_DIR)
    except FileNotFoundError:
        return 0
    for name in names:
        path = f"{ATTACHMENT_DIR}/{name}"
        if not private.exists(path):
            with public.open(path, "rb") as handle:
                saved = private.save(path, handle)
            if saved != path:  # names are random: another file cannot have taken it
                raise RuntimeError(f"{path} was stored as {saved}")
        public.delete(path)
    return len(names)
