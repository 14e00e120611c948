"""Charts drawn on the server as SVG: staff look at them; no script, no third-party file."""

from __future__ import annotations

from datetime import date

import pygal
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from candor.core.svg_charts import MANY, STYLE, inline


def line_chart(points: list[tuple[date, int]], *, title: str) -> SafeString:
    """Views per day as an SVG line chart, to be placed inline in a page."""
    chart = pygal.Line(
        style=STYLE,
        # No <script src>: pygal would otherwise link its tooltip script from another site.
        js=[],
        disable_xml_declaration=True,
        show_legend=False,
        width=900,
        height=320,
        x_label_rotation=30,
        show_minor_x_labels=False,
        x_labels_major_every=max(1, len(points) // 12),
        dots_size=2,
        fill=True,
        min_scale=1,
        include_x_axis=True,
        title=title,
    )
    chart.x_labels = [f"{day:%d %b}" for day, _ in points]
    chart.add("views", [views for _, views in points])
    return inline(chart, title)


def bar_chart(bars: list[tuple[str, float]], *, title: str) -> SafeString:
    """One horizontal bar per label (released figures only), largest first."""
    chart = pygal.HorizontalBar(
        style=STYLE,
        js=[],
        disable_xml_declaration=True,
        show_legend=False,
        width=900,
        height=max(160, 40 + 26 * len(bars)),
        title=title,
    )
    ordered = sorted(bars, key=lambda bar: bar[1])  # pygal draws the first at the bottom
    chart.x_labels = [label for label, _ in ordered]
    chart.add(title, [value for _, value in ordered])
    return inline(chart, title)


def stacked_days(
    days: list[date], series: list[tuple[str, list[float | None]]], *, title: str, lines: bool
) -> SafeString:
    """Several series over days: stacked bars (parts of a whole) or lines. None is a gap (a
    withheld figure)."""
    kind = pygal.Line if lines else pygal.StackedBar
    chart = kind(
        style=MANY,
        js=[],
        disable_xml_declaration=True,
        width=900,
        height=360,
        x_label_rotation=30,
        show_minor_x_labels=False,
        x_labels_major_every=max(1, len(days) // 12),
        legend_at_bottom=True,
        truncate_legend=40,
        title=title,
        **({"dots_size": 1.5} if lines else {}),
    )
    chart.x_labels = [f"{day:%d %b}" for day in days]
    for name, values in series:
        chart.add(name, values)
    return inline(chart, title)


def sparkline(values: list[int], *, width: int = 160, height: int = 28) -> SafeString:
    """A small line of the daily values, hand-drawn (pygal's sparkline carries 13 kB of
    style per chart; a page of fifty would weigh more than the data)."""
    if not values:
        return mark_safe("")
    top = max(values) or 1
    step = width / max(1, len(values) - 1)
    points = " ".join(
        f"{i * step:.1f},{height - 1 - (v / top) * (height - 2):.1f}" for i, v in enumerate(values)
    )
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" width="{}" height="{}" viewBox="0 0 {} {}" '
        'aria-hidden="true" focusable="false"><polyline fill="none" stroke="#1f6f8b" '
        'stroke-width="1.5" points="{}"/></svg>',
        width,
        height,
        width,
        height,
        points,
    )
