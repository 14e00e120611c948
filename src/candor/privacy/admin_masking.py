"""Masking in the back office (P15): a mixin for ModelAdmins and inlines.

- Lists: a personal field of a family the role may not reveal is shown masked (`a***@e***.com`,
  `***67`) and is not searchable by that role; roles with the family permission see it as it is.
- Detail pages: every personal field of a family is shown masked, to every role. A role with
  the family's permission gets a "Reveal" link: it asks for a reason, shows the values once and
  writes an access record (staff_access.reveal). Masked fields are read-only here, so a form
  never carries the raw value either.

Which fields and families: staff_access.masked_fields, from the data map. How records are
named (titles, messages, the delete confirmation, the admin log): admin_titles.py.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from .admin_titles import MaskedTitles
from .masking import mask_value
from .staff_access import MaskedField, masked_fields, may_reveal

_displays: dict[tuple[type, str, bool], Callable[[Any], Any]] = {}


def reveal_url(obj, family: str) -> str:
    return reverse("admin:privacy_reveal", args=[obj._meta.label_lower, obj.pk, family])


def _display(model: type, masked: MaskedField, with_link: bool) -> Callable[[Any], Any]:
    """One display function per (model, field, link): the admin matches readonly fields and
    field lists by identity, so the same object must come back every time."""
    key = (model, masked.name, with_link)
    if key not in _displays:

        def show(obj):
            masked_text = mask_value(masked.category, getattr(obj, masked.name))
            if not masked_text:
                return None  # the admin's empty-value dash
            if not with_link or obj.pk is None:
                return masked_text
            return format_html(
                '{} <a href="{}" class="reveal-link">Reveal</a>',
                masked_text,
                reveal_url(obj, masked.family),
            )

        field = model._meta.get_field(masked.name)
        show.short_description = field.verbose_name  # type: ignore[attr-defined]
        show.admin_order_field = masked.name  # type: ignore[attr-defined]
        show.__name__ = f"masked_{masked.name}"
        _displays[key] = show
    return _displays[key]


def _swap(items: Sequence[Any], swap: Callable[[Any], Any]) -> list[Any]:
    """Replace names in a field list, keeping tuples (fields shown on one line) as tuples."""
    return [
        tuple(swap(i) for i in item) if isinstance(item, (list, tuple)) else swap(item)
        for item in items
    ]


# The hooks the mixin post-processes. A ModelAdmin that overrides one of them (OrderAdmin's
# get_readonly_fields, say) would otherwise bypass the mixin: __init_subclass__ wraps its
# override so the result is masked all the same. Each step is idempotent.
_HOOKS = (
    "get_list_display",
    "get_search_fields",
    "get_exclude",
    "get_readonly_fields",
    "get_fields",
    "get_fieldsets",
)


def _masking(name: str, method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def wrapper(self, request, *args, **kwargs):
        result = method(self, request, *args, **kwargs)
        obj = args[0] if args else kwargs.get("obj")
        return getattr(self, f"_mask_{name}")(request, result, obj)

    wrapper._masks = True  # type: ignore[attr-defined]
    return wrapper


class MaskPersonalData(MaskedTitles):
    """Mix into a ModelAdmin or an inline (before admin.ModelAdmin / TabularInline)."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for name in _HOOKS:
            own = cls.__dict__.get(name)
            if own is not None and not getattr(own, "_masks", False):
                setattr(cls, name, _masking(name, own))

    def _masked(self) -> dict[str, MaskedField]:
        return masked_fields(self.model)  # type: ignore[attr-defined]

    def _detail_swap(self, request) -> Callable[[Any], Any]:
        masked = self._masked()

        def swap(name):
            if isinstance(name, str) and name in masked:
                field = masked[name]
                with_link = may_reveal(request.user, field.family)
                return _display(self.model, field, with_link)  # type: ignore[attr-defined]
            return name

        return swap

    # --- lists ------------------------------------------------------------------------------

    def _mask_get_list_display(self, request, shown_fields, obj=None):
        masked = self._masked()
        hidden = {n: f for n, f in masked.items() if not may_reveal(request.user, f.family)}
        model = self.model  # type: ignore[attr-defined]
        return [
            _display(model, hidden[n], False) if isinstance(n, str) and n in hidden else n
            for n in shown_fields
        ]

    def _mask_get_search_fields(self, request, fields, obj=None):
        """A role may not search by what it may not see (else the search box reveals it)."""
        masked = self._masked()
        return [
            f
            for f in fields
            if not (
                (name := f.lstrip("^=@").split("__")[0]) in masked
                and not may_reveal(request.user, masked[name].family)
            )
        ]

    # --- detail pages -----------------------------------------------------------------------

    def _mask_get_exclude(self, request, excluded, obj=None):
        if obj is None:
            return excluded
        return [*(excluded or ()), *(n for n in self._masked() if n not in (excluded or ()))]

    def _mask_get_readonly_fields(self, request, readonly, obj=None):
        if obj is None:
            return readonly
        swap = self._detail_swap(request)
        swapped = [swap(name) for name in readonly]
        return swapped + [d for d in map(swap, self._masked()) if d not in swapped]

    def _mask_get_fields(self, request, fields, obj=None):
        if obj is None:
            return fields
        seen: list[Any] = []
        for field in _swap(fields, self._detail_swap(request)):
            if field not in seen:
                seen.append(field)
        return seen

    def _mask_get_fieldsets(self, request, fieldsets, obj=None):
        if obj is None:
            return fieldsets
        swap = self._detail_swap(request)
        return [
            (title, {**options, "fields": _swap(options["fields"], swap)})
            for title, options in fieldsets
        ]

    def get_list_display(self, request):
        return self._mask_get_list_display(request, super().get_list_display(request))  # type: ignore[misc]

    def get_search_fields(self, request):
        return self._mask_get_search_fields(request, super().get_search_fields(request))  # type: ignore[misc]

    def get_exclude(self, request, obj=None):
        return self._mask_get_exclude(request, super().get_exclude(request, obj), obj)  # type: ignore[misc]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))  # type: ignore[misc]
        return self._mask_get_readonly_fields(request, readonly, obj)

    def get_fields(self, request, obj=None):
        return self._mask_get_fields(request, super().get_fields(request, obj), obj)  # type: ignore[misc]

    def get_fieldsets(self, request, obj=None):
        return self._mask_get_fieldsets(request, super().get_fieldsets(request, obj), obj)  # type: ignore[misc]

    def has_add_permission(self, request, *args):
        # An inline row added beside masked, read-only fields would be saved without them.
        if isinstance(self, admin.options.InlineModelAdmin) and self._masked():
            return False
        return super().has_add_permission(request, *args)  # type: ignore[misc]
