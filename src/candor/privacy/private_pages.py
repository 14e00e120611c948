"""Pages nobody but their reader may keep (P14): no cache stores them, and a bearer link's page
sends no referrer.

A page is private when it is reached by a bearer token in its URL (a guest's order, the thanks
page, mail preferences, a support or rights-request link, allauth's confirmation and reset
keys), or when it shows an account, a cart, a checkout step or the back office. Such pages
are answered with `Cache-Control: private, no-store`, so neither a shared cache nor the
browser's history keeps them: after ordering, the Back button asks the server again and shows
the cart as it is (empty), not the full cart it showed before. The rule is one list of URL
namespaces and names here, read from the resolved URL, so a new view in a private namespace
is private without anyone remembering a decorator.

A token page also sends `Referrer-Policy: strict-origin`: SECURE_REFERRER_POLICY
("same-origin") already keeps every page's address from other sites, and this keeps the token
out of the Referer of the shop's own next page as well (the next request names only the
site). Not "no-referrer": under it browsers send `Origin: null` with a form's POST, which
Django's CSRF check rightly refuses, and most token pages carry a form.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.urls import ResolverMatch

from .paths import carries_secret

CACHE_CONTROL = "private, no-store"
TOKEN_PAGE_REFERRER_POLICY = "strict-origin"
# The customer's account and order history, the cart and checkout, and the back office.
PRIVATE_NAMESPACES = frozenset({"accounts", "account_orders", "cart", "checkout", "admin"})
# Single pages that show one person's things outside those namespaces.
PRIVATE_URL_NAMES = frozenset(
    {
        "messaging:my_preferences",
        "support:mine",
        "support:mine_thread",
        "support:mine_reply",
        "support:mine_file",
        "testimonials:mine",
        "testimonials:withdraw",
    }
)
# django-allauth's pages (sign-in, sign-up, addresses, password, two-factor) have no namespace.
PRIVATE_ROUTE_PREFIXES = ("accounts/",)


def is_private(match: ResolverMatch | None) -> bool:
    if match is None:
        return False
    return (
        carries_secret(match)
        or bool(PRIVATE_NAMESPACES.intersection(match.namespaces))
        or match.view_name in PRIVATE_URL_NAMES
        or match.route.startswith(PRIVATE_ROUTE_PREFIXES)
    )


class PrivatePagesMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if is_private(match):
            response["Cache-Control"] = CACHE_CONTROL
            if carries_secret(match):
                response["Referrer-Policy"] = TOKEN_PAGE_REFERRER_POLICY
        return response
