"""The period of a partner report (P18)."""

from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.conf import settings
from django.utils import timezone


def default_period(today: date) -> tuple[date, date]:
    """The 30 days up to yesterday: whole days only."""
    return today - timedelta(days=30), today - timedelta(days=1)


class PeriodForm(forms.Form):
    start = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="To (inclusive)", widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start is None or end is None:
            return cleaned
        longest = settings.PARTNER_REPORT_MAX_DAYS
        if end < start:
            raise forms.ValidationError("The period must end on or after the day it starts.")
        if end > timezone.localdate():
            raise forms.ValidationError("The period cannot end after today.")
        if (end - start).days + 1 > longest:
            raise forms.ValidationError(f"Choose a period of at most {longest} days.")
        return cleaned
