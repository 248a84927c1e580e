"""Working-time arithmetic for the demo history: when people on each side are at their desks.

A small, self-contained stand-in for the SLA calendar (weekly intervals in local wall time, public
holidays, own closures and extra working days), so generated events land in office hours and response
and resolution times can be expressed in business seconds, as the SLA measures them.
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays

UTC = ZoneInfo("UTC")


class WorkClock:
    """Working time of one site: `week` maps weekday (0 = Monday) to [(start_minute, end_minute), ...]."""

    def __init__(
        self,
        time_zone: str,
        week: dict[int, list[tuple[int, int]]],
        *,
        holiday_country: str = "",
        closed: set[date] | frozenset[date] = frozenset(),
        extra_working: set[date] | frozenset[date] = frozenset(),
    ):
        self.zone = ZoneInfo(time_zone)
        self.week = week
        self.holiday_country = holiday_country
        self.closed = set(closed)
        self.extra_working = set(extra_working)
        self._holidays: dict[int, set[date]] = {}
        self._spans: dict[date, list[tuple[datetime, datetime]]] = {}
        # Extra working days use the Monday schedule (the usual office day).
        self._extra_day_spans = week.get(0, [])

    def _is_holiday(self, day: date) -> bool:
        if not self.holiday_country:
            return False
        if day.year not in self._holidays:
            self._holidays[day.year] = set(holidays.country_holidays(self.holiday_country, years=day.year))
        return day in self._holidays[day.year]

    def spans(self, day: date) -> list[tuple[datetime, datetime]]:
        """The working spans of a local date, as UTC instants."""
        cached = self._spans.get(day)
        if cached is not None:
            return cached
        if day in self.extra_working:
            minutes = self._extra_day_spans
        elif day in self.closed or self._is_holiday(day):
            minutes = []
        else:
            minutes = self.week.get(day.weekday(), [])
        midnight = datetime.combine(day, time(0), tzinfo=self.zone)
        result = []
        for start, end in minutes:
            # Wall-clock arithmetic: build the local time, then convert (DST never moves office hours).
            start_at = (midnight.replace(hour=start // 60, minute=start % 60)).astimezone(UTC)
            end_local = datetime.combine(
                day + timedelta(days=end // 1440), time((end % 1440) // 60, end % 60)
            )
            end_at = end_local.replace(tzinfo=self.zone).astimezone(UTC)
            result.append((start_at, end_at))
        self._spans[day] = result
        return result

    def local_date(self, instant: datetime) -> date:
        return instant.astimezone(self.zone).date()

    def align(self, instant: datetime) -> datetime:
        """The earliest working instant at or after `instant`."""
        day = self.local_date(instant)
        for _ in range(400):
            for start, end in self.spans(day):
                if instant < end:
                    return max(instant, start)
            day += timedelta(days=1)
        raise ValueError("No working time within 400 days.")

    def add(self, instant: datetime, seconds: float) -> datetime:
        """The instant reached after `seconds` of working time from `instant`."""
        remaining = max(0.0, float(seconds))
        day = self.local_date(instant)
        for _ in range(2000):
            for start, end in self.spans(day):
                begin = max(instant, start)
                if begin >= end:
                    continue
                available = (end - begin).total_seconds()
                if remaining <= available:
                    return begin + timedelta(seconds=remaining)
                remaining -= available
            day += timedelta(days=1)
        raise ValueError("Working time to add exceeds 2000 days.")

    def between(self, start: datetime, end: datetime) -> int:
        """Working seconds in [start, end)."""
        if end <= start:
            return 0
        total = 0.0
        day = self.local_date(start)
        last = self.local_date(end)
        while day <= last:
            for span_start, span_end in self.spans(day):
                lo, hi = max(start, span_start), min(end, span_end)
                if hi > lo:
                    total += (hi - lo).total_seconds()
            day += timedelta(days=1)
        return int(total)


def calendar_clock(calendar) -> WorkClock:
    """The WorkClock of an `sla.BusinessCalendar` row: its intervals, holidays and own exceptions."""
    week: dict[int, list[tuple[int, int]]] = {}
    for interval in calendar.intervals.all():
        week.setdefault(interval.weekday, []).append((interval.start_minute, interval.end_minute))
    closed, extra = set(), set()
    for exception in calendar.exceptions.all():
        (extra if exception.kind == "extra_working" else closed).add(exception.date)
    return WorkClock(
        calendar.time_zone, week, holiday_country=calendar.holiday_country, closed=closed, extra_working=extra
    )
