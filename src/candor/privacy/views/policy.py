"""The published privacy policy, as a page and as data (P21, P24)."""

from django.http import HttpRequest, HttpResponse, JsonResponse


def policy_page(request: HttpRequest) -> HttpResponse:
    raise NotImplementedError


def policy_json(request: HttpRequest) -> JsonResponse:
    raise NotImplementedError


def history(request: HttpRequest) -> HttpResponse:
    raise NotImplementedError


def diff(request: HttpRequest, old: int, new: int) -> HttpResponse:
    raise NotImplementedError
