"""Serving a conversation's photos: only to those the caller has already let in (the customer,
a signed link, staff), never cached, never as a public media URL."""

from django.http import FileResponse, Http404

from . import queries
from .models import Thread


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
