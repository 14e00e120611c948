"""Page views in the back office (P11): the most viewed pages with a sparkline each, and a
chart of one page's views over time. Read only; staff who may view page counts."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode

from . import charts, queries
from .models import PageViewDay

PERIODS = (7, 30, 90, 365)
DEFAULT_PERIOD = 30
CHART_PERIOD = 90


def _period(request, default: int) -> int:
    try:
        days = int(request.GET.get("days", default))
    except ValueError:
        return default
    return days if days in PERIODS else default


@admin.register(PageViewDay)
class PageViewDayAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path(
                "chart/",
                self.admin_site.admin_view(self.chart_view),
                name="insights_pageviewday_chart",
            ),
            *super().get_urls(),
        ]

    def _context(self, request, title: str, days: int) -> dict:
        return {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.model._meta,
            "days": days,
            "periods": PERIODS,
        }

    def changelist_view(self, request, extra_context=None):
        """The top pages instead of a table of rows: people would rather look than read."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        days = _period(request, DEFAULT_PERIOD)
        chart_url = reverse("admin:insights_pageviewday_chart")
        pages = [
            {
                "path": page.path,
                "total": page.total,
                "sparkline": charts.sparkline(page.daily),
                "url": f"{chart_url}?{urlencode({'path': page.path, 'days': max(days, 30)})}",
            }
            for page in queries.top_pages(days=days, today=timezone.localdate())
        ]
        return TemplateResponse(
            request,
            "admin/insights/pageviewday/top_pages.html",
            {**self._context(request, "Most viewed pages", days), "pages": pages},
        )

    def chart_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        days = _period(request, CHART_PERIOD)
        page_path = request.GET.get("path", "").strip()
        context = self._context(request, "Views of a page", days)
        if not page_path:
            context["error"] = "Choose a page from the list of most viewed pages."
            return TemplateResponse(
                request, "admin/insights/pageviewday/chart.html", context, status=400
            )
        series = queries.page_series(path=page_path, days=days, today=timezone.localdate())
        context.update(
            path=page_path,
            total=series.total,
            chart=charts.line_chart(series.points(), title=f"Views per day, last {days} days"),
        )
        return TemplateResponse(request, "admin/insights/pageviewday/chart.html", context)
