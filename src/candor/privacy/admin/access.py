"""Staff access records in the back office (P15): the privacy officer's review, read only, and
the reveal page that writes them."""

from django import forms
from django.apps import apps
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.cache import add_never_cache_headers, patch_cache_control

from .. import staff_access
from ..access_models import StaffAccessRecord
from ..admin_titles import masked_str
from ..masking import mask_value


class RevealForm(forms.Form):
    reason = forms.CharField(
        min_length=staff_access.REASON_MIN,
        max_length=staff_access.REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Why you need to see it (recorded; the customer can see that it happened).",
    )


@admin.register(StaffAccessRecord)
class StaffAccessRecordAdmin(admin.ModelAdmin):
    list_display = ["at", "staff", "granted", "family", "model", "object_pk", "reason"]
    list_filter = ["granted", "family", "model", ("staff", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["staff"]
    search_fields = ["reason", "object_pk"]
    date_hierarchy = "at"
    readonly_fields = [
        "at",
        "staff",
        "granted",
        "subject_user_id",
        "model",
        "object_pk",
        "family",
        "fields",
        "reason",
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # the retention job deletes them (data map)

    def get_urls(self):
        return [
            path(
                "reveal/<str:model>/<str:pk>/<str:family>/",
                self.admin_site.admin_view(self.reveal_view),
                name="privacy_reveal",
            ),
            *super().get_urls(),
        ]

    def _may_view_record(self, request, model_class, obj=None) -> bool:
        model_admin = self.admin_site._registry.get(model_class)
        if model_admin is not None:
            return model_admin.has_view_or_change_permission(request, obj)
        opts = model_class._meta
        return request.user.has_perm(f"{opts.app_label}.view_{opts.model_name}")

    def reveal_view(self, request, model: str, pk: str, family: str):
        """Who may, first; only then the record. A refusal (GET or POST) is recorded and its
        page names nothing of the record: not its str(), not its masked values, not even
        whether it exists."""
        try:
            model_class = apps.get_model(model)
        except (LookupError, ValueError):
            raise Http404("No such record.") from None
        fields = [f for f in staff_access.masked_fields(model_class).values() if f.family == family]
        if not fields:
            raise Http404("This record holds nothing of that kind.")
        description = staff_access.FAMILIES[family]
        may_family = staff_access.may_reveal(request.user, family)
        may_model = self._may_view_record(request, model_class)
        obj = self._find(model_class, pk)
        if may_family and may_model and obj is None:
            raise Http404("No such record.")
        may_view = (
            may_model and obj is not None and self._may_view_record(request, model_class, obj)
        )
        context = {
            **self.admin_site.each_context(request),
            "title": f"Reveal {description}",
            "family": description,
        }
        if not (may_family and may_view):
            staff_access.record_refusal(
                obj=obj,
                model_label=model_class._meta.label,
                object_pk=pk,
                family=family,
                acting_user=request.user,
                reason=request.POST.get("reason", "") if request.method == "POST" else "",
            )
            context["refused"] = (
                f"Your role may not see {description}."
                if may_model
                else "Your role may not open this record."
            )
            return self._render(request, context, status=403)
        context |= {
            "opts": obj._meta,
            "record": masked_str(obj),
            "masked": [
                (
                    obj._meta.get_field(f.name).verbose_name,
                    mask_value(f.category, getattr(obj, f.name)),
                )
                for f in fields
            ],
        }
        if request.method != "POST":
            context["form"] = RevealForm()
            return self._render(request, context)
        form = RevealForm(request.POST)
        if not form.is_valid():
            context["form"] = form
            return self._render(request, context, status=400)
        try:
            revealed = staff_access.reveal(
                obj=obj,
                family=family,
                reason=form.cleaned_data["reason"],
                acting_user=request.user,
                may_view_record=may_view,
            )
        except staff_access.RevealRefused as refused:  # the service checks again
            return self._render(request, {**context, "refused": str(refused)}, status=403)
        context["revealed"] = revealed.values
        return self._render(request, context)

    @staticmethod
    def _find(model_class, pk: str):
        try:
            return model_class._default_manager.filter(pk=pk).first()
        except (ValueError, ValidationError):
            return None

    def _render(self, request, context, status: int = 200):
        response = TemplateResponse(request, "admin/privacy/reveal.html", context, status=status)
        # Shown once: never from a cache or the browser's history.
        add_never_cache_headers(response)
        patch_cache_control(response, private=True, no_store=True)
        return response
