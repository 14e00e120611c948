"""A social sign-in provider that is not set up is a page that does not exist, not an error.

allauth routes /accounts/google/… and /accounts/facebook/… whether or not the shop has
configured the provider (in the environment or in the back office, at any time), and raises
SocialApp.DoesNotExist when it has not: a 500 for anyone who types the address.
"""

from collections.abc import Callable

from allauth.socialaccount.models import SocialApp
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

NOT_SET_UP = "This way of signing in is not set up in this shop."


class UnconfiguredProviderMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, SocialApp.DoesNotExist):
            return render(request, "404.html", {"exception": NOT_SET_UP}, status=404)
        return None
