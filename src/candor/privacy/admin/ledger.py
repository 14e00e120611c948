"""The disclosure ledger, recipient notices, legal requests and the business transfer in the
back office (P16, P17, P23). Ledger rows are written only by disclosures.disclose(): read only
here. Legal requests are recorded and decided through privacy/legal.py."""

import tempfile

from django import forms
from django.contrib import admin, messages
from django.http import FileResponse, HttpResponseForbidden, HttpResponseNotFound
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from .. import legal, transfer
from ..admin_masking import MaskPersonalData
from ..ledger_models import (
    DisclosureRecord,
    LegalDocument,
    LegalRequest,
    LegalRequestEvent,
    LegalStatus,
    RecipientNotice,
)


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class TransferForm(forms.Form):
    successor = forms.CharField(max_length=200, help_text="Who receives the shop.")
    reference = forms.CharField(max_length=60, help_text="The sale agreement's reference.")
    confirm = forms.BooleanField(label="I am the owner and the transfer is agreed.")


@admin.register(DisclosureRecord)
class DisclosureRecordAdmin(MaskPersonalData, ReadOnly):
    list_display = ["at", "recipient", "model", "rows", "purpose", "reference", "subject_email"]
    list_filter = ["recipient", "purpose", "whole_shop", "withheld"]
    search_fields = ["reference", "subject_email"]
    date_hierarchy = "at"
    show_full_result_count = False

    def get_urls(self):
        return [
            path(
                "transfer/",
                self.admin_site.admin_view(self.transfer_view),
                name="privacy_business_transfer",
            ),
            *super().get_urls(),
        ]

    def transfer_view(self, request):
        """P23: the owner exports the whole shop; everyone else is refused and logged."""
        if not transfer.may_transfer(request.user):
            transfer.logger.warning("business transfer page refused for %s", request.user.pk)
            return HttpResponseForbidden("Only the shop's owner may export the whole shop.")
        form = TransferForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            out = tempfile.TemporaryFile()  # noqa: SIM115  (FileResponse closes it)
            transfer.export_business(
                successor=form.cleaned_data["successor"],
                reference=form.cleaned_data["reference"],
                out=out,
                acting_user=request.user,
            )
            out.seek(0)
            stamp = timezone.now().strftime("%Y%m%d-%H%M")
            return FileResponse(out, as_attachment=True, filename=f"candor-shop-{stamp}.zip")
        return TemplateResponse(
            request,
            "admin/privacy/disclosurerecord/transfer.html",
            {
                **self.admin_site.each_context(request),
                "title": "Business transfer: export the whole shop",
                "form": form,
                "opts": self.model._meta,
            },
            status=400 if form.is_bound and form.errors else 200,
        )


@admin.register(RecipientNotice)
class RecipientNoticeAdmin(MaskPersonalData, ReadOnly):
    list_display = ["created_at", "recipient", "reason", "request_ref", "forwarded_at"]
    list_filter = ["recipient", "reason", ("forwarded_at", admin.EmptyFieldListFilter)]
    actions = ["mark_forwarded"]

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("privacy.change_recipientnotice")

    @admin.action(description="Mark forwarded to the recipient", permissions=["change"])
    def mark_forwarded(self, request, queryset):
        done = queryset.filter(forwarded_at__isnull=True).update(
            forwarded_at=timezone.now(), forwarded_by=request.user
        )
        self.message_user(request, f"{done} notice(s) marked forwarded.")


class DocumentInline(admin.TabularInline):
    model = LegalDocument
    extra = 1
    fields = ["file", "uploaded_at"]
    readonly_fields = ["uploaded_at"]
    can_delete = False

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None  # documents are added with the request, never replaced


class EventInline(admin.TabularInline):
    model = LegalRequestEvent
    extra = 0
    fields = readonly_fields = ["at", "actor", "action", "note"]
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class LegalRequestForm(forms.ModelForm):
    class Meta:
        model = LegalRequest
        fields = [
            "authority",
            "instrument",
            "scope",
            "subject_email",
            "subject_user_id",
            "customer_notice_barred",
        ]


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("refuse", "Refuse")])
    reason = forms.CharField(widget=forms.Textarea, max_length=2000)


