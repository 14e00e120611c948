"""Refuse request bodies larger than MAX_REQUEST_BYTES before anything reads them.

Django caps form fields in memory (DATA_UPLOAD_MAX_MEMORY_SIZE) but spools uploaded files to
disk whatever their size, and the CSRF check reads the body before any view could look at its
size. Anyone can post the contact form with photos, so without a cap one request could fill
the disk. The reverse proxy should refuse such bodies first (docs/operations.md); this keeps
the shop safe without one.
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.defaultfilters import filesizeformat


class RequestSizeLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return HttpResponse(
                "The request's Content-Length is not a number.",
                status=400,
                content_type="text/plain",
            )
        limit = settings.MAX_REQUEST_BYTES
        if length > limit:
            return HttpResponse(
                f"The request is too large: at most {filesizeformat(limit)} may be sent.",
                status=413,
                content_type="text/plain",
            )
        return self.get_response(request)
