"""Public pages of rights requests (P20): the form anyone can use, the link mailed to the
address (verification, then the request's status, and an erasure's preview to confirm), and
the export download. A forged or expired link gets a clear refusal and discloses nothing."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from ..card_numbers import MASKED_NOTICE
from ..request_logs import client_key
from . import links, services, throttle
from .forms import PublicRequestForm
from .models import RequestKind, RequestStatus

REFUSALS = {
    "expired": "This link has expired. If you still want this, file the request again.",
    "invalid": "This link is not valid. Use the link exactly as we mailed it.",
    "missing": "This file is no longer available. Ask for a fresh copy of your data.",
}


TOO_MANY_FROM_HERE = (
    "Too many requests from your connection in the last hour. Please try again in an hour."
)
TOO_MANY_FOR_ADDRESS = (
    "Requests for this address were already confirmed several times today. Please try again "
    "tomorrow, or follow the requests under way with the links we mailed."
)


@require_http_methods(["GET", "POST"])
def new_request(request: HttpRequest) -> HttpResponse:
    form = PublicRequestForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"].strip().lower()
        if not throttle.allow_client(client_key(request)):
            error, status = TOO_MANY_FROM_HERE, 429
        elif not throttle.allow_address(email):
            error, status = TOO_MANY_FOR_ADDRESS, 429
        else:
            filed = services.file_request(
                kind=form.cleaned_data["kind"],
                email=email,
                details=form.cleaned_data["details"],
                corrections={
                    "name": form.cleaned_data["name"],
                    "phone": form.cleaned_data["phone"],
                },
            )
            if filed.masked:
                messages.warning(request, MASKED_NOTICE)
            # The same answer whatever the address holds: the form tells nobody what we have.
            return render(request, "privacy/rights/sent.html", {"email": email})
    else:
        status = 400 if request.method == "POST" else 200
    return render(request, "privacy/rights/new.html", {"form": form, "error": error}, status=status)


def _refused(request: HttpRequest, reason: str) -> HttpResponse:
    return render(
        request,
        "privacy/rights/link_refused.html",
        {"reason": REFUSALS.get(reason, REFUSALS["invalid"])},
        status=410 if reason in ("expired", "missing") else 404,
    )


@require_http_methods(["GET", "POST"])
def request_page(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows (never changes: mail scanners open links); POST confirms."""
    try:
        rights_request = services.request_from_link(token)
    except links.BadLink as refused:
        return _refused(request, refused.reason)
    error = ""
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "verify":
                services.verify(request=rights_request)
            elif action == "confirm":
                services.confirm_erasure(request=rights_request)
            else:
                raise services.RightsError("Choose what to do.")
        except services.RightsError as refused:
            error = str(refused)
        else:
            return redirect(request.path)
        rights_request.refresh_from_db()
    return render(
        request,
        "privacy/rights/status.html",
        {"rr": rights_request, "error": error, **status_context(rights_request)},
        status=400 if error else 200,
    )


def status_context(rights_request) -> dict:
    return {
        "awaiting_verification": rights_request.status == RequestStatus.RECEIVED,
        "awaiting_confirmation": rights_request.kind == RequestKind.ERASURE
        and rights_request.status == RequestStatus.VERIFIED
        and rights_request.confirmed_at is None,
    }


def download(request: HttpRequest, token: str) -> HttpResponse:
    try:
        rights_request, data = services.export_for_link(token)
    except links.BadLink as refused:
        return _refused(request, refused.reason)
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="my-data-{rights_request.pk}.zip"'
    response["Cache-Control"] = "private, no-store"
    return response
