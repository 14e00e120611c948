"""Published policy versions: read only, and a page to publish the next one (P21)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from .. import policy
from ..models import PolicyVersion


class PublishForm(forms.Form):
    summary = forms.CharField(
        max_length=500, widget=forms.Textarea(attrs={"rows": 3}), help_text="What changed."
    )


@admin.register(PolicyVersion)
class PolicyVersionAdmin(admin.ModelAdmin):
    list_display = ["number", "published_at", "effective_at", "material", "summary"]
    readonly_fields = [
        "number",
        "summary",
        "material",
        "changes",
        "published_at",
        "effective_at",
        "published_by",
        "announced_at",
        "content_hash",
    ]
    exclude = ["content", "datamap"]
    change_list_template = "admin/privacy/policyversion/change_list.html"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # a published version is evidence of what people were told

    def get_urls(self):
        return [
            path("publish/", self.admin_site.admin_view(self.publish_view), name="policy_publish"),
            *super().get_urls(),
        ]

    def publish_view(self, request):
        if not request.user.has_perm("privacy.add_policyversion"):
            raise PermissionDenied
        draft = policy.preview()
        form = PublishForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                version = policy.publish(
                    summary=form.cleaned_data["summary"], acting_user=request.user
                )
            except policy.NothingToPublish as error:
                self.message_user(request, str(error), messages.ERROR)
            else:
                when = "now" if not version.material else f"on {version.effective_at:%Y-%m-%d}"
                self.message_user(request, f"Version {version.number} published; in effect {when}.")
                return redirect(reverse("admin:privacy_policyversion_changelist"))
        return TemplateResponse(
            request,
            "admin/privacy/policyversion/publish.html",
            {
                **self.admin_site.each_context(request),
                "title": "Publish the privacy policy",
                "opts": self.model._meta,
                "form": form,
                "draft": draft,
                "unchanged": draft.previous is not None
                and draft.previous.content_hash == draft.content_hash,
            },
        )
