"""Prefilled admin forms (`…/add/?product=12`) that ignore a value naming no record.

The admin fills an add form from the query string, and an autocomplete widget looks the
prefilled value up to show its label: a value that is not a valid key (`?product=abc`) made
that lookup raise while the page rendered (a 500). Such a value is dropped instead, as if it
had not been given.
"""

from django.core.exceptions import ValidationError


class AutocompleteInitialMixin:
    """For ModelAdmins with `autocomplete_fields`."""

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)  # type: ignore[misc]
        for name in getattr(self, "autocomplete_fields", ()):
            if name not in initial:
                continue
            target = self.model._meta.get_field(name).target_field  # type: ignore[attr-defined]
            wanted = initial[name] if isinstance(initial[name], list) else [initial[name]]
            try:
                for value in wanted:
                    target.clean(value, None)
            except ValidationError:
                del initial[name]
        return initial
