"""Pages reached from mail: confirm, unsubscribe, preferences. None needs a signed-in person."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from . import links, mail_limits, subscriptions
from .forms import EmailForm
from .models import Topic
from .subscriptions import ACTIVE

LINK_PROBLEMS = {
    "expired": "The link has expired. Links in our mail work for a limited time, for safety.",
    "invalid": "The link is incomplete or has been changed. Copy the whole link from the message.",
    "used": "The link has already been used, or a newer one replaced it. Nothing was changed.",
}


def _link_problem(request: HttpRequest, error: links.BadLink) -> HttpResponse:
    status = 400 if error.reason == "invalid" else 410
    return render(
        request,
        "messaging/link_problem.html",
        {"reason_text": LINK_PROBLEMS[error.reason]},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def subscribe(request: HttpRequest) -> HttpResponse:
    """The newsletter form (P7): the answer is the same whatever the address."""
    form = EmailForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        refusal = mail_limits.check(request, form.cleaned_data["email"])
        if refusal is not None:
            return mail_limits.refused_page(request, refusal, back=request.path)
        subscriptions.request_subscription(
            email=form.cleaned_data["email"],
            topics=[subscriptions.newsletter_topic()],
            source="newsletter form",
        )
        return render(request, "messaging/subscribe.html", {"done": True})
    status = 400 if request.method == "POST" else 200
    return render(request, "messaging/subscribe.html", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks, POST confirms: a mail scanner following the link confirms nothing."""
    try:
        if request.method == "POST":
            confirmed = subscriptions.confirm_subscription(token=token)
            return render(request, "messaging/confirm.html", {"confirmed": confirmed})
        links.read_confirm_token(token)
    except links.BadLink as error:
        return _link_problem(request, error)
    return render(request, "messaging/confirm.html", {})


@csrf_exempt  # RFC 8058: mail clients POST "List-Unsubscribe=One-Click" with no form token
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """One click, at once, no sign-in and no confirmation page (P7)."""
    try:
        target = links.read_unsubscribe_token(token)
    except links.BadLink as error:
        return _link_problem(request, error)
    topic = Topic.objects.filter(key=target.topic_key).first()
    context = {
        "email": target.email,
        "topic_label": topic.label if topic else target.topic_key,
    }
    if request.method == "POST":
        subscriptions.unsubscribe(
            email=target.email,
            topic_key=target.topic_key,
            source="one-click link",
            mailing=target.mailing,
        )
        context["done"] = True
    return render(request, "messaging/unsubscribe.html", context)


@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest, token: str) -> HttpResponse:
    try:
        email = links.read_preferences_token(token)
    except links.BadLink as error:
        return _link_problem(request, error)
    awaiting = 0
    if request.method == "POST":
        if request.POST.get("action") == "stop_all":
            subscriptions.unsubscribe(email=email, source="preferences page")
        else:
            chosen = {int(v) for v in request.POST.getlist("topics") if v.isascii() and v.isdigit()}
            current = {s.topic_id for s in subscriptions.subscriptions_of(email)}
            active = {
                s.topic_id for s in subscriptions.subscriptions_of(email) if s.status in ACTIVE
            }
            offered = current | {subscriptions.newsletter_topic().pk}
            awaiting = subscriptions.update_preferences(
                email=email,
                keep_topic_ids=chosen & active,
                add_topic_ids=(chosen & offered) - active,
            )
    return render(
        request,
        "messaging/preferences.html",
        {"email": email, "rows": _preference_rows(email), "awaiting": awaiting},
    )


def _preference_rows(email: str) -> list[dict]:
    rows = [
        {"topic": s.topic, "status": s.status, "active": s.status in ACTIVE}
        for s in subscriptions.subscriptions_of(email)
    ]
    if not any(row["topic"].key == subscriptions.NEWSLETTER_KEY for row in rows):
        rows.insert(0, {"topic": subscriptions.newsletter_topic(), "status": "", "active": False})
    return rows


@require_http_methods(["GET", "POST"])
def preferences_request(request: HttpRequest) -> HttpResponse:
    """Mail a fresh preferences link; the same answer whether or not we know the address."""
    form = EmailForm(request.POST or None)
    days = settings.MAIL_PREFERENCES_LINK_DAYS
    if request.method == "POST" and form.is_valid():
        refusal = mail_limits.check(request, form.cleaned_data["email"])
        if refusal is not None:
            return mail_limits.refused_page(request, refusal, back=request.path)
        subscriptions.mail_preferences_link(email=form.cleaned_data["email"])
        return render(request, "messaging/preferences_request.html", {"done": True, "days": days})
    status = 400 if request.method == "POST" else 200
    return render(request, "messaging/preferences_request.html", {"form": form}, status=status)


@login_required
def my_preferences(request: HttpRequest) -> HttpResponse:
    """A signed-in customer goes straight to their own preferences."""
    return redirect(links.preferences_url(request.user.email))
