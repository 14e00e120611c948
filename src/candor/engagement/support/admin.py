"""The back office for support (P5): the list of threads, each thread's conversation with its
internal notes and history, and the staff actions, each through its service.

Nothing is edited through the generic admin form: a thread page is read-only, and answering,
noting, assigning, closing and reopening are POST-only views that check their permission
(`support.answer_thread`, `support.assign_thread`) and call the service. Site feedback is a
read-only list.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse

from candor.privacy.admin_masking import MaskPersonalData
from candor.privacy.card_numbers import MASKED_NOTICE

from . import services
from .files import attachment_response
from .forms import AnswerForm, AssignForm, NoteForm
from .models import Feedback, Message, Thread


@admin.register(Thread)
class ThreadAdmin(MaskPersonalData, admin.ModelAdmin):
    list_display = ["number", "subject", "status", "assignee", "name", "last_activity_at"]
    list_filter = ["status", ("assignee", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["assignee"]
    search_fields = ["number", "subject", "email"]
    date_hierarchy = "last_activity_at"
    fields = [
        "number",
        "status",
        "subject",
        "name",
        "email",
        "customer",
        "order",
        "assignee",
        "created_at",
        "last_activity_at",
    ]
    readonly_fields = fields
    change_form_template = "admin/support/thread/change_form.html"

    def has_add_permission(self, request):
        return False  # threads come from customers, through the contact form

    def has_change_permission(self, request, obj=None):
        return False  # every change goes through a service, below

    def has_delete_permission(self, request, obj=None):
        return False  # the retention job deletes threads (data map)

    def get_urls(self):
        def view(name, function):
            return path(
                f"<int:object_id>/{name}/",
                self.admin_site.admin_view(function),
                name=f"support_thread_{name}",
            )

        return [
            view("answer", self.answer_view),
            view("note", self.note_view),
            view("assign", self.assign_view),
            view("close", self.close_view),
            view("reopen", self.reopen_view),
            path(
                "<int:object_id>/files/<int:pk>/",
                self.admin_site.admin_view(self.file_view),
                name="support_thread_file",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        thread = self.get_object(request, object_id)
        context = dict(extra_context or {})
        if thread is not None and self.has_view_permission(request, thread):
            user = request.user
            context.update(
                conversation=list(
                    Message.objects.filter(thread=thread)
                    .select_related("staff_user")
                    .prefetch_related("attachments")
                ),
                notes=list(thread.notes.select_related("staff")),
                events=list(thread.events.select_related("acting_user")),
                can_answer=user.has_perm("support.answer_thread"),
                can_assign=user.has_perm("support.assign_thread"),
                answer_form=AnswerForm(),
                note_form=NoteForm(),
                assign_form=AssignForm(initial={"assignee": thread.assignee_id}),
            )
        return super().change_view(request, object_id, form_url, extra_context=context)

    # --- staff actions: POST only, each with its permission --------------------------------------

    def _thread_for(self, request, object_id, permission: str) -> Thread:
        if not request.user.has_perm(f"support.{permission}"):
            raise PermissionDenied
        return get_object_or_404(Thread, pk=object_id)

    def _back(self, thread: Thread):
        return redirect(reverse("admin:support_thread_change", args=[thread.pk]))

    def _refused(self, request, what: str, errors) -> None:
        reasons = " ".join(str(error) for error_list in errors.values() for error in error_list)
        self.message_user(request, f"{what}: {reasons}", messages.ERROR)

    def answer_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        thread = self._thread_for(request, object_id, "answer_thread")
        form = AnswerForm(request.POST)
        if not form.is_valid():
            self._refused(request, "The answer was not sent", form.errors)
            return self._back(thread)
        try:
            posted = services.answer_thread(
                thread=thread,
                body=form.cleaned_data["body"],
                token=form.cleaned_data["token"],
                acting_user=request.user,
            )
        except services.SupportError as refused:
            self.message_user(request, str(refused), messages.ERROR)
            return self._back(thread)
        if posted.masked:
            self.message_user(request, MASKED_NOTICE, messages.WARNING)
        if posted.created:
            self.message_user(request, f"Answer sent to {thread.email}.", messages.SUCCESS)
        return self._back(thread)

    def note_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        thread = self._thread_for(request, object_id, "answer_thread")
        form = NoteForm(request.POST)
        if not form.is_valid():
            self._refused(request, "The note was not saved", form.errors)
            return self._back(thread)
        _note, masked = services.add_internal_note(
            thread=thread, body=form.cleaned_data["body"], acting_user=request.user
        )
        if masked:
            self.message_user(request, MASKED_NOTICE, messages.WARNING)
        self.message_user(request, "Internal note added.", messages.SUCCESS)
        return self._back(thread)

    def assign_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        thread = self._thread_for(request, object_id, "assign_thread")
        form = AssignForm(request.POST)
        if not form.is_valid():
            self._refused(request, "Not assigned", form.errors)
            return self._back(thread)
        assignee = form.cleaned_data["assignee"]
        try:
            services.assign_thread(thread=thread, assignee=assignee, acting_user=request.user)
        except services.SupportError as refused:
            self.message_user(request, str(refused), messages.ERROR)
        else:
            self.message_user(
                request,
                f"Assigned to {assignee.email if assignee else 'nobody'}.",
                messages.SUCCESS,
            )
        return self._back(thread)

    def close_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        thread = self._thread_for(request, object_id, "answer_thread")
        services.close_thread(thread=thread, acting_user=request.user)
        self.message_user(request, f"{thread.number} is closed.", messages.SUCCESS)
        return self._back(thread)

    def reopen_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        thread = self._thread_for(request, object_id, "answer_thread")
        services.reopen_thread(thread=thread, acting_user=request.user)
        self.message_user(request, f"{thread.number} is open again.", messages.SUCCESS)
        return self._back(thread)

    def file_view(self, request, object_id, pk):
        thread = get_object_or_404(Thread, pk=object_id)
        if not self.has_view_permission(request, thread):
            raise PermissionDenied
        return attachment_response(thread, pk)


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    """Read-only: anonymous comments, to learn from (purpose: improvement)."""

    list_display = ["created_at", "page_path", "excerpt"]
    search_fields = ["message", "page_path"]
    date_hierarchy = "created_at"
    fields = readonly_fields = ["created_at", "page_path", "message"]

    @admin.display(description="feedback")
    def excerpt(self, obj: Feedback) -> str:
        return obj.message if len(obj.message) <= 120 else obj.message[:119] + "…"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
