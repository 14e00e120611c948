"""Reads of the page counts that the back office's charts share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Sum

from .models import PageViewDay


@dataclass(frozen=True)
class PageSeries:
    path: str
    start: date
    daily: list[int]  # views on start, start + 1 day, … (0 where nothing was counted)

    @property
    def total(self) -> int:
        return sum(self.daily)

    def points(self) -> list[tuple[date, int]]:
        return [(self.start + timedelta(days=i), n) for i, n in enumerate(self.daily)]


def _series(paths: list[str], start: date, end: date) -> dict[str, list[int]]:
    length = (end - start).days + 1
    series = {path: [0] * length for path in paths}
    rows = PageViewDay.objects.filter(path__in=paths, day__gte=start, day__lte=end)
    for path, day, views in rows.order_by().values_list("path", "day", "views"):
        series[path][(day - start).days] = views
    return series


def top_pages(*, days: int, today: date, limit: int = 50) -> list[PageSeries]:
    """The most viewed pages over the `days` days ending `today`, each with its daily views.
    Two queries whatever the number of pages."""
    start = today - timedelta(days=days - 1)
    totals = (
        PageViewDay.objects.filter(day__gte=start, day__lte=today)
        .values("path")
        .annotate(total=Sum("views"))
        .order_by("-total", "path")[:limit]
    )
    paths = [row["path"] for row in totals]
    series = _series(paths, start, today)
    return [PageSeries(path, start, series[path]) for path in paths]


def page_series(*, path: str, days: int, today: date) -> PageSeries:
    start = today - timedelta(days=days - 1)
    return PageSeries(path, start, _series([path], start, today)[path])
