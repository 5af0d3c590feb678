"""Server-side SVG charts for the statistics dashboard: horizontal bars, grouped bars and a line chart.

Pure Python, no ORM and no JavaScript: each function returns SVG markup (a ``str`` the caller marks
safe; every piece of text in it is escaped here). The charts are meant to be read without colour
and without a mouse: every chart has a ``<title>`` and a ``<desc>`` listing its values (what a screen
reader announces), every bar and point carries its value as visible text or a ``<title>``, and the
series of the line chart differ in dash pattern as well as colour. Chinese labels use a CJK font
stack, so any of the usual system fonts renders them (the page loads no web font).

Geometry is computed with floats; the values themselves stay Decimal until they are drawn.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from html import escape

# System fonts first that carry Simplified Chinese on Linux, macOS and Windows.
FONT_STACK = (
    "'Noto Sans CJK SC', 'Source Han Sans SC', 'WenQuanYi Micro Hei', 'PingFang SC', "
    "'Hiragino Sans GB', 'Microsoft YaHei', sans-serif"
)
# Colour-blind-safe pair (blue / orange) with enough contrast on white.
COLOURS = ("#1f5fbf", "#c05a00", "#4b8f29", "#7a3fb0")

Number = Decimal | int


@dataclass(frozen=True, slots=True)
class Bar:
    """One bar: its label, its value (the length) and the value as it is written next to it."""

    label: str
    value: Number
    text: str


@dataclass(frozen=True, slots=True)
class Series:
    """One series of a grouped bar or line chart: a value and its written form per category."""

    name: str
    values: Sequence[Number]
    texts: Sequence[str]


# --- text geometry ------------------------------------------------------------------------------


def text_width(text: str, font_size: float) -> float:
    """Approximate rendered width: CJK and other wide characters one em, the rest about 0.6 em."""
    return sum(font_size if unicodedata.east_asian_width(ch) in ("W", "F") else font_size * 0.6 for ch in text)


def fit_text(text: str, max_width: float, font_size: float) -> str:
    """``text`` cut with an ellipsis to fit ``max_width`` (the full text goes into a ``<title>``)."""
    if text_width(text, font_size) <= max_width:
        return text
    kept = ""
    for ch in text:
        if text_width(kept + ch + "…", font_size) > max_width:
            break
        kept += ch
    return kept + "…"


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 × 10^k at or above ``value`` (axis maximum); 1 for nothing."""
    if value <= 0:
        return 1.0
    exponent = math.floor(math.log10(value))
    for step in (1.0, 2.0, 2.5, 5.0, 10.0):
        candidate = step * 10**exponent
        if candidate >= value * (1 - 1e-12):
            return candidate
    return 10.0 ** (exponent + 1)  # pragma: no cover - the loop always returns


# --- markup ---------------------------------------------------------------------------------------


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _open_svg(*, chart_id: str, kind: str, width: int, height: int, title: str, desc: str) -> list[str]:
    cid = escape(chart_id)
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{kind}" id="{cid}" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-labelledby="{cid}-title {cid}-desc" font-family="{escape(FONT_STACK)}" font-size="13">',
        f'<title id="{cid}-title">{escape(title)}</title>',
        f'<desc id="{cid}-desc">{escape(desc)}</desc>',
    ]


def _describe(desc: str, pairs: Sequence[tuple[str, str]]) -> str:
    listed = "; ".join(f"{label}: {text}" for label, text in pairs)
    return f"{desc} {listed}".strip() if listed else desc


def _no_data(parts: list[str], *, width: int, height: int, message: str) -> str:
    parts.append(
        f'<text class="chart-empty" x="{width / 2:.0f}" y="{height / 2:.0f}" text-anchor="middle" '
        f'fill="#57606a">{escape(message)}</text>'
    )
    parts.append("</svg>")
    return "".join(parts)


def _fraction(value: Number, scale: float) -> float:
    # Negative sums (an annulment larger than the period's registrations) draw as empty bars.
    return max(float(value), 0.0) / scale if scale > 0 else 0.0


