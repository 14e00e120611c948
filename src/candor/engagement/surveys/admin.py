"""Back office for surveys (P6): build, publish, invite, close, and read results in aggregate.

Questions and choices can be edited only while a survey is a draft, so results always count
answers to the questions as they were asked. Individual responses have no admin page: staff
see counts, shares and written answers (with a name only where its author asked to be
contacted), on the results page and as CSV.
"""

import csv

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from . import charts, queries, services
from .models import Choice, Question, Survey, SurveyEvent

RESULTS_PERMISSION = "surveys.view_results"


def _editable(survey: Survey | None) -> bool:
    return survey is None or survey.status == Survey.Status.DRAFT


class QuestionInline(admin.TabularInline):
    model = Question
    fields = ["position", "kind", "text", "required"]
    extra = 1
    show_change_link = True  # its choices are edited on the question's page

    def has_add_permission(self, request, obj=None):
        return _editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return _editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return _editable(obj) and super().has_delete_permission(request, obj)


class EventInline(admin.TabularInline):
    model = SurveyEvent
    fields = ["created_at", "action", "acting_user", "note", "recipients"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = "history"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class PeriodForm(forms.Form):
    opens_at = forms.DateTimeField(
        label="Opens", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    closes_at = forms.DateTimeField(
        label="Closes", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ["title", "status", "opens_at", "closes_at", "response_count", "results_link"]
    list_filter = ["status"]
    search_fields = ["title"]
    prepopulated_fields = {"slug": ["title"]}
    fields = ["title", "slug", "intro", "allow_anonymous", "status", "opens_at", "closes_at"]
    readonly_fields = ["status", "opens_at", "closes_at"]
    inlines = [QuestionInline, EventInline]
    change_form_template = "admin/surveys/survey/change_form.html"

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else [QuestionInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(response_count=Count("responses"))

    @admin.display(description="responses", ordering="response_count")
    def response_count(self, obj):
        return obj.response_count

    @admin.display(description="results")
    def results_link(self, obj):
        return format_html(
            '<a href="{}">Results</a>', reverse("admin:surveys_results", args=[obj.pk])
        )

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and not _editable(obj):
            return ["title", "slug", "intro", "allow_anonymous", *self.readonly_fields]
        return self.readonly_fields

    def get_prepopulated_fields(self, request, obj=None):
        return self.prepopulated_fields if _editable(obj) else {}

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def get_urls(self):
        def view(name, function):
            return path(
                f"<int:pk>/{name}/", self.admin_site.admin_view(function), name=f"surveys_{name}"
            )

        return [
            view("publish", self.publish_view),
            view("close", self.close_view),
            view("invite", self.invite_view),
            view("results", self.results_view),
            path(
                "<int:pk>/results.csv",
                self.admin_site.admin_view(self.results_csv_view),
                name="surveys_results_csv",
            ),
            *super().get_urls(),
        ]

    def _survey_to_change(self, request, pk) -> Survey:
        survey = get_object_or_404(Survey, pk=pk)
        if not self.has_change_permission(request, survey):
            raise PermissionDenied
        return survey

    def _back(self, survey: Survey):
        return redirect(reverse("admin:surveys_survey_change", args=[survey.pk]))

    def _page(self, request, template: str, survey: Survey, title: str, status=200, **extra):
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "survey": survey,
            "opts": self.model._meta,
            **extra,
        }
        return TemplateResponse(request, f"admin/surveys/survey/{template}", context, status=status)

    def publish_view(self, request, pk):
        survey = self._survey_to_change(request, pk)
        form = PeriodForm(
            request.POST or None,
            initial={"opens_at": survey.opens_at, "closes_at": survey.closes_at},
        )
        if request.method == "POST" and form.is_valid():
            try:
                services.publish_survey(
                    survey=survey,
                    opens_at=form.cleaned_data["opens_at"],
                    closes_at=form.cleaned_data["closes_at"],
                    acting_user=request.user,
                )
            except services.SurveyError as refused:
                form.add_error(None, str(refused))
            else:
                self.message_user(request, f"“{survey}” is published.")
                return self._back(survey)
        status = 400 if request.method == "POST" else 200
        return self._page(request, "publish.html", survey, "Publish the survey", status, form=form)

    def close_view(self, request, pk):
        survey = self._survey_to_change(request, pk)
        if request.method != "POST":
            return self._page(request, "close.html", survey, "Close the survey?")
        try:
            services.close_survey(survey=survey, acting_user=request.user)
        except services.SurveyError as refused:
            self.message_user(request, str(refused), messages.ERROR)
        else:
            self.message_user(request, f"“{survey}” no longer takes answers.")
        return self._back(survey)

    def invite_view(self, request, pk):
        survey = self._survey_to_change(request, pk)
        if request.method != "POST":
            count = services.invitees(survey).count()
            return self._page(request, "invite.html", survey, "Invite customers?", count=count)
        try:
            services.invite_to_survey(survey=survey, acting_user=request.user)
        except services.SurveyError as refused:
            self.message_user(request, str(refused), messages.ERROR)
        else:
            self.message_user(request, "The invitations are being written and sent.")
        return self._back(survey)

    def _results_for(self, request, pk):
        if not request.user.has_perm(RESULTS_PERMISSION):
            raise PermissionDenied
        survey = get_object_or_404(Survey, pk=pk)
        return queries.results(survey)

    def results_view(self, request, pk):
        results = self._results_for(request, pk)
        for question in results.questions:
            if question.answered:
                question.chart = charts.bar_chart(
                    [share.label for share in question.shares],
                    [share.count for share in question.shares],
                    title=f"Answers to: {question.text}",
                    horizontal=question.kind != "rating",
                )
        return self._page(
            request,
            "results.html",
            results.survey,
            f"Results: {results.survey}",
            results=results,
            texts_shown=queries.TEXTS_SHOWN,
        )

    def results_csv_view(self, request, pk):
        results = self._results_for(request, pk)
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="survey-{pk}-results.csv"'
        writer = csv.writer(response)
        for row in queries.csv_rows(results):
            writer.writerow([_csv_safe(cell) for cell in row])
        return response


def _csv_safe(cell: str) -> str:
    """A spreadsheet must not read a question's text as a formula."""
    return f"'{cell}" if cell[:1] in ("=", "+", "-", "@") else cell


class ChoiceInline(admin.TabularInline):
    model = Choice
    fields = ["position", "text"]
    extra = 3

    def has_add_permission(self, request, obj=None):
        return _editable(obj and obj.survey) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return _editable(obj and obj.survey) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return _editable(obj and obj.survey) and super().has_delete_permission(request, obj)


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    """Reached from a survey's questions; holds the choices of one question."""

    fields = ["survey", "position", "kind", "text", "required"]
    list_display = ["text", "survey", "kind", "required"]
    list_select_related = ["survey"]
    inlines = [ChoiceInline]

    def get_model_perms(self, request):
        return {}  # not listed on the index: questions are opened from their survey

    def get_readonly_fields(self, request, obj=None):
        return ["survey"] if obj is not None else []

    def has_change_permission(self, request, obj=None):
        return _editable(obj and obj.survey) and super().has_change_permission(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "survey":
            kwargs["queryset"] = Survey.objects.filter(status=Survey.Status.DRAFT)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_delete_permission(self, request, obj=None):
        return _editable(obj and obj.survey) and super().has_delete_permission(request, obj)
