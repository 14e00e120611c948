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
    # pygal writes the SVG with an XML serialiser: every text in it is escaped.
    svg = NOT_NEEDED.sub("", chart.render(is_unicode=True))
    return mark_safe(svg.replace("<svg ", f'<svg role="img" aria-label="{_escape(title)}" ', 1))


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