def bar_chart(
    *,
    chart_id: str,
    title: str,
    desc: str,
    bars: Sequence[Bar],
    empty_text: str,
    width: int = 640,
    colour: str = COLOURS[0],
) -> str:
    """Horizontal bars, one row per ``bars`` item: label left, bar, value text right of the bar."""
    return grouped_bar_chart(
        chart_id=chart_id,
        title=title,
        desc=desc,
        categories=[bar.label for bar in bars],
        series=[Series(name="", values=[bar.value for bar in bars], texts=[bar.text for bar in bars])],
        empty_text=empty_text,
        width=width,
        colours=(colour,),
        kind="bar",
    )


def grouped_bar_chart(
    *,
    chart_id: str,
    title: str,
    desc: str,
    categories: Sequence[str],
    series: Sequence[Series],
    empty_text: str,
    width: int = 640,
    colours: Sequence[str] = COLOURS,
    kind: str = "grouped",
) -> str:
    """Horizontal bars grouped by category (one bar per series), with a legend for several series.

    Rows are horizontal so that long Chinese labels and long values never collide; a label wider
    than its column is shortened with an ellipsis and given in full in the row's ``<title>``.
    """
    font_size = 13.0
    bar_height = 18.0
    bar_gap = 4.0
    group_gap = 12.0
    legend = len(series) > 1
    top = 30.0 if legend else 6.0
    per_group = len(series) * bar_height + (len(series) - 1) * bar_gap
    height_f = top + len(categories) * (per_group + group_gap) + 6
    height = int(max(height_f, 80.0))
    pairs = [
        (f"{category} {one.name}".strip(), one.texts[index])
        for index, category in enumerate(categories)
        for one in series
    ]
    parts = _open_svg(
        chart_id=chart_id, kind=kind, width=width, height=height, title=title, desc=_describe(desc, pairs)
    )
    if not categories or not series:
        return _no_data(parts, width=width, height=height, message=empty_text)

    label_width = min(max(text_width(c, font_size) for c in categories), width * 0.32) + 12
    value_width = max(text_width(t, 12) for one in series for t in one.texts) + 10
    bar_left = label_width
    bar_room = max(width - bar_left - value_width - 8, 40.0)
    peak = max((float(v) for one in series for v in one.values), default=0.0)
    scale = peak if peak > 0 else 0.0

    if legend:
        x = bar_left
        for index, one in enumerate(series):
            colour = colours[index % len(colours)]
            parts.append(
                f'<g class="legend-item"><rect x="{_num(x)}" y="6" width="12" height="12" fill="{colour}"/>'
                f'<text x="{_num(x + 16)}" y="17">{escape(one.name)}</text></g>'
            )
            x += 16 + text_width(one.name, font_size) + 20

    y = top
    for index, category in enumerate(categories):
        shown = fit_text(category, label_width - 12, font_size)
        group_middle = y + per_group / 2
        parts.append(f'<g class="bar-group"><title>{escape(category)}</title>')
        parts.append(
            f'<text class="bar-label" x="{_num(label_width - 8)}" y="{_num(group_middle + font_size * 0.35)}" '
            f'text-anchor="end">{escape(shown)}</text>'
        )
        for number, one in enumerate(series):
            colour = colours[number % len(colours)]
            length = bar_room * _fraction(one.values[index], scale)
            bar_y = y + number * (bar_height + bar_gap)
            parts.append(
                f'<rect class="bar" data-series="{number}" x="{_num(bar_left)}" y="{_num(bar_y)}" '
                f'width="{_num(length)}" height="{_num(bar_height)}" fill="{colour}">'
                f"<title>{escape(f'{category} {one.name}'.strip())}: {escape(one.texts[index])}</title></rect>"
            )
            parts.append(
                f'<text class="bar-value" x="{_num(bar_left + length + 6)}" '
                f'y="{_num(bar_y + bar_height / 2 + 4)}" font-size="12">{escape(one.texts[index])}</text>'
            )
        parts.append("</g>")
        y += per_group + group_gap
    parts.append("</svg>")
    return "".join(parts)


