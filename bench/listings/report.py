"""Figures of a run: percentiles, the plain-text table, the JSON results file and an SVG chart (no dependency)."""

from __future__ import annotations

import math
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypeVar
from xml.sax.saxutils import escape

from tqdm import tqdm

T = TypeVar("T")


def progress(iterable: Iterable[T] | None = None, *, detail: bool = False, **kwargs: Any) -> tqdm[T]:
    """A tqdm bar; in a log (stderr not a terminal) it updates every 15 s, and detail bars are left out."""
    interactive = sys.stderr.isatty()
    if not interactive:
        kwargs.setdefault("mininterval", 15)
    return tqdm(iterable, disable=detail and not interactive, **kwargs)


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Linear interpolation between the closest ranks (numpy's default)."""
    if not sorted_values:
        return math.nan
    position = (len(sorted_values) - 1) * fraction
    low = math.floor(position)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (position - low)


@dataclass(frozen=True)
class Goal:
    metric: str  # "p50" or "p99"
    limit_ms: float

    def __str__(self) -> str:
        return f"{self.metric} < {self.limit_ms:g} ms"


def summarize(latencies_ms: list[float], seconds: float) -> dict[str, float]:
    values = sorted(latencies_ms)
    return {
        "requests": len(values),
        "p50_ms": round(percentile(values, 0.50), 2),
        "p90_ms": round(percentile(values, 0.90), 2),
        "p99_ms": round(percentile(values, 0.99), 2),
        "max_ms": round(values[-1], 2) if values else math.nan,
        "mean_ms": round(sum(values) / len(values), 2) if values else math.nan,
        "rps": round(len(values) / seconds, 1) if seconds else 0.0,
    }


def _fmt(value: float) -> str:
    if value != value:  # NaN
        return "-"
    return f"{value:.1f}" if value < 100 else f"{value:.0f}"


def table(rows: list[dict[str, Any]]) -> str:
    """One line per scenario; ×bare is the scenario's p50 over the bare view's p50 of the same run."""
    header = (
        "scenario",
        "requests",
        "p50 ms",
        "p90 ms",
        "p99 ms",
        "req/s",
        "errors",
        "×bare p50",
        "×bare req/s",
        "goal",
    )
    lines = [header]
    for row in rows:
        goal = row.get("goal")
        verdicts = [f"{goal} {'ok' if row.get('goal_met') else 'MISSED'}"] if goal else []
        if row.get("speed_goal"):
            verdicts.append(f"{row['speed_goal']} {'ok' if row.get('speed_goal_met') else 'MISSED'}")
        verdict = "; ".join(verdicts)
        lines.append(
            (
                row["name"],
                str(row["requests"]),
                _fmt(row["p50_ms"]),
                _fmt(row["p90_ms"]),
                _fmt(row["p99_ms"]),
                _fmt(row["rps"]),
                str(row["errors"]),
                f"{row['ratio_to_bare_p50']:.1f}" if row.get("ratio_to_bare_p50") else "-",
                f"{row['ratio_to_bare_rps']:.2f}" if row.get("ratio_to_bare_rps") else "-",
                verdict,
            )
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    out = []
    for n, line in enumerate(lines):
        cells = [cell.ljust(widths[i]) if i in (0, 9) else cell.rjust(widths[i]) for i, cell in enumerate(line)]
        out.append("  ".join(cells).rstrip())
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def query_count_table(counts: dict[str, dict[int, int]]) -> str:
    sizes = sorted({size for by_size in counts.values() for size in by_size})
    width = max((len(name) for name in counts), default=10)
    lines = [f"{'list'.ljust(width)}  " + "  ".join(f"page_size={s}".rjust(13) for s in sizes) + "  constant"]
    for name, by_size in counts.items():
        values = [by_size.get(s) for s in sizes]
        constant = "yes" if len(set(values)) == 1 else "NO"
        lines.append(name.ljust(width) + "  " + "  ".join(str(v).rjust(13) for v in values) + f"  {constant}")
    return "\n".join(lines)


# --- SVG ---------------------------------------------------------------------------------------

_TICKS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000)


def svg_chart(rows: list[dict[str, Any]], *, title: str, subtitle: str, goal_lines: list[tuple[float, str]]) -> str:
    """Horizontal p50 / p99 bars per scenario on a log scale, with the goals as dashed lines."""
    label_w, chart_w, right_pad = 230, 600, 70
    row_h, bar_h, top = 34, 11, 86
    width = label_w + chart_w + right_pad
    height = top + row_h * len(rows) + 50
    values = [v for row in rows for v in (row["p50_ms"], row["p99_ms"]) if v == v and v > 0]
    low = max(0.5, min(values, default=1) / 1.5)
    high = max([*values, *(g for g, _ in goal_lines)], default=100) * 1.3
    span = math.log10(high) - math.log10(low)

    def x(ms: float) -> float:
        return label_w + chart_w * (math.log10(max(ms, low)) - math.log10(low)) / span

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="#fff"/>',
        f'<text x="12" y="22" font-size="15" font-weight="bold">{escape(title)}</text>',
        f'<text x="12" y="40" fill="#555">{escape(subtitle)}</text>',
    ]
    axis_y = top + row_h * len(rows) + 4
    for tick in _TICKS:
        if low <= tick <= high:
            tx = x(tick)
            parts.append(f'<line x1="{tx:.1f}" y1="{top - 8}" x2="{tx:.1f}" y2="{axis_y}" stroke="#e4e4e4"/>')
            parts.append(f'<text x="{tx:.1f}" y="{axis_y + 16}" text-anchor="middle" fill="#555">{tick}</text>')
    parts.append(
        f'<text x="{label_w + chart_w / 2:.0f}" y="{axis_y + 34}" text-anchor="middle" fill="#555">'
        "latency, ms (log scale)</text>"
    )
    for n, (limit, label) in enumerate(sorted(goal_lines)):
        # Labels alternate left and right of their lines, on two levels, so that close goals stay legible.
        gx = x(limit)
        anchor, lx, ly = ("end", gx - 4, top - 22) if n % 2 == 0 else ("start", gx + 4, top - 8)
        parts.append(
            f'<line x1="{gx:.1f}" y1="{ly - 10}" x2="{gx:.1f}" y2="{axis_y}" stroke="#c0392b" '
            'stroke-dasharray="5,4" stroke-width="1.5"/>'
        )
        parts.append(
            f'<text x="{lx:.1f}" y="{ly}" text-anchor="{anchor}" fill="#c0392b" font-size="11">{escape(label)}</text>'
        )
    for i, row in enumerate(rows):
        y = top + i * row_h
        colour = "#c0392b" if row.get("goal") and not row.get("goal_met") else "#222"
        parts.append(
            f'<text x="{label_w - 8}" y="{y + bar_h + 5}" text-anchor="end" fill="{colour}">'
            f"{escape(row['name'])}</text>"
        )
        for offset, key, fill in ((0, "p50_ms", "#5b8def"), (bar_h + 2, "p99_ms", "#1f3f8f")):
            value = row[key]
            if value != value:
                continue
            end = x(value)
            parts.append(
                f'<rect x="{label_w}" y="{y + offset}" width="{max(end - label_w, 1):.1f}" height="{bar_h}" '
                f'fill="{fill}"/>'
            )
            parts.append(
                f'<text x="{end + 4:.1f}" y="{y + offset + bar_h - 1}" font-size="10" fill="#333">'
                f"{key[:3]} {_fmt(value)}</text>"
            )
    legend_y = height - 12
    parts.append(f'<rect x="12" y="{legend_y - 10}" width="12" height="10" fill="#5b8def"/>')
    parts.append(f'<text x="28" y="{legend_y}">p50</text>')
    parts.append(f'<rect x="64" y="{legend_y - 10}" width="12" height="10" fill="#1f3f8f"/>')
    parts.append(f'<text x="80" y="{legend_y}">p99</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
