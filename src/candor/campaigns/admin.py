"""Back office for campaigns and announcements: thin, the services do the work."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from candor.core.admin_initial import AutocompleteInitialMixin

from . import services
from .models import Announcement, Campaign


@admin.register(Campaign)
class CampaignAdmin(AutocompleteInitialMixin, admin.ModelAdmin):
    list_display = ["subject", "topic", "status", "started_at", "recipients"]
    list_select_related = ["topic"]
    list_filter = ["status", "topic"]
    search_fields = ["subject"]
    autocomplete_fields = ["products"]
    fields = ["subject", "intro", "topic", "products", "results", "preview"]
    readonly_fields = ["results", "preview"]
    change_form_template = "admin/campaigns/campaign/change_form.html"

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status != Campaign.Status.DRAFT:
            return ["subject", "intro", "topic", "products", "results", "preview"]
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description="Results")
    def results(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        if obj.status == Campaign.Status.DRAFT:
            return f"Not sent. {services.audience(obj).count()} confirmed subscribers would get it."
        figures = services.results(services.finish_if_done(obj))
        return (
            f"{figures.recipients} written · {figures.sent} sent · {figures.failed} failed · "
            f"{figures.waiting} waiting · {figures.unsubscribed} unsubscribed from it"
        )

    @admin.display(description="Preview")
    def preview(self, obj):
        if obj is None or obj.pk is None:
            return "Save the draft to see a preview."
        try:
            rendered = services.render_campaign(obj)
        except Exception as error:  # a preview must never break the page
            return f"Cannot be previewed: {error}"
        return format_html(
            "<p><strong>Subject:</strong> {}</p>"
            '<iframe sandbox srcdoc="{}" title="Preview" style="width:100%;height:520px;'
            'border:1px solid #ccc"></iframe>',
            rendered.subject,
            rendered.html,
        )

    def get_urls(self):
        return [
            path(
                "<int:pk>/send/", self.admin_site.admin_view(self.send_view), name="campaign_send"
            ),
            path(
                "<int:pk>/test/", self.admin_site.admin_view(self.test_view), name="campaign_test"
            ),
            *super().get_urls(),
        ]

    def _campaign_for_change(self, request, pk) -> Campaign:
        campaign = get_object_or_404(Campaign, pk=pk)
        if not self.has_change_permission(request, campaign):
            raise PermissionDenied
        return campaign

    def test_view(self, request, pk):
        campaign = self._campaign_for_change(request, pk)
        if request.method == "POST":
            to_email = request.POST.get("to_email") or request.user.email
            try:
                services.send_test(campaign=campaign, to_email=to_email, acting_user=request.user)
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
            else:
                self.message_user(request, f"A test copy is on its way to {to_email}.")
        return redirect(reverse("admin:campaigns_campaign_change", args=[campaign.pk]))

    def send_view(self, request, pk):
        campaign = self._campaign_for_change(request, pk)
        if request.method == "POST":
            try:
                services.start_sending(campaign_id=campaign.pk, acting_user=request.user)
            except services.CampaignError as error:
                self.message_user(request, str(error), messages.ERROR)
            else:
                self.message_user(request, "Sending has started; the results fill in as it goes.")
            return redirect(reverse("admin:campaigns_campaign_change", args=[campaign.pk]))
        return TemplateResponse(
            request,
            "admin/campaigns/campaign/send_confirm.html",
            {
                **self.admin_site.each_context(request),
                "title": "Send this campaign?",
                "campaign": campaign,
                "audience": services.audience(campaign).count(),
                "opts": self.model._meta,
            },
        )


@admin.register(Announcement)
class AnnouncementAdmin(admin.ModelAdmin):
    list_display = ["message", "level", "starts_at", "ends_at", "mailed_at", "recipients"]
    readonly_fields = ["mailed_at", "mailed_by", "recipients"]
    actions = ["mail_to_customers"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.announcements_changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        services.announcements_changed()

    @admin.action(description="Mail to all active customers (once)", permissions=["change"])
    def mail_to_customers(self, request, queryset):
        for announcement in queryset:
            try:
                services.mail_announcement(
                    announcement_id=announcement.pk, acting_user=request.user
                )
            except services.CampaignError as error:
                self.message_user(request, f"{announcement}: {error}", messages.ERROR)
            else:
                self.message_user(request, f"{announcement}: the service mail is being sent.")
