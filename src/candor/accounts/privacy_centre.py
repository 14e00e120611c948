"""The customer's privacy centre at /account/privacy/ (P20, X2): everything about their data on
one page. Requests filed here are verified at once (the customer is signed in) and cover the
account and its verified addresses; they run through the same services as the public form's."""

from allauth.account.models import EmailAddress
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from candor.privacy.disclosures import records_for
from candor.privacy.models import ConsentRecord, PolicyVersion
from candor.privacy.rights import links
from candor.privacy.rights import services as rights
from candor.privacy.rights.models import RequestKind, RightsRequest
from candor.privacy.rights.views import status_context
from candor.privacy.staff_access import count_for as staff_access_count
from candor.privacy.subjects import Subject

from .services import restrict_processing


def verified_emails(user) -> set[str]:
    found = EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True)
    return {e.lower() for e in found} | {user.email.lower()}


def subject_for(user) -> Subject:
    return Subject(user_id=user.pk, emails=frozenset(verified_emails(user)), label=user.email)


def policy_versions_for(user) -> list[PolicyVersion]:
    """The versions in force at some time since the account was opened (the one in force
    when it opened, and every later one)."""
    versions = list(PolicyVersion.objects.order_by("number"))
    shown = [v for v in versions if v.effective_at >= user.date_joined]
    earlier = [v for v in versions if v.effective_at < user.date_joined]
    return ([earlier[-1]] if earlier else []) + shown


def disclosures_for(user) -> list:
    """The disclosure ledger's rows about this customer, where the ledger is installed."""
    return list(records_for(subject_for(user)))


@login_required
def privacy(request):
    user = request.user
    context = {
        "requests": list(RightsRequest.objects.filter(user=user).order_by("-received_at")[:20]),
        "consents": list(ConsentRecord.objects.filter(user=user)[:50]),
        "policy_versions": policy_versions_for(user),
        "disclosures": disclosures_for(user),
        "staff_views": staff_access_count(user.pk),
    }
    return render(request, "accounts/privacy.html", context)


def _file(request, kind: str, **extra):
    user = request.user
    return rights.file_request(
        kind=kind, email=user.email, user=user, verified_emails=verified_emails(user), **extra
    )


@login_required
@require_POST
def download(request):
    filed = _file(request, RequestKind.ACCESS)
    if filed.created:
        messages.success(request, "We are gathering your data; we will mail you a download link.")
    else:
        messages.info(request, "Your earlier request for your data is still being prepared.")
    return redirect("accounts:privacy")


@login_required
@require_POST
def restrict(request):
    if request.POST.get("lift"):
        restrict_processing(user=request.user, restricted=False)
        messages.success(request, "Processing is no longer restricted.")
    else:
        _file(request, RequestKind.RESTRICTION)
        messages.success(
            request,
            "Processing of your data is being restricted: no marketing, no analytics counting, "
            "no testimonial display, no personalisation. We still email you about your orders.",
        )
    return redirect("accounts:privacy")


@login_required
def delete(request):
    """Deleting the account: an erasure request, verified at once, whose preview the customer
    sees and confirms here."""
    if request.method == "POST":
        filed = _file(request, RequestKind.ERASURE)
        return redirect("accounts:privacy_request", pk=filed.request.pk)
    return render(request, "accounts/privacy_delete.html")


@login_required
def request_detail(request, pk):
    # Only the customer's own requests: anyone else's is simply not found.
    rights_request = get_object_or_404(RightsRequest, pk=pk, user=request.user)
    error = ""
    if request.method == "POST":
        try:
            rights.confirm_erasure(request=rights_request, acting_user=request.user)
        except rights.RightsError as refused:
            error = str(refused)
        else:
            rights_request.refresh_from_db()
            if rights.erasure_waits_for_staff(rights_request):
                messages.success(request, "Your request is waiting for our staff.")
                return redirect("accounts:privacy_request", pk=pk)
            # The erasure ends every session of the account: in-process it already has,
            # deleting the one this response would save (SessionInterrupted, "Bad Request").
            # Sign out now and show the request's own page, which needs no account.
            logout(request)
            return redirect(links.request_url(rights_request.pk, rights_request.verify_nonce))
    return render(
        request,
        "accounts/privacy_request.html",
        {"rr": rights_request, "error": error, **status_context(rights_request)},
        status=400 if error else 200,
    )
