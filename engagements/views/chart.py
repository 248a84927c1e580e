"""The SLA clocks drawn across a task's history on the task page: inline SVG geometry (no script)."""

from datetime import datetime, timedelta

CHART_WIDTH = 760
CHART_LABEL = 150  # the left column with the clock names
CHART_RIGHT = 12
CHART_TOP = 34
CHART_ROW = 50


def clock_chart(timelines, events, *, now: datetime) -> dict | None:
    """Where to draw each clock's running and paused segments on a wall-time axis from the task's first
    event to now (or its last event when closed), with a business-time gauge of elapsed against budget."""
    if not timelines or not events:
        return None
    start = events[0].occurred_at
    last = events[-1].occurred_at
    closed = all(t.stopped_at is not None for t in timelines)
    end = last if closed else max(now, last)
    if end <= start:
        end = start + timedelta(hours=1)
    span = (end - start).total_seconds()
    track = CHART_WIDTH - CHART_LABEL - CHART_RIGHT

    def x(instant) -> float:
        return round(CHART_LABEL + track * (instant - start).total_seconds() / span, 1)

    rows = []
    for i, timeline in enumerate(timelines):
        y = CHART_TOP + i * CHART_ROW
        segments = []
        for segment in timeline.segments:
            x0, x1 = x(segment.start), x(segment.end)
            segments.append(
                {
                    "x": x0,
                    "width": max(1.5, round(x1 - x0, 1)),
                    "state": segment.state,
                    "open": segment.open,
                    "start": segment.start,
                    "end": segment.end,
                    "business_seconds": segment.business_seconds,
                }
            )
        budget = timeline.target_seconds or 0
        scale = max(budget, timeline.elapsed_seconds, 1)
        used_width = round(track * min(timeline.elapsed_seconds, budget or scale) / scale, 1)
        over_width = round(track * max(0, timeline.elapsed_seconds - budget) / scale, 1) if budget else 0
        rows.append(
            {
                "timeline": timeline,
                "y": y,
                "bar_y": y + 4,
                "gauge_y": y + 26,
                "text_y": y + 16,
                "sub_y": y + 32,
                "segments": segments,
                "used_width": used_width,
                "over_x": round(CHART_LABEL + used_width, 1),
                "over_width": over_width,
                "budget_x": round(CHART_LABEL + track * budget / scale, 1) if budget else None,
                "used_percent": round(100 * timeline.elapsed_seconds / budget) if budget else None,
            }
        )
    ticks = [
        {"x": x(event.occurred_at), "event": event}
        for event in events
        if event.kind == "status" and start <= event.occurred_at <= end
    ]
    height = CHART_TOP + len(rows) * CHART_ROW + 8
    return {
        "width": CHART_WIDTH,
        "height": height,
        "label_width": CHART_LABEL,
        "track_width": track,
        "track_end": CHART_LABEL + track,
        "rows": rows,
        "ticks": ticks,
        "tick_bottom": height - 8,
        "start": start,
        "end": end,
        "now_x": x(now) if not closed and start <= now <= end else None,
    }
