"""Survey pages (P6): the open surveys, one survey with its form, thanks, withdrawal."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from candor.core import rate_limits
from candor.privacy.card_numbers import MASKED_NOTICE
from candor.privacy.request_logs import client_key

from . import queries, services
from .forms import AnswerForm

NOT_FOUND = "There is no survey at this address."


@require_GET
def survey_list(request):
    return render(request, "surveys/list.html", {"surveys": list(queries.open_surveys())})


def _survey_or_404(slug: str):
    survey = queries.published_survey(slug)
    if survey is None:  # drafts are not public
        raise Http404(NOT_FOUND)
    return survey


# Guests cannot be told apart, so one connection's answers to a survey are capped per day
# (counted in the cache, never stored): otherwise anyone could skew the results at will.
GUEST_ANSWERS_PER_DAY = 3
GUEST_LIMIT_MESSAGE = (
    "This survey has been answered several times from your connection today. Thank you: "
    "please try again tomorrow, or sign in to answer."
)


@require_http_methods(["GET", "POST"])
def survey_detail(request, slug):
    survey = _survey_or_404(slug)
    user = request.user if request.user.is_authenticated else None
    context = {"survey": survey, "now": timezone.now()}
    if not survey.is_open(context["now"]):
        return _refuse(request, context, status=200 if request.method == "GET" else 400)
    if user is not None and queries.has_answered(survey, user):
        context["answered"] = True
        context["named_response"] = queries.named_response(survey, user)
        return _refuse(
            request,
            context,
            error=services.ALREADY_ANSWERED_MESSAGE if request.method == "POST" else "",
            status=200 if request.method == "GET" else 409,
        )
    if user is None and not survey.allow_anonymous:
        context["sign_in_needed"] = True
        return _refuse(request, context, status=200 if request.method == "GET" else 403)
    form = AnswerForm(
        request.POST if request.method == "POST" else None, survey=survey, signed_in=bool(user)
    )
    context["form"] = form
    if request.method == "GET":
        return render(request, "surveys/survey.html", context)
    if not form.is_valid():
        return render(request, "surveys/survey.html", context, status=400)
    if user is None and not rate_limits.allow(
        "surveys",
        f"guest:{survey.pk}",
        client_key(request),
        limit=GUEST_ANSWERS_PER_DAY,
        seconds=24 * 3600,
    ):
        context["error"] = GUEST_LIMIT_MESSAGE
        return render(request, "surveys/survey.html", context, status=429)
    try:
        submitted = services.submit_response(
            survey=survey,
            user=user,
            anonymous=form.cleaned_data.get("anonymous", True),
            contact_ok=form.cleaned_data.get("contact_ok", False),
            answers=form.answers(),
            token=form.cleaned_data["token"],
        )
    except services.AlreadyAnswered as refused:
        context["answered"] = True
        return _refuse(request, context, error=str(refused), status=409)
    except services.SurveyError as refused:
        context["error"] = str(refused)
        return render(request, "surveys/survey.html", context, status=400)
    thanks = reverse("surveys:thanks", args=[survey.slug])
    # The notice rides in the address, so a guest's answer needs no session (P1).
    return redirect(f"{thanks}?masked=1" if submitted.masked else thanks)


def _refuse(request, context, *, error: str = "", status: int):
    """The survey page without a form: closed, not open yet, answered, or customers only."""
    if error or status != 200:
        context["error"] = error or _reason(context)
    return render(request, "surveys/survey.html", context, status=status)


def _reason(context) -> str:
    survey, now = context["survey"], context["now"]
    if context.get("sign_in_needed"):
        return services.SIGN_IN_MESSAGE
    if survey.opens_at and now < survey.opens_at:
        return services.NOT_OPEN_YET_MESSAGE
    return services.CLOSED_MESSAGE


@require_GET
def thanks(request, slug):
    survey = _survey_or_404(slug)
    return render(
        request,
        "surveys/thanks.html",
        {"survey": survey, "masked_notice": MASKED_NOTICE if request.GET.get("masked") else ""},
    )


@login_required
@require_POST
def withdraw(request, slug):
    """P6, P20: delete the answers the customer gave under their name."""
    survey = _survey_or_404(slug)
    try:
        services.withdraw_response(survey=survey, user=request.user)
    except services.SurveyError as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, "Your answers to this survey have been deleted.")
    return redirect("surveys:detail", slug=survey.slug)
