"""The staff queue of rights requests (P20): by due date, with the audit trail. Staff act
through the services (assign to me, run, refuse with a reason), which need the permission
`privacy.work_rightsrequest`; viewing needs `privacy.view_rightsrequest`."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone

from ..admin_masking import MaskPersonalData
from ..rights import services
from ..rights.forms import RefuseForm
from ..rights.models import OPEN_STATUSES, RightsRequest, RightsRequestEvent

WORK = "privacy.work_rightsrequest"


class FailedFilter(admin.SimpleListFilter):
    """The requests whose last run failed, first thing a privacy officer should see."""

    title = "last run"
    parameter_name = "failed"

    def lookups(self, request, model_admin):
        return [("yes", "Failed, waiting for a retry")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(failed_at__isnull=False, status__in=OPEN_STATUSES)
        return queryset


class EventInline(admin.TabularInline):
    model = RightsRequestEvent
    fields = readonly_fields = ["created_at", "action", "acting_user", "note"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(RightsRequest)
class RightsRequestAdmin(MaskPersonalData, admin.ModelAdmin):
    list_display = ["pk", "kind", "email", "status", "failed", "assignee", "due_at", "overdue"]
    list_filter = [FailedFilter, "status", "kind"]
    search_fields = ["email"]
    list_select_related = ["assignee"]
    inlines = [EventInline]
    change_form_template = "admin/privacy/rightsrequest/change_form.html"
    readonly_fields = [
        f.name for f in RightsRequest._meta.fields if f.name not in ("id", "verify_nonce")
    ]
    exclude = ["verify_nonce"]

    @admin.display(description="Last run failed")
    def failed(self, obj: RightsRequest) -> str:
        if obj.failed_at is None:
            return ""
        return (
            f"{obj.failure} ({obj.failed_runs}×, last {obj.failed_at:%Y-%m-%d %H:%M}); "
            f"retried from {obj.retry_at:%Y-%m-%d %H:%M}"
        )

    @admin.display(boolean=True, description="Overdue")
    def overdue(self, obj: RightsRequest) -> bool:
        return obj.status in OPEN_STATUSES and obj.due_at < timezone.now()

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # changed only through the actions below

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/act/<str:action>/", wrap(self.act), name="privacy_rightsrequest_act"),
            *super().get_urls(),
        ]

    def act(self, request, pk: int, action: str):
        if not request.user.has_perm(WORK):
            services.record_refused_attempt(
                request_id=pk, acting_user=request.user, note=f"{action}: no permission"
            )
            raise PermissionDenied("You may not work rights requests.")
        rights_request = get_object_or_404(RightsRequest, pk=pk)
        back = redirect("admin:privacy_rightsrequest_change", pk)
        if request.method != "POST":
            if action != "refuse":
                return back
            form = RefuseForm()
        else:
            form = RefuseForm(request.POST) if action == "refuse" else None
            try:
                if action == "assign":
                    services.assign(
                        request=rights_request, assignee=request.user, acting_user=request.user
                    )
                elif action == "run":
                    try:
                        services.run_request(request_id=pk, acting_user=request.user)
                    except services.RightsError:
                        raise
                    except Exception:  # recorded on the request, mailed, retried later
                        rights_request.refresh_from_db()
                        raise services.RightsError(
                            f"The run failed ({rights_request.failure}); what it finished is "
                            "kept, and it is tried again automatically."
                        ) from None
                elif action == "preview":
                    services.refresh_preview(request=rights_request, acting_user=request.user)
                elif action == "complete":
                    services.complete_by_hand(
                        request=rights_request,
                        note=request.POST.get("note", ""),
                        acting_user=request.user,
                    )
                elif action == "refuse" and form is not None and form.is_valid():
                    services.refuse(
                        request=rights_request,
                        reason=form.cleaned_data["reason"],
                        acting_user=request.user,
                    )
                elif action != "refuse":
                    return back
                else:
                    raise services.RightsError("Give the reason the requester will be told.")
            except services.RightsError as refused:
                self.message_user(request, str(refused), messages.ERROR)
                if action != "refuse":
                    return back
            else:
                self.message_user(request, "Done.", messages.SUCCESS)
                return back
        return render(
            request,
            "admin/privacy/rightsrequest/refuse.html",
            {**self.admin_site.each_context(request), "rr": rights_request, "form": form},
            status=400 if request.method == "POST" else 200,
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra = {"can_work": request.user.has_perm(WORK), **(extra_context or {})}
        return super().change_view(request, object_id, form_url, extra)
