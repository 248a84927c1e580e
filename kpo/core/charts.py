"""Server-rendered SVG charts shared by the web pages and the PDF reports.

Pure Python string building: no JavaScript, no external assets, every text escaped. Each chart is
accessible: ``role="img"`` labelled by its ``<title>`` and ``<desc>`` (the desc states the figures in
words), and every data point carries its own ``<title>`` for a tooltip. Colours are SVG presentation
attributes (allowed under a CSP without inline styles) so a page's CSS can still override them
through the ``kpo-chart*`` classes. Output is deterministic for the same input (ids come from a hash
of the content), so a report's content hash is stable.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from kpo.core.markup import esc

# Colour-blind-safe palette (Okabe-Ito), dark enough on white for WCAG non-text contrast.
PALETTE = ("#0b5cad", "#d55e00", "#009e73", "#cc79a7", "#56b4e9", "#e69f00", "#555555")
TARGET_COLOUR = "#b3261e"
AXIS_COLOUR = "#6b7280"
GRID_COLOUR = "#e5e7eb"
TEXT_COLOUR = "#1f2937"
FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"

Point = tuple[str, float | None]


# Above this many points a line chart marks only the points that missed the target.
MAX_MARKED_POINTS = 18


@dataclass(frozen=True)
class Series:
    """A named line of (label, value-or-None) points; ``None`` leaves a gap (no data that month)."""

    name: str
    points: Sequence[Point] = field(default_factory=tuple)


def no_data_label() -> str:
    # Outside the f-strings, where xgettext cannot see a gettext call.
    return _("No data for this period")


def _series(items: Iterable[Series | tuple[str, Sequence[Point]]]) -> list[Series]:
    result = []
    for item in items:
        if isinstance(item, Series):
            result.append(item)
        else:
            name, points = item
            result.append(Series(str(name), tuple(points)))
    return result


def _num(value: float) -> str:
    """A coordinate with two decimals at most (short, stable output)."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _fmt(value: float | None, value_format: str, unit: str) -> str:
    if value is None:
        return _("no data")
    return f"{value_format.format(value)}{unit}"


def _chart_id(kind: str, *parts: object) -> str:
    digest = hashlib.sha256(repr((kind, parts)).encode()).hexdigest()[:10]
    return f"kpo-{kind}-{digest}"


