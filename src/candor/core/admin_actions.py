"""Admin actions that first ask for a value (a percentage, a tracking number) on a small form."""

from django.contrib import messages
from django.template.response import TemplateResponse


def action_with_form(*, form_class, title: str, apply):
    """Build an admin action: show `form_class`, then call apply(request, queryset, cleaned)."""

    def action(modeladmin, request, queryset):
        form = form_class(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            outcome = apply(request, queryset, form.cleaned_data)
            modeladmin.message_user(request, outcome, messages.SUCCESS)
            return None
        return TemplateResponse(
            request,
            "admin/candor/action_form.html",
            {
                **modeladmin.admin_site.each_context(request),
                "title": title,
                "form": form,
                "objects": list(queryset),
                "action": request.POST.get("action"),
                "opts": modeladmin.model._meta,
            },
        )

    action.short_description = title
    action.__name__ = "action_" + "".join(c if c.isalnum() else "_" for c in title.lower())
    # Offered only to staff who may change the objects, not to those who may only view them.
    action.allowed_permissions = ("change",)
    return action
