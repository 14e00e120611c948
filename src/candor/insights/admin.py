"""Insights in the back office, read only.

- Page views (P11): the most viewed pages with a sparkline each, and a chart of one page's
  views over time; staff who may view page counts.
- Partner reports (P18): for a period, the aggregate statistics a partner may receive, as a
  page with charts and as CSV files; staff with the "view_partner_report" permission.
"""

import csv

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode

from . import charts, partner_report, queries, releases
from .forms import PeriodForm, default_period
from .models import PageViewDay, PartnerReport
from .suppression import TOTAL

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


@admin.register(PartnerReport)
class PartnerReportAdmin(admin.ModelAdmin):
    """A report page and its CSV files instead of a list of rows (there is no table)."""

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("insights.view_partner_report")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("", view(self.changelist_view), name="insights_partnerreport_changelist"),
            path("csv/<slug:table>/", view(self.csv_view), name="insights_partnerreport_csv"),
        ]

    def _period_form(self, request) -> PeriodForm:
        if "start" in request.GET or "end" in request.GET:
            return PeriodForm(request.GET)
        start, end = default_period(timezone.localdate())
        return PeriodForm({"start": start.isoformat(), "end": end.isoformat()})

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = self._period_form(request)
        context = {
            **self.admin_site.each_context(request),
            "title": "Partner report",
            "opts": self.model._meta,
            "form": form,
        }
        if not form.is_valid():
            return TemplateResponse(
                request, "admin/insights/partnerreport/report.html", context, status=400
            )
        report = partner_report.build(
            start=form.cleaned_data["start"], end=form.cleaned_data["end"]
        )
        query = urlencode({"start": report.start.isoformat(), "end": report.end.isoformat()})
        context.update(
            report=report,
            csv_links=[
                (
                    table.title,
                    f"{reverse('admin:insights_partnerreport_csv', args=[table.key])}?{query}",
                )
                for table in report.tables
            ],
            grids=_grids(report),
            charts=_charts(report),
            released=releases.released_periods(),
            clash=releases.overlapping(report.start, report.end).first(),
        )
        return TemplateResponse(request, "admin/insights/partnerreport/report.html", context)

    def csv_view(self, request, table):
        if not self.has_view_permission(request):
            raise PermissionDenied
        if table not in partner_report.TABLE_KEYS:
            return HttpResponse("No such table.", status=404, content_type="text/plain")
        form = PeriodForm(request.GET)
        if not form.is_valid():
            reasons = "; ".join(e for errors in form.errors.values() for e in errors)
            return HttpResponse(reasons, status=400, content_type="text/plain; charset=utf-8")
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        try:
            releases.release(first_day=start, last_day=end, acting_user=request.user)
        except releases.ReleaseRefused as refused:
            return HttpResponse(str(refused), status=409, content_type="text/plain; charset=utf-8")
        report = partner_report.build(start=start, end=end)
        found = report.table(table)
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="partner-{found.key}-{report.start}-{report.end}.csv"'
        )
        writer = csv.writer(response)
        writer.writerow([found.row_heading, found.column_heading, *found.measures])
        for row_name, column_name, figures in found.records():
            writer.writerow(
                [row_name, column_name, *(WITHHELD if f is None else f for f in figures)]
            )
        return response


WITHHELD = "withheld"


def _grids(report: partner_report.PartnerReport) -> list[dict]:
    """The tables as the page shows them: one grid per table and measure."""
    shown = [
        (report.sales, "orders", "Orders by shipping country", False),
        (report.sales, "items", "Items sold by country and category", False),
        (
            report.sales,
            "revenue",
            f"Revenue ({report.currency}, goods before shipping) by country and category",
            True,
        ),
        (report.order_sizes, "orders", "Orders per day by order total", False),
        (report.page_views, "views", "Views per day of the most viewed pages", False),
    ]
    return [
        {
            "id": f"{table.key}-{measure}",
            "table": table,
            "caption": label,
            "corner": (
                table.row_heading
                if measure in table.totals_only
                else f"{table.row_heading} \\ {table.column_heading}"
            ),
            "columns": [
                table.name((TOTAL, c))[1]
                for c in table.all_columns
                if table.applies((TOTAL, c), measure)
            ],
            "rows": table.grid(measure),
            "money": money,
        }
        for table, measure, label, money in shown
    ]


def _charts(report: partner_report.PartnerReport) -> list:
    sales, sizes, views = report.sales, report.order_sizes, report.page_views

    def released(table, positions, measure):
        return [
            (table.name(p)[0 if p[1] is TOTAL else 1], float(v))
            for p in positions
            if (v := table.value(p, measure)) is not None
        ]

    days = sizes.rows
    return [
        charts.bar_chart(
            released(sales, [(r, TOTAL) for r in sales.rows], "revenue"),
            title=f"Revenue by shipping country ({report.currency})",
        ),
        charts.bar_chart(
            released(sales, [(TOTAL, c) for c in sales.columns], "revenue"),
            title=f"Revenue by category ({report.currency})",
        ),
        charts.stacked_days(
            days,
            [
                (sizes.column_names[c], [sizes.value((d, c), "orders") for d in days])
                for c in sizes.columns
            ],
            title="Orders per day by order total",
            lines=False,
        ),
        charts.stacked_days(
            views.rows,
            [(c, [views.value((d, c), "views") for d in views.rows]) for c in views.columns],
            title="Views per day of the most viewed pages",
            lines=True,
        ),
    ]
