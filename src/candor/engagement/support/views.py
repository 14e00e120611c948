"""Support pages (P5): the contact form, a customer's threads, one thread (signed in, or through
the signed link in our mail), replies, attachments, and the footer's feedback form.

A thread is only ever looked up inside what the visitor may see: their own threads when signed
in, the thread a valid link names otherwise. Anything else is "not found", so nobody learns
whether someone else's thread exists.
"""

from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from candor.privacy.card_numbers import MASKED_NOTICE
from candor.privacy.paths import kept_path
from candor.privacy.request_logs import client_key

from . import queries, services, throttle
from .files import attachment_response
from .forms import ContactForm, FeedbackForm, ReplyForm
from .links import BadLink, thread_from_token
from .models import PATH_MAX, Thread

NOT_FOUND = "No support conversation with this reference in your account."
BAD_LINK = "This link is not valid. Please use the link in our latest email, or write to us again."
EXPIRED_LINK = (
    "This link has expired. Each answer we send brings a fresh link; you can also sign in or "
    "write to us again."
)
TOO_MANY = (
    "You have opened several requests in the last hour. Please wait a little, or reply to one "
    "of them instead."
)
THREADS_PER_PAGE = 20


def _say_masked(request: HttpRequest, masked: bool) -> None:
    if masked:
        messages.warning(request, MASKED_NOTICE)


# --- the contact form -------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
def contact(request: HttpRequest) -> HttpResponse:
    user = request.user if request.user.is_authenticated else None
    posting = request.method == "POST"
    form = ContactForm(
        request.POST if posting else None, request.FILES if posting else None, user=user
    )
    if posting and form.is_valid():
        data = form.cleaned_data
        email = user.email if user is not None else data["email"]
        if (
            not (
                throttle.allow("client", client_key(request), limit=throttle.THREADS_PER_HOUR)
                and throttle.allow("email", email.lower(), limit=throttle.THREADS_PER_HOUR)
            )
            and not Thread.objects.filter(submit_token=data["token"]).exists()
        ):
            return render(
                request, "support/contact.html", {"form": form, "error": TOO_MANY}, status=429
            )
        # Only now, past the limit, are the photos decoded (the costly part).
        if form.decode_images():
            response = _open_thread(request, form, email=email, user=user)
            if response is not None:
                return response
    return render(
        request,
        "support/contact.html",
        {"form": form},
        status=400 if form.is_bound else 200,
    )


def _open_thread(
    request: HttpRequest, form: ContactForm, *, email: str, user
) -> HttpResponse | None:
    data = form.cleaned_data
    try:
        posted = services.open_thread(
            submit_token=data["token"],
            name=data["name"],
            email=email,
            subject=data["subject"],
            body=data["message"],
            order=data["order"],
            customer=user,
            images=data["images"],
        )
    except services.SupportError as refused:
        form.add_error(None, str(refused))
        return None
    _say_masked(request, posted.masked)
    thread = posted.thread
    messages.success(request, f"Thank you: we received your message ({thread.number}).")
    if user is not None:
        return redirect("support:mine_thread", thread.number)
    return redirect("support:sent")


@require_GET
def sent(request: HttpRequest) -> HttpResponse:
    """After a guest's request: what happens next (the reference is in the message above)."""
    return render(request, "support/sent.html")


# --- a signed-in customer's threads -------------------------------------------------------------


@login_required
@require_GET
def my_threads(request: HttpRequest) -> HttpResponse:
    page = Paginator(queries.customer_threads(request.user), THREADS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "support/mine.html", {"page": page})


def _mine(request: HttpRequest, number: str) -> Thread:
    thread = queries.thread_for_customer(number, user=request.user)
    if thread is None:
        raise Http404(NOT_FOUND)
    return thread


@login_required
@require_GET
@never_cache
def my_thread(request: HttpRequest, number: str) -> HttpResponse:
    return _thread_page(request, _mine(request, number), via_link=None)


@login_required
@require_POST
def my_reply(request: HttpRequest, number: str) -> HttpResponse:
    thread = _mine(request, number)
    return _reply(
        request, thread, via_link=None, back=reverse("support:mine_thread", args=[number])
    )


