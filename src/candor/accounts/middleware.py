"""Two guards around allauth's sign-in views.

- Signing in fails closed while the shared cache is unreachable (P14). The limits on failed
  sign-ins (per address and per account) are counted in the shared cache. Without it nothing
  would count them, and anyone could try passwords or authenticator codes as fast as the server
  answers. So while Redis cannot be reached, the forms that check a password or a second factor
  answer 503 with a page that says so; everything else keeps working (browsing, the cart, guest
  checkout, and customers already signed in, whose sessions are read from the database). The
  other rate limits fail open (candor.core.rate_limits).
- A social sign-in provider that is not set up is a page that does not exist, not an error.
  allauth routes /accounts/google/… and /accounts/facebook/… whether or not the shop has
  configured the provider (in the environment or in the back office, at any time), and raises
  SocialApp.DoesNotExist when it has not: a 500 for anyone who types the address.
"""

from collections.abc import Callable

from allauth.socialaccount.models import SocialApp
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from candor.core.cache import shared_cache_ping

# allauth's views that check a password or an authenticator code.
SIGN_IN_VIEWS = frozenset(
    {"account_login", "account_reauthenticate", "mfa_authenticate", "mfa_reauthenticate"}
)
RETRY_AFTER_SECONDS = 60
NOT_SET_UP = "This way of signing in is not set up in this shop."


class SignInNeedsRateLimitsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if (
            request.method == "POST"
            and match is not None
            and match.url_name in SIGN_IN_VIEWS
            and not shared_cache_ping()
        ):
            response = render(request, "accounts/sign_in_unavailable.html", status=503)
            response["Retry-After"] = str(RETRY_AFTER_SECONDS)
            return response
        return None


class UnconfiguredProviderMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, SocialApp.DoesNotExist):
            return render(request, "404.html", {"exception": NOT_SET_UP}, status=404)
        return None
