"""Bar charts of survey results, drawn on the server as inline SVG (pygal): no script, no
third-party file. Kept here rather than shared with insights, which engagement may not import.
"""

from __future__ import annotations

import re

import pygal
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from pygal.style import Style

# pygal's comments (credits) and the script it always writes (tooltip configuration that
# would need its external script).
_UNWANTED = re.compile(r"<!--.*?-->|<script\b.*?</script>", re.DOTALL)
_STYLE = Style(
    background="white",
    plot_background="white",
    foreground="#333",
    foreground_strong="#111",
    foreground_subtle="#ccc",
    colors=("#1f6f8b",),
    font_family="system-ui, sans-serif",
)


def bar_chart(labels: list[str], counts: list[int], *, title: str, horizontal: bool) -> SafeString:
    """Counts per label as bars; pygal writes the SVG with an XML serialiser, so every label
    in it is escaped."""
    kind = pygal.HorizontalBar if horizontal else pygal.Bar
    chart = kind(
        style=_STYLE,
        js=[],  # no <script src> to pygal's site
        disable_xml_declaration=True,
        show_legend=False,
        width=720,
        height=max(200, 48 * len(labels) + 80) if horizontal else 280,
        min_scale=1,
        include_x_axis=True,
        truncate_label=40,
        print_values=True,
    )
    chart.x_labels = labels
    chart.add("answers", counts)
    svg = _UNWANTED.sub("", chart.render(is_unicode=True))
    return mark_safe(svg.replace("<svg ", f'<svg role="img" aria-label="{escape(title)}" ', 1))