def line_chart(
    *,
    chart_id: str,
    title: str,
    desc: str,
    x_labels: Sequence[str],
    series: Sequence[Series],
    empty_text: str,
    width: int = 640,
    height: int = 280,
    colours: Sequence[str] = ("#1f5fbf", "#6e7781"),
) -> str:
    """Lines over shared x labels (months); the first series is solid with its non-zero values
    written at the points, the others are dashed; every point has its value in a ``<title>``.

    A series may be shorter than ``x_labels`` (this year's line stops at the current month).
    """
    pairs = [(f"{x_labels[index]} {one.name}", text) for one in series for index, text in enumerate(one.texts)]
    parts = _open_svg(
        chart_id=chart_id, kind="line", width=width, height=height, title=title, desc=_describe(desc, pairs)
    )
    if not x_labels or not series:
        return _no_data(parts, width=width, height=height, message=empty_text)

    left, right, top, bottom = 64.0, 16.0, 34.0, 30.0
    plot_width = width - left - right
    plot_height = height - top - bottom
    peak = max((float(v) for one in series for v in one.values), default=0.0)
    axis_max = nice_ceiling(peak)
    step = plot_width / max(len(x_labels) - 1, 1)

    def x_at(index: int) -> float:
        return left + (step * index if len(x_labels) > 1 else plot_width / 2)

    def y_at(value: Number) -> float:
        return top + plot_height * (1 - _fraction(value, axis_max))

    for tick in range(5):
        tick_value = axis_max * tick / 4
        tick_y = top + plot_height * (1 - tick / 4)
        parts.append(
            f'<line class="grid" x1="{_num(left)}" x2="{_num(width - right)}" y1="{_num(tick_y)}" '
            f'y2="{_num(tick_y)}" stroke="#d0d7de" stroke-width="1"/>'
            f'<text class="axis" x="{_num(left - 6)}" y="{_num(tick_y + 4)}" text-anchor="end" '
            f'font-size="11" fill="#57606a">{escape(_tick_text(tick_value))}</text>'
        )
    for index, label in enumerate(x_labels):
        parts.append(
            f'<text class="axis x-label" x="{_num(x_at(index))}" y="{height - 10}" text-anchor="middle" '
            f'font-size="11" fill="#57606a">{escape(label)}</text>'
        )

    legend_x = left
    for number, one in enumerate(series):
        colour = colours[number % len(colours)]
        dash = "" if number == 0 else ' stroke-dasharray="6 4"'
        parts.append(
            f'<g class="legend-item"><line x1="{_num(legend_x)}" x2="{_num(legend_x + 22)}" y1="12" y2="12" '
            f'stroke="{colour}" stroke-width="2.5"{dash}/>'
            f'<text x="{_num(legend_x + 28)}" y="16">{escape(one.name)}</text></g>'
        )
        legend_x += 28 + text_width(one.name, 13) + 24

    # Drawn last series first so the current year lies on top.
    for number in reversed(range(len(series))):
        one = series[number]
        colour = colours[number % len(colours)]
        dash = "" if number == 0 else ' stroke-dasharray="6 4"'
        points = " ".join(f"{_num(x_at(i))},{_num(y_at(v))}" for i, v in enumerate(one.values))
        parts.append(
            f'<g class="series" data-series="{number}"><polyline points="{points}" fill="none" '
            f'stroke="{colour}" stroke-width="2.5"{dash}/>'
        )
        for index, value in enumerate(one.values):
            point_title = f"{x_labels[index]} {one.name}: {one.texts[index]}"
            parts.append(
                f'<circle class="point" cx="{_num(x_at(index))}" cy="{_num(y_at(value))}" r="3.5" '
                f'fill="{colour}"><title>{escape(point_title)}</title></circle>'
            )
            # Zero months stay unlabelled: a row of "0.00" along the axis would hide the lines.
            if number == 0 and value:
                parts.append(
                    f'<text class="point-value" x="{_num(x_at(index))}" y="{_num(y_at(value) - 8)}" '
                    f'text-anchor="middle" font-size="10" fill="{colour}">{escape(one.texts[index])}</text>'
                )
        parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts)


def _tick_text(value: float) -> str:
    if value == 0:
        return "0"
    if value >= 100:
        return f"{value:,.0f}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")
