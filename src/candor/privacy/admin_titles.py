"""How the back office names a record without its personal data (P15).

Django's admin prints `str(obj)` in many places besides the fields: the change page's title
and breadcrumbs, the history page, inline headings, the delete confirmation (the record and
everything deleted with it), the "saved" and "deleted" messages, the action checkbox's label,
and `LogEntry.object_repr`, which the index page's "Recent actions" shows and which is stored.
A customer's `__str__` is often their email or postal address, so each of those places gets
`masked_str(obj)` instead: `str(obj)` with every value of the record's personal fields (data
map families, staff_access.masked_fields) replaced by its masked form. Used by
MaskPersonalData (admin_masking.py) and the reveal page.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.utils import NestedObjects, quote
from django.db import router
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.text import capfirst

from .masking import mask_value
from .staff_access import masked_fields


class _Shown:
    """An object as a page names it: its own attributes, a masked str()."""

    def __init__(self, obj, text: str) -> None:
        self.__dict__["_obj"] = obj
        self.__dict__["_text"] = text

    def __getattr__(self, name: str):
        return getattr(self.__dict__["_obj"], name)

    def __str__(self) -> str:
        return self.__dict__["_text"]


def masked_str(obj) -> str:
    """str(obj) with each value of its personal fields replaced by the masked form."""
    text = str(obj)
    for masked in masked_fields(type(obj)).values():
        value = getattr(obj, masked.name, None)
        raw = "" if value is None else str(value)
        if len(raw) >= 2 and raw in text:
            text = text.replace(raw, mask_value(masked.category, raw) or "***")
    return text


def shown(obj):
    """`obj`, or a stand-in whose str() is masked when str(obj) would show personal data."""
    if obj is None:
        return obj
    text = masked_str(obj)
    return obj if text == str(obj) else _Shown(obj, text)


def deleted_objects(objs, request, admin_site):
    """django.contrib.admin.utils.get_deleted_objects, naming each record by masked_str:
    the delete confirmation lists everything a deletion takes with it (a customer's
    addresses, sign-in addresses, mail), each by its str()."""
    try:
        first = objs[0]
    except IndexError:
        return [], {}, set(), []
    collector = NestedObjects(using=router.db_for_write(first._meta.model), origin=objs)
    collector.collect(objs)
    perms_needed = set()

    def format_callback(obj):
        opts = obj._meta
        name = masked_str(obj)
        if admin_site.is_registered(obj.__class__):
            if not admin_site.get_model_admin(obj.__class__).has_delete_permission(request, obj):
                perms_needed.add(opts.verbose_name)
            try:
                url = reverse(
                    f"{admin_site.name}:{opts.app_label}_{opts.model_name}_change",
                    None,
                    (quote(obj.pk),),
                )
            except NoReverseMatch:
                return f"{capfirst(opts.verbose_name)}: {name}"
            return format_html('{}: <a href="{}">{}</a>', capfirst(opts.verbose_name), url, name)
        return f"{capfirst(opts.verbose_name)}: {name}"

    to_delete = collector.nested(format_callback)
    protected = [format_callback(obj) for obj in collector.protected]
    model_count = {
        model._meta.verbose_name_plural: len(objs) for model, objs in collector.model_objs.items()
    }
    return to_delete, model_count, perms_needed, protected


class _MaskedInlineFormSet(admin.helpers.InlineAdminFormSet):
    def __iter__(self):
        for inline_form in super().__iter__():
            inline_form.original = shown(inline_form.original)
            yield inline_form


class MaskedTitles:
    """For a ModelAdmin: every place the admin prints a record names it by masked_str.
    Mixed in through MaskPersonalData (an inline never calls these)."""

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            named = shown(obj)
            if named is not obj:
                context = {**context, "original": named, "subtitle": str(named)}
        return super().render_change_form(request, context, add, change, form_url, obj)  # type: ignore[misc]

    def get_inline_formsets(self, request, formsets, inline_instances, obj=None):
        wrapped = []
        for inline_formset in super().get_inline_formsets(  # type: ignore[misc]
            request, formsets, inline_instances, obj
        ):
            if masked_fields(inline_formset.opts.model):
                inline_formset.__class__ = _MaskedInlineFormSet
            wrapped.append(inline_formset)
        return wrapped

    def history_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, object_id)  # type: ignore[attr-defined]
        named = shown(obj)
        if obj is not None and named is not obj:
            extra_context = {
                **(extra_context or {}),
                "object": named,
                "title": f"Change history: {named}",
            }
        return super().history_view(request, object_id, extra_context)  # type: ignore[misc]

    # --- what is stored: LogEntry.object_repr ----------------------------------------------

    def log_addition(self, request, obj, message):
        return super().log_addition(request, shown(obj), message)  # type: ignore[misc]

    def log_change(self, request, obj, message):
        return super().log_change(request, shown(obj), message)  # type: ignore[misc]

    def log_deletions(self, request, queryset):
        return super().log_deletions(request, [shown(obj) for obj in queryset])  # type: ignore[misc]

    # --- messages and labels -----------------------------------------------------------------

    def response_add(self, request, obj, post_url_continue=None):
        return super().response_add(request, shown(obj), post_url_continue)  # type: ignore[misc]

    def response_change(self, request, obj):
        return super().response_change(request, shown(obj))  # type: ignore[misc]

    def response_delete(self, request, obj_display, obj_id):
        # The record is gone by now; its number names it well enough.
        return super().response_delete(request, f"#{obj_id}", obj_id)  # type: ignore[misc]

    def action_checkbox(self, obj):
        return super().action_checkbox(shown(obj))  # type: ignore[misc]

    # --- the delete confirmation ------------------------------------------------------------

    def get_deleted_objects(self, objs, request):
        return deleted_objects(objs, request, self.admin_site)  # type: ignore[attr-defined]

    def render_delete_form(self, request, context):
        if context.get("object") is not None:
            context = {**context, "object": shown(context["object"])}
        return super().render_delete_form(request, context)  # type: ignore[misc]
