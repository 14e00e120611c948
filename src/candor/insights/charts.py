"""Charts drawn on the server as SVG: staff look at them; no script, no third-party file."""

from __future__ import annotations

import re
from datetime import date

import pygal
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from pygal.style import Style

# pygal's credits (links nobody needs here) and the inline script it always writes (its
# configuration for the tooltips, which would need its external script anyway).
NOT_NEEDED = re.compile(r"<!--.*?-->|<script\b.*?</script>", re.DOTALL)
STYLE = Style(
    background="white",
    plot_background="white",
    foreground="#333",
    foreground_strong="#111",
    foreground_subtle="#ccc",
    colors=("#1f6f8b",),
    font_family="system-ui, sans-serif",
)


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
    return _inline(chart, title)


def _inline(chart, title: str) -> SafeString:
    # pygal writes the SVG with an XML serialiser: every text in it is escaped.
    svg = NOT_NEEDED.sub("", chart.render(is_unicode=True))
    return mark_safe(svg.replace("<svg ", f'<svg role="img" aria-label="{_escape(title)}" ', 1))


# Several series on one chart (order-size bands, pages): colours told apart also by people
# with the commonest colour-vision deficiencies (Okabe and Ito's palette).
MANY = Style(
    background="white",
    plot_background="white",
    foreground="#333",
    foreground_strong="#111",
    foreground_subtle="#ccc",
    colors=("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#000"),
    font_family="system-ui, sans-serif",
)


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
    return _inline(chart, title)


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
    return _inline(chart, title)


def _escape(text: str) -> str:
    return str(format_html("{}", text))


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
