"""Moderating testimonials in the back office (P19).

Staff with the `moderate_testimonial` permission approve (publish) or reject them with the
actions, which call the services (who and when is recorded on the row). Nobody edits a
customer's words or adds one, and the list shows only what moderation needs: the account
behind a testimonial is not shown here (P15). Consent records are read-only proof.
"""

from django.contrib import admin, messages

from . import services
from .models import Testimonial, TestimonialConsent


def _moderate(service, done_label: str):
    def action(modeladmin, request, queryset):
        done = 0
        for testimonial in queryset:
            try:
                service(testimonial=testimonial, acting_user=request.user)
                done += 1
            except services.TestimonialError as refused:
                modeladmin.message_user(request, f"{testimonial}: {refused}", messages.ERROR)
        if done:
            modeladmin.message_user(request, f"{done_label}: {done}.", messages.SUCCESS)

    return action


@admin.register(Testimonial)
class TestimonialAdmin(admin.ModelAdmin):
    list_display = ["id", "product", "shown_name", "rating", "status", "created_at", "reviewed_by"]
    list_filter = ["status", "created_at"]
    list_select_related = ["consent__product", "reviewed_by"]
    fields = readonly_fields = [
        "product",
        "text",
        "rating",
        "display_name",
        "affiliation",
        "status",
        "consent_given",
        "created_at",
        "reviewed_by",
        "reviewed_at",
    ]
    actions = ["approve", "reject"]

    @admin.display(description="product")
    def product(self, obj):
        return obj.consent.product.name

    @admin.display(description="shown as")
    def shown_name(self, obj):
        return obj.shown_name

    @admin.display(description="consent")
    def consent_given(self, obj):
        return f"Version {obj.consent.wording_version}, given {obj.consent.given_at:%Y-%m-%d %H:%M}"

    @admin.action(description="Approve and publish", permissions=["moderate"])
    def approve(self, request, queryset):
        _moderate(services.approve, "Published")(self, request, queryset)

    @admin.action(description="Reject (take off the site)", permissions=["moderate"])
    def reject(self, request, queryset):
        _moderate(services.reject, "Rejected")(self, request, queryset)

    def has_moderate_permission(self, request):
        return request.user.has_perm("testimonials.moderate_testimonial")

    def has_add_permission(self, request):
        return False  # written by customers only

    def has_change_permission(self, request, obj=None):
        return False  # a customer's words are not edited; the actions moderate

    def has_delete_permission(self, request, obj=None):
        return False  # withdrawal and retention delete, not staff


@admin.register(TestimonialConsent)
class TestimonialConsentAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "product", "wording_version", "given_at", "withdrawn_at"]
    list_filter = ["wording_version", "given_at"]
    list_select_related = ["user", "product"]
    readonly_fields = [f.name for f in TestimonialConsent._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