@login_required
@require_GET
def my_file(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    return attachment_response(_mine(request, number), pk)


# --- the signed link in our mail -------------------------------------------------------------


def _linked(request: HttpRequest, token: str) -> Thread | HttpResponse:
    try:
        number = thread_from_token(token)
    except BadLink as bad:
        return render(
            request,
            "support/bad_link.html",
            {"reason": EXPIRED_LINK if bad.expired else BAD_LINK},
            status=410 if bad.expired else 404,
        )
    thread = queries.thread_for_customer(number)
    if thread is None:  # deleted since the link was sent
        return render(request, "support/bad_link.html", {"reason": BAD_LINK}, status=404)
    return thread


@require_GET
@never_cache
def link_thread(request: HttpRequest, token: str) -> HttpResponse:
    thread = _linked(request, token)
    if isinstance(thread, HttpResponse):
        return thread
    return _thread_page(request, thread, via_link=token)


@require_POST
def link_reply(request: HttpRequest, token: str) -> HttpResponse:
    thread = _linked(request, token)
    if isinstance(thread, HttpResponse):
        return thread
    return _reply(request, thread, via_link=token, back=reverse("support:link", args=[token]))


@require_GET
def link_file(request: HttpRequest, token: str, pk: int) -> HttpResponse:
    thread = _linked(request, token)
    if isinstance(thread, HttpResponse):
        return thread
    return attachment_response(thread, pk)


# --- shared by both ways in ---------------------------------------------------------------------


def _thread_page(request, thread: Thread, *, via_link: str | None, form=None, status=200):
    if via_link:
        reply_url = reverse("support:link_reply", args=[via_link])
        file_view, key = "support:link_file", via_link
    else:
        reply_url = reverse("support:mine_reply", args=[thread.number])
        file_view, key = "support:mine_file", thread.number
    thread_messages = list(thread.messages.all())
    for message in thread_messages:
        for attachment in message.attachments.all():
            attachment.url = reverse(file_view, args=[key, attachment.pk])
    return render(
        request,
        "support/thread.html",
        {
            "thread": thread,
            "thread_messages": thread_messages,
            "form": form or ReplyForm(),
            "reply_url": reply_url,
            "via_link": bool(via_link),
        },
        status=status,
    )


def _reply(request, thread: Thread, *, via_link: str | None, back: str) -> HttpResponse:
    form = ReplyForm(request.POST, request.FILES)
    if form.is_valid() and form.decode_images():
        try:
            posted = services.reply_to_thread(
                thread=thread,
                body=form.cleaned_data["message"],
                token=form.cleaned_data["token"],
                images=form.cleaned_data["images"],
            )
        except services.SupportError as refused:
            form.add_error(None, str(refused))
        else:
            _say_masked(request, posted.masked)
            if posted.created:
                messages.success(request, "Your reply was sent.")
            return redirect(back)
    return _thread_page(request, thread, via_link=via_link, form=form, status=400)


# --- site feedback (the footer form on every page) ---------------------------------------------


def cross_site_refusal(request: HttpRequest) -> str | None:
    """Why this POST may not come from one of our own pages, or None if it did.

    The footer form carries no CSRF token: a token needs a cookie, and pages must set none
    before the visitor asks for something (P1). The browser says where the request came from
    instead (Sec-Fetch-Site, or Origin from browsers without it)."""
    fetch_site = request.META.get("HTTP_SEC_FETCH_SITE")
    if fetch_site is not None:
        return None if fetch_site.strip() == "same-origin" else "it came from another site"
    origin = request.META.get("HTTP_ORIGIN")
    if origin is None:
        return "the request did not say where it came from"
    own = f"{request.scheme}://{request.get_host()}"
    if origin == own or origin in settings.CSRF_TRUSTED_ORIGINS:
        return None
    return "it came from another site"


def page_path(request: HttpRequest, raw: str | None) -> str:
    """The page feedback was sent from, as a path on this site, or "" when it is not one.

    Only the path is kept (no query string, no host). A page reached through a signed link
    (an order or a support thread) is stored by its route, so the link's token is not kept."""
    if not raw or not url_has_allowed_host_and_scheme(
        raw, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return ""
    path = unquote(urlsplit(raw).path)
    if not path.startswith("/") or path.startswith("//") or not path.isprintable():
        return ""
    try:
        match = resolve(path)
    except Resolver404:
        return path[:PATH_MAX]
    return kept_path(path, match)[:PATH_MAX]


def way_back(request: HttpRequest, raw: str | None) -> str:
    """The page to return to: the local page the form was sent from, else the home page."""
    if not raw or not url_has_allowed_host_and_scheme(
        raw, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return "/"
    parts = urlsplit(raw)
    back = parts.path + (f"?{parts.query}" if parts.query else "")
    if (
        not back.startswith("/")
        # "http://us//evil.example/" must not become "//evil.example/", another site.
        or not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()})
        or "<" in back  # a stored route ("/orders/view/<str:token>/"), not a page
    ):
        return "/"
    return back


@csrf_exempt  # protected by cross_site_refusal instead: the footer form sets no cookie (P1)
@require_POST
def feedback(request: HttpRequest) -> HttpResponse:
    refusal = cross_site_refusal(request)
    if refusal is not None:
        return render(
            request,
            "support/feedback.html",
            {"refusal": f"We take feedback only from this site's own pages: {refusal}."},
            status=403,
        )
    # The feedback page's own form names the page; the footer form leaves it to the Referer.
    raw = request.POST.get("page")
    raw = raw if raw is not None else request.META.get("HTTP_REFERER")
    path = page_path(request, raw)
    form = FeedbackForm(request.POST)
    if not form.is_valid():
        return render(request, "support/feedback.html", {"form": form, "page": path}, status=400)
    if not throttle.allow("feedback", client_key(request), limit=throttle.FEEDBACK_PER_HOUR):
        return render(
            request,
            "support/feedback.html",
            {
                "form": form,
                "page": path,
                "refusal": "Thank you, but that is a lot of feedback "
                "for one hour. Please try again later.",
            },
            status=429,
        )
    try:
        _feedback, masked = services.leave_feedback(
            message=form.cleaned_data["message"], page_path=path
        )
    except services.SupportError as refused:
        form.add_error("message", str(refused))
        return render(request, "support/feedback.html", {"form": form, "page": path}, status=400)
    # A page of its own rather than a flash message: a flash message needs a session, and
    # anonymous feedback should not start one (nor a cookie).
    return render(
        request,
        "support/feedback.html",
        {
            "thanked": True,
            "masked_notice": MASKED_NOTICE if masked else "",
            "back": way_back(request, raw),
        },
    )