def _nice_step(span: float, ticks: int) -> float:
    """A round tick step (1, 2, 2.5, 5 x 10^n) giving about ``ticks`` intervals over ``span``."""
    if span <= 0:
        return 1.0
    raw = span / max(ticks, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    for multiple in (1, 2, 2.5, 5, 10):
        if raw <= multiple * magnitude:
            return multiple * magnitude
    return 10 * magnitude


def _y_range(values: list[float], y_range: tuple[float, float] | None) -> tuple[float, float]:
    if y_range is not None:
        low, high = float(y_range[0]), float(y_range[1])
        if high <= low:
            raise ValueError("y_range must be (low, high) with high > low")
        return low, high
    if not values:
        return 0.0, 1.0
    low, high = min(values), max(values)
    if low == high:
        low, high = low - 1, high + 1
    step = _nice_step(high - low, 4)
    return math.floor(low / step) * step, math.ceil(high / step) * step


def _ticks(low: float, high: float, count: int = 4, min_step: float = 0.0) -> list[float]:
    step = max(_nice_step(high - low, count), min_step)
    first = math.ceil(low / step - 1e-9) * step
    ticks, value = [], first
    while value <= high + 1e-9:
        ticks.append(round(value, 10))
        value += step
    return ticks


def _open_svg(chart_id: str, width: int, height: int, title: str, description: str, kind: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="kpo-chart kpo-chart-{kind}" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" font-family="{FONT}" font-size="11" '
        f'fill="{TEXT_COLOUR}">',
        f'<title id="{chart_id}-title">{esc(title)}</title>',
        f'<desc id="{chart_id}-desc">{esc(description)}</desc>',
    ]


def _y_axis(
    parts: list[str], ticks: list[float], to_y, left: float, right: float, tick_format: str, unit: str
):
    parts.append('<g class="kpo-chart-grid" aria-hidden="true">')
    for tick in ticks:
        y = to_y(tick)
        parts.append(
            f'<line x1="{_num(left)}" y1="{_num(y)}" x2="{_num(right)}" y2="{_num(y)}" '
            f'stroke="{GRID_COLOUR}" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{_num(left - 6)}" y="{_num(y + 4)}" text-anchor="end" fill="{AXIS_COLOUR}">'
            f"{esc(tick_format.format(tick))}{esc(unit)}</text>"
        )
    parts.append("</g>")


def kpi_chart_svg(
    series: Iterable[Series | tuple[str, Sequence[Point]]],
    *,
    target: float | None = None,
    y_range: tuple[float, float] | None = None,
    width: int = 640,
    height: int = 240,
    title: str = "",
    description: str = "",
    unit: str = "",
    value_format: str = "{:.1f}",
    target_label: str | None = None,
    higher_is_better: bool = True,
    chart_id: str | None = None,
) -> SafeString:
    """A line chart of KPI values over months, the target drawn as a dashed line.

    ``chart_id`` names the <title>/<desc> ids (default: a hash of the content); give one when the
    same chart appears twice in a page. ``series`` is a list of ``Series(name, [(label, value-or-None), ...])`` (or ``(name, points)``
    pairs) sharing the same x labels (the first series' labels are used for the axis). ``y_range``
    fixes the axis (e.g. ``(0, 100)`` for percentages); otherwise it is fitted to the data and target.
    """
    lines = _series(series)
    labels = [label for label, _value in lines[0].points] if lines else []
    values = [v for s in lines for _label, v in s.points if v is not None]
    low, high = _y_range(values + ([target] if target is not None else []), y_range)
    title = title or _("KPI over time")
    target_label = target_label or _("Target")

    # Words first: the desc is what a screen reader says and what a PDF's text holds.
    summary = []
    for s in lines:
        shown = ", ".join(f"{label} {_fmt(v, value_format, unit)}" for label, v in s.points)
        summary.append(f"{s.name}: {shown}" if shown else f"{s.name}: {_('no data')}")
    if target is not None:
        summary.append(f"{target_label}: {_fmt(target, value_format, unit)}")
    description = " ".join(filter(None, [description, ". ".join(summary) + "."]))

    chart_id = _chart_id(
        "line", [(s.name, tuple(s.points)) for s in lines], target, low, high, width, height, title
    )
    legend_height = 18 if (len(lines) > 1 or target is not None) else 0
    left, right, top, bottom = 48.0, width - 12.0, 10.0 + legend_height, height - 26.0
    plot_w, plot_h = right - left, bottom - top
    count = max(len(labels), 1)
    step_x = plot_w / count

    def to_x(index: int) -> float:
        return left + step_x * (index + 0.5)

    def to_y(value: float) -> float:
        clamped = min(max(value, low), high)
        return bottom - (clamped - low) / (high - low) * plot_h

    parts = _open_svg(chart_id, width, height, title, description, "line")
    tick_format = value_format if (high - low) < 10 else "{:.0f}"
    _y_axis(parts, _ticks(low, high), to_y, left, right, tick_format, unit)

    # X labels: thin them out so they never overlap (about 7 px per character at 11 px).
    longest = max((len(label) for label in labels), default=1)
    every = max(1, math.ceil((longest * 7 + 6) / step_x))
    parts.append('<g class="kpo-chart-x" aria-hidden="true">')
    parts.append(
        f'<line x1="{_num(left)}" y1="{_num(bottom)}" x2="{_num(right)}" y2="{_num(bottom)}" '
        f'stroke="{AXIS_COLOUR}" stroke-width="1"/>'
    )
    for index, label in enumerate(labels):
        if index % every == 0:
            parts.append(
                f'<text x="{_num(to_x(index))}" y="{_num(bottom + 16)}" text-anchor="middle" '
                f'fill="{AXIS_COLOUR}">{esc(label)}</text>'
            )
    parts.append("</g>")

    if target is not None:
        y = to_y(target)
        parts.append(
            f'<line class="kpo-chart-target" x1="{_num(left)}" y1="{_num(y)}" x2="{_num(right)}" '
            f'y2="{_num(y)}" stroke="{TARGET_COLOUR}" stroke-width="1.5" stroke-dasharray="6 4">'
            f"<title>{esc(target_label)}: {esc(_fmt(target, value_format, unit))}</title></line>"
        )

    for number, s in enumerate(lines):
        colour = PALETTE[number % len(PALETTE)]
        parts.append(f'<g class="kpo-chart-series kpo-chart-series-{number}" aria-label="{esc(s.name)}">')
        # Consecutive non-empty points form one polyline; a None breaks the line.
        run: list[str] = []
        runs: list[list[str]] = []
        for index, (_label, value) in enumerate(s.points):
            if value is None:
                if run:
                    runs.append(run)
                run = []
            else:
                run.append(f"{_num(to_x(index))},{_num(to_y(value))}")
        if run:
            runs.append(run)
        for segment in runs:
            if len(segment) > 1:
                parts.append(
                    f'<polyline points="{" ".join(segment)}" fill="none" stroke="{colour}" '
                    f'stroke-width="2" stroke-linejoin="round" stroke-linecap="round"/>'
                )
        # Long series keep only the markers that matter (missed target): a readable line, fewer nodes.
        all_markers = len(s.points) <= MAX_MARKED_POINTS
        for index, (label, value) in enumerate(s.points):
            if value is None:
                continue
            missed = target is not None and (value < target if higher_is_better else value > target)
            if not (all_markers or missed):
                continue
            fill = "#ffffff" if missed else colour
            parts.append(
                f'<circle cx="{_num(to_x(index))}" cy="{_num(to_y(value))}" r="3.5" fill="{fill}" '
                f'stroke="{colour}" stroke-width="1.5"><title>{esc(s.name)}, {esc(label)}: '
                f"{esc(_fmt(value, value_format, unit))}</title></circle>"
            )
        parts.append("</g>")

    if legend_height:
        parts.append('<g class="kpo-chart-legend" aria-hidden="true">')
        x = left
        # Shorten series names (never the target) so the legend fits the width (~6.5 px a character).
        target_text = f"{target_label} {_fmt(target, value_format, unit)}" if target is not None else ""
        room = plot_w - (28 + len(target_text) * 6.5 if target_text else 0) - 28 * len(lines)
        longest_name = max((len(s.name) for s in lines), default=0)
        fit = max(4, int(room / 6.5 / max(len(lines), 1)))
        for number, s in enumerate(lines):
            colour = PALETTE[number % len(PALETTE)]
            name = (
                s.name
                if len(s.name) <= fit or longest_name * 6.5 * len(lines) <= room
                else s.name[: fit - 1] + "…"
            )
            parts.append(
                f'<line x1="{_num(x)}" y1="9" x2="{_num(x + 16)}" y2="9" stroke="{colour}" stroke-width="2"/>'
                f'<text x="{_num(x + 20)}" y="13">{esc(name)}</text>'
            )
            x += 28 + len(name) * 6.5
        if target is not None:
            parts.append(
                f'<line x1="{_num(x)}" y1="9" x2="{_num(x + 16)}" y2="9" stroke="{TARGET_COLOUR}" '
                f'stroke-width="1.5" stroke-dasharray="4 3"/>'
                f'<text x="{_num(x + 20)}" y="13">{esc(target_label)} '
                f"{esc(_fmt(target, value_format, unit))}</text>"
            )
        parts.append("</g>")

    if not values:
        parts.append(
            f'<text x="{_num(left + plot_w / 2)}" y="{_num(top + plot_h / 2)}" text-anchor="middle" '
            f'fill="{AXIS_COLOUR}">{esc(no_data_label())}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above went through esc()


def bar_chart_svg(
    bars: Sequence[tuple[str, float | None]],
    *,
    width: int = 640,
    height: int = 220,
    title: str = "",
    description: str = "",
    unit: str = "",
    value_format: str = "{:.0f}",
    target: float | None = None,
    target_label: str | None = None,
    y_range: tuple[float, float] | None = None,
    colour: str = PALETTE[0],
    show_values: bool = True,
    chart_id: str | None = None,
) -> SafeString:
    """A vertical bar chart of (label, value) pairs, optionally with a dashed target line."""
    return _bars(
        "bar",
        [(str(label), value) for label, value in bars],
        width=width,
        height=height,
        title=title or _("Bar chart"),
        description=description,
        unit=unit,
        value_format=value_format,
        target=target,
        target_label=target_label or _("Target"),
        y_range=y_range,
        colour=colour,
        show_values=show_values,
        gap_ratio=0.28,
        chart_id=chart_id,
    )


def histogram_bins(values: Sequence[float], edges: Sequence[float]) -> list[int]:
    """Counts of ``values`` per [edge_i, edge_i+1) bin; the last bin also takes values >= its upper edge."""
    if len(edges) < 2:
        raise ValueError("a histogram needs at least two edges")
    counts = [0] * (len(edges) - 1)
    for value in values:
        if value is None or value < edges[0]:
            continue
        for index in range(len(edges) - 1):
            if value < edges[index + 1] or index == len(edges) - 2:
                counts[index] += 1
                break
    return counts


def histogram_svg(
    values: Sequence[float],
    *,
    edges: Sequence[float],
    width: int = 640,
    height: int = 220,
    title: str = "",
    description: str = "",
    unit: str = "",
    edge_format: str = "{:g}",
    colour: str = PALETTE[2],
    chart_id: str | None = None,
) -> SafeString:
    """A histogram of ``values`` over the bins given by ``edges`` (the last bin is open-ended)."""
    counts = histogram_bins(values, edges)
    labels = []
    for index in range(len(edges) - 1):
        low = edge_format.format(edges[index])
        if index == len(edges) - 2:
            labels.append(f"≥{low}{unit}")
        else:
            labels.append(f"{low}–{edge_format.format(edges[index + 1])}{unit}")
    return _bars(
        "histogram",
        list(zip(labels, [float(c) for c in counts], strict=True)),
        width=width,
        height=height,
        title=title or _("Distribution"),
        description=description,
        unit="",
        value_format="{:.0f}",
        target=None,
        target_label="",
        y_range=None,
        colour=colour,
        show_values=True,
        gap_ratio=0.06,
        chart_id=chart_id,
    )


def _bars(
    kind: str,
    bars: list[tuple[str, float | None]],
    *,
    width: int,
    height: int,
    title: str,
    description: str,
    unit: str,
    value_format: str,
    target: float | None,
    target_label: str,
    y_range: tuple[float, float] | None,
    colour: str,
    show_values: bool,
    gap_ratio: float,
    chart_id: str | None = None,
) -> SafeString:
    values = [v for _label, v in bars if v is not None]
    integer = value_format == "{:.0f}"
    if y_range is None:
        # Headroom above the tallest bar for its value label.
        top_value = max(values + ([target] if target is not None else []) + [0.0]) * 1.08
        low, high = _y_range([0.0, max(top_value, 4.0 if integer else 1.0)], None)
        low = min(low, 0.0)
    else:
        low, high = _y_range([], y_range)
    summary = "; ".join(f"{label}: {_fmt(v, value_format, unit)}" for label, v in bars)
    if target is not None:
        summary += f"; {target_label}: {_fmt(target, value_format, unit)}"
    description = " ".join(filter(None, [description, summary + "."]))
    chart_id = chart_id or _chart_id(kind, tuple(bars), target, low, high, width, height, title)

    left, right, top, bottom = 48.0, width - 12.0, 16.0, height - 26.0
    plot_w, plot_h = right - left, bottom - top
    slot = plot_w / max(len(bars), 1)
    bar_w = slot * (1 - gap_ratio)

    def to_y(value: float) -> float:
        clamped = min(max(value, low), high)
        return bottom - (clamped - low) / (high - low) * plot_h

    parts = _open_svg(chart_id, width, height, title, description, kind)
    tick_format = value_format if (high - low) < 10 else "{:.0f}"
    _y_axis(parts, _ticks(low, high, min_step=1.0 if integer else 0.0), to_y, left, right, tick_format, unit)
    longest = max((len(label) for label, _v in bars), default=1)
    every = max(1, math.ceil((longest * 6.5 + 4) / slot))
    parts.append(f'<g class="kpo-chart-bars" fill="{colour}">')
    for index, (label, value) in enumerate(bars):
        x = left + slot * index + (slot - bar_w) / 2
        if value is not None:
            y = to_y(value)
            base = to_y(max(low, 0.0))
            parts.append(
                f'<rect x="{_num(x)}" y="{_num(min(y, base))}" width="{_num(bar_w)}" '
                f'height="{_num(abs(base - y))}"><title>{esc(label)}: '
                f"{esc(_fmt(value, value_format, unit))}</title></rect>"
            )
            if show_values and slot >= 18:
                parts.append(
                    f'<text x="{_num(x + bar_w / 2)}" y="{_num(min(y, base) - 3)}" text-anchor="middle" '
                    f'font-size="9.5" fill="{TEXT_COLOUR}" aria-hidden="true">'
                    f"{esc(value_format.format(value))}</text>"
                )
        if index % every == 0:
            parts.append(
                f'<text x="{_num(left + slot * (index + 0.5))}" y="{_num(bottom + 16)}" text-anchor="middle" '
                f'fill="{AXIS_COLOUR}" aria-hidden="true">{esc(label)}</text>'
            )
    parts.append("</g>")
    parts.append(
        f'<line x1="{_num(left)}" y1="{_num(bottom)}" x2="{_num(right)}" y2="{_num(bottom)}" '
        f'stroke="{AXIS_COLOUR}" stroke-width="1" aria-hidden="true"/>'
    )
    if target is not None:
        y = to_y(target)
        parts.append(
            f'<line class="kpo-chart-target" x1="{_num(left)}" y1="{_num(y)}" x2="{_num(right)}" '
            f'y2="{_num(y)}" stroke="{TARGET_COLOUR}" stroke-width="1.5" stroke-dasharray="6 4">'
            f"<title>{esc(target_label)}: {esc(_fmt(target, value_format, unit))}</title></line>"
            f'<text x="{_num(right)}" y="{_num(max(y - 4, 10))}" text-anchor="end" fill="{TARGET_COLOUR}" '
            f'aria-hidden="true">{esc(target_label)} {esc(_fmt(target, value_format, unit))}</text>'
        )
    if not values:
        parts.append(
            f'<text x="{_num(left + plot_w / 2)}" y="{_num(top + plot_h / 2)}" text-anchor="middle" '
            f'fill="{AXIS_COLOUR}">{esc(no_data_label())}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above went through esc()
