"""Charts as server-side SVG (pygal): the same markup goes into the dashboard, the printed page and the PDF.

Made for a meeting-room projector: large type, few colours with strong contrast, values printed on the
bars. Every bar and point links to the rows it counts (`links`). No script: pygal's tooltips are off
(its default loads JavaScript from the internet, and the product reads nothing outside its repository).
"""

from __future__ import annotations

from collections.abc import Sequence

import pygal
from markupsafe import Markup
from pygal.etree import etree
from pygal.style import Style

PALETTE = ("#0b6bcb", "#e07b00", "#2e7d32", "#c62828", "#6a1b9a", "#00838f", "#8d6e63", "#ad1457", "#558b2f",
           "#37474f")

STYLE = Style(
    background="#ffffff", plot_background="#ffffff", foreground="#1d2733", foreground_strong="#1d2733",
    foreground_subtle="#8a96a3", opacity=".95", opacity_hover="1", colors=PALETTE,
    font_family="'Noto Sans', 'DejaVu Sans', sans-serif", title_font_size=24, label_font_size=17,
    major_label_font_size=17, value_font_size=16, legend_font_size=17, tooltip_font_size=16,
)


def _config(title: str, **extra) -> pygal.Config:
    config = pygal.Config(
        title=title, style=STYLE, width=760, height=400, js=[], disable_xml_declaration=True, explicit_size=False,
        show_legend=False, print_values=True, print_zeroes=False, margin=14, truncate_label=-1, tooltip_border_radius=0,
        value_formatter=_number,
    )
    for key, value in extra.items():
        setattr(config, key, value)
    return config


def _number(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}".replace(",", " ")
    return f"{int(value):,}".replace(",", " ")


def _points(values: Sequence, links: Sequence[str | None] | None) -> list:
    links = links or [None] * len(values)
    return [{"value": v, "xlink": {"href": link, "target": "_self"}} if link else v for v, link in zip(values, links,
                                                                                                  strict=True)]


def _svg(chart) -> Markup:
    # pygal always writes a <script> of tooltip settings into the SVG; inline, the pages' CSP refuses it (and
    # the tooltips are off), so it is left out rather than reported by every browser as a violation.
    tree = chart.render_tree()
    for parent in list(tree.iter()):
        for child in list(parent):
            if isinstance(child.tag, str) and child.tag.rpartition("}")[2] == "script":
                parent.remove(child)
    return Markup(etree.tostring(tree, encoding="unicode"))


def bars(title: str, labels: Sequence[str], values: Sequence[float], links: Sequence[str | None] | None = None,
         *, horizontal: bool = False, colour: str | None = None) -> Markup:
    kind = pygal.HorizontalBar if horizontal else pygal.Bar
    height = max(280, 70 + 40 * len(labels)) if horizontal else 400
    config = _config(title, height=height, x_label_rotation=0 if horizontal or len(labels) <= 12 else 40)
    if colour:
        config.style = Style(**{**STYLE.to_dict(), "colors": (colour,)})
    chart = kind(config)
    chart.x_labels = list(labels)
    chart.add(title, _points(list(values), links))
    return _svg(chart)


def line(title: str, labels: Sequence[str], series: dict[str, Sequence[float]],
         links: dict[str, Sequence[str | None]] | None = None) -> Markup:
    config = _config(title, show_legend=len(series) > 1, legend_at_bottom=True, print_values=len(labels) <= 14,
                     x_label_rotation=40 if len(labels) > 14 else 0, show_minor_x_labels=False, dots_size=5,
                     fill=len(series) == 1)
    chart = pygal.Line(config)
    chart.x_labels = list(labels)
    chart.x_labels_major = list(labels)[:: max(1, len(labels) // 12)]
    for name, values in series.items():
        chart.add(name, _points(list(values), (links or {}).get(name)))
    return _svg(chart)