@admin.register(LegalRequest)
class LegalRequestAdmin(MaskPersonalData, admin.ModelAdmin):
    form = LegalRequestForm
    list_display = ["__str__", "received_at", "instrument", "status", "customer_notice_barred"]
    list_filter = ["status", "customer_notice_barred"]
    inlines = [DocumentInline, EventInline]

    def _any(self, request) -> bool:
        return request.user.has_perm(legal.RECORD) or request.user.has_perm(legal.DECIDE)

    def has_module_permission(self, request) -> bool:
        return self._any(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return self._any(request)

    def has_add_permission(self, request) -> bool:
        return request.user.has_perm(legal.RECORD)

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None and self.has_add_permission(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return [*LegalRequestForm.Meta.fields, "status", "decided_by", "decided_at", "reason"]

    def save_model(self, request, obj, form, change):
        created = legal.record_legal_request(
            acting_user=request.user, **{k: form.cleaned_data[k] for k in form.Meta.fields}
        )
        obj.pk, obj._state.adding = created.pk, False

    def get_urls(self):
        return [
            path(
                "<int:pk>/decide/",
                self.admin_site.admin_view(self.decide_view),
                name="privacy_legalrequest_decide",
            ),
            path(
                "<int:pk>/complete/",
                self.admin_site.admin_view(self.complete_view),
                name="privacy_legalrequest_complete",
            ),
            path(
                "<int:pk>/export/",
                self.admin_site.admin_view(self.export_view),
                name="privacy_legalrequest_export",
            ),
            path(
                "<int:pk>/document/<int:doc>/",
                self.admin_site.admin_view(self.document_view),
                name="privacy_legalrequest_document",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if not str(object_id).isdigit():  # no such request: the admin says so, no links to build
            return super().change_view(request, object_id, form_url, extra_context)
        links = {
            "decide_url": reverse("admin:privacy_legalrequest_decide", args=[object_id]),
            "export_url": reverse("admin:privacy_legalrequest_export", args=[object_id]),
            "complete_url": reverse("admin:privacy_legalrequest_complete", args=[object_id]),
        }
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), **links})

    def decide_view(self, request, pk: int):
        """The privacy officer approves or refuses. A POST without the permission, for an
        unknown request or an already decided one is refused and audited (legal.py)."""
        if request.method == "POST":
            form = DecisionForm(request.POST)
            if form.is_valid():
                decide = (
                    legal.approve_legal_request
                    if form.cleaned_data["decision"] == "approve"
                    else legal.refuse_legal_request
                )
                try:
                    decide(
                        request_id=pk, reason=form.cleaned_data["reason"], acting_user=request.user
                    )
                except legal.LegalRequestRefused as refused:
                    return HttpResponseForbidden(str(refused))
                self.message_user(request, f"LR-{pk}: decision recorded.")
                return redirect(reverse("admin:privacy_legalrequest_change", args=[pk]))
        else:
            form = DecisionForm()
        if not request.user.has_perm(legal.DECIDE):
            return HttpResponseForbidden("Only the privacy officer may decide legal requests.")
        legal_request = LegalRequest.objects.filter(pk=pk).first()
        if legal_request is None:
            return HttpResponseNotFound("No such legal request.")
        return TemplateResponse(
            request,
            "admin/privacy/legalrequest/decide.html",
            {
                **self.admin_site.each_context(request),
                "title": f"Decide {legal_request.reference}",
                "legal_request": legal_request,
                "form": form,
                "opts": self.model._meta,
            },
            status=400 if form.is_bound else 200,
        )

    def complete_view(self, request, pk: int):
        if request.method != "POST":
            return redirect(reverse("admin:privacy_legalrequest_change", args=[pk]))
        try:
            legal.complete_legal_request(request_id=pk, acting_user=request.user)
        except legal.LegalRequestRefused as refused:
            return HttpResponseForbidden(str(refused))
        self.message_user(request, f"LR-{pk}: marked handed over.", messages.SUCCESS)
        return redirect(reverse("admin:privacy_legalrequest_change", args=[pk]))

    def export_view(self, request, pk: int):
        """The approved export, for the privacy officer only; each download is audited."""
        if not request.user.has_perm(legal.DECIDE):
            return HttpResponseForbidden("Only the privacy officer may download the export.")
        legal_request = LegalRequest.objects.filter(pk=pk).exclude(export="").first()
        if legal_request is None or legal_request.status not in (
            LegalStatus.APPROVED,
            LegalStatus.COMPLETED,
        ):
            return HttpResponseNotFound("No export for this request.")
        legal.audit_download(legal_request, request.user, "export")
        return FileResponse(
            legal_request.export.open("rb"),
            as_attachment=True,
            filename=f"{legal_request.reference}.json",
        )

    def document_view(self, request, pk: int, doc: int):
        if not self._any(request):
            return HttpResponseForbidden("You may not read legal request documents.")
        document = LegalDocument.objects.filter(pk=doc, legal_request_id=pk).first()
        if document is None:
            return HttpResponseNotFound("No such document.")
        legal.audit_download(document.legal_request, request.user, f"document {document}")
        return FileResponse(document.file.open("rb"), as_attachment=True, filename=str(document))
