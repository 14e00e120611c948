"""The back office (/backoffice/): staff only, and only after two-factor sign-in (P14).

Staff see customers' personal data, so a password alone never opens the back office. The site
opens to an active staff member who has an authenticator app (TOTP) enrolled AND whose current
session was authenticated with it: allauth writes each step of a sign-in into the session
(`account_authentication_methods`, bound to the user), and a two-factor step is recorded there
with method "mfa" (at sign-in, or when the code is asked again by /accounts/2fa/reauthenticate/).

The admin's own password form is never used: its login view only sends people on, to allauth's
sign-in (which runs email verification, rate limits and the two-factor step), to the enrolment
page, or to the code prompt.
"""

from allauth.account.authentication import get_authentication_records
from allauth.mfa.models import Authenticator
from django.contrib import admin, messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.cache import never_cache

ENROL_MESSAGE = (
    "The back office shows customers' personal data, so staff must use two-factor "
    "authentication. Set up an authenticator app below, then open the back office again."
)
CODE_MESSAGE = "Enter a code from your authenticator app to open the back office."

_CACHE_ATTRIBUTE = "_candor_backoffice_mfa"


def has_totp(user) -> bool:
    """The user has an authenticator app enrolled."""
    return Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP).exists()


def signed_in_with_mfa(request: HttpRequest) -> bool:
    """This session's sign-in included a two-factor step by the signed-in user."""
    records = get_authentication_records(request, request.user)
    return any(record.get("method") == "mfa" for record in records)


def backoffice_allowed(request: HttpRequest) -> bool:
    """Active staff, TOTP enrolled, two-factor step in this session. Computed once a request."""
    cached = getattr(request, _CACHE_ATTRIBUTE, None)
    if cached is None:
        user = request.user
        cached = bool(
            user.is_active and user.is_staff and signed_in_with_mfa(request) and has_totp(user)
        )
        setattr(request, _CACHE_ATTRIBUTE, cached)
    return cached


class CandorAdminSite(admin.AdminSite):
    site_header = "Candor back office"
    site_title = "Candor back office"
    index_title = "Back office"

    def has_permission(self, request: HttpRequest) -> bool:
        return backoffice_allowed(request)

    @method_decorator(never_cache)
    @method_decorator(login_not_required)
    def login(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        """Send the visitor to the step they are missing; never accept a password here."""
        index = reverse("admin:index", current_app=self.name)
        next_url = request.GET.get(REDIRECT_FIELD_NAME, "")
        if not url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            next_url = index
        query = urlencode({REDIRECT_FIELD_NAME: next_url})
        user = request.user
        if not user.is_authenticated:
            return HttpResponseRedirect(f"{reverse('account_login')}?{query}")
        if not (user.is_active and user.is_staff):
            return render(request, "account/backoffice_refused.html", status=403)
        if not has_totp(user):
            messages.warning(request, ENROL_MESSAGE)
            return HttpResponseRedirect(reverse("mfa_activate_totp"))
        if not signed_in_with_mfa(request):
            messages.info(request, CODE_MESSAGE)
            return HttpResponseRedirect(f"{reverse('mfa_reauthenticate')}?{query}")
        return HttpResponseRedirect(next_url)

    def password_change(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        """One place to change a password: allauth's page (rate limits, the security notice)."""
        return HttpResponseRedirect(reverse("account_change_password"))
