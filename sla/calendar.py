"""Business-calendar arithmetic, independent of Django: working seconds between instants, and back.

Semantics (see shared/design/sla.md)
------------------------------------
An instant is *working* when its local date, in the schedule's time zone, is a working date and its local
wall-clock time lies in one of that date's intervals ``[start, end)`` (``"24:00"`` ends at midnight). So:

- a DST change never adds or removes working time from intervals clear of it (Mon-Fri 09:00-17:00 is 8 h on
  both sides), and an interval spanning it has its real length (``00:00-24:00`` is 23 h or 25 h that day, so
  a 24x7 calendar equals wall time);
- wall times skipped by a spring-forward gap hold no instant; wall times repeated by a fall-back count each
  time the clock shows them (00:00-01:30 on New York's fall-back day is 2 h: 00:00-01:30 EDT, 01:00-01:30 EST).

Working dates, first rule that applies: a ``closed`` date has no working time; an ``extra_working`` date
works with its weekday's intervals or, when that weekday has none (a working Saturday), with
``extra_working_hours``, which default to the most common non-empty weekday pattern (ties: the earliest
weekday); a public holiday of ``holiday_country``/``holiday_subdiv`` (the ``holidays`` package, observed days
included) has none; any other date has its weekday's intervals.

Fast form
---------
The merged working intervals, in UTC epoch seconds, are built lazily by whole local years covering the
instants in use (extended on demand, cached on the instance) and flattened into breakpoints ``P`` (sorted),
flags ``F`` (1 when ``[P[k], P[k+1])`` is working) and ``C`` = W at ``P[k]``, where W(t) is the working
seconds from a fixed origin (the local start of the first year built) to ``t``. Then
``W(t) = C[k] + F[k] * (t - P[k])`` with ``k`` the last breakpoint <= t, ``between(a, b) = W(b) - W(a)``, and
``add(a, s)`` is the earliest instant where W reaches ``W(a) + s`` (the first breakpoint with ``C >= W(a)+s``,
or back from it inside its working segment), so it lands on the end of the interval that reaches the target,
never on the start of the next one. The searches are binary (``bisect`` for scalars, ``numpy.searchsorted``
otherwise), or, for arrays, a direct-address bucket index (bucket width = the smallest gap between
breakpoints, so one division, one lookup and one comparison find ``k``). Precision: whole seconds (instants
are floored).
"""

from __future__ import annotations

import re
import threading
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holidays_lib
import numpy as np

__all__ = ["Schedule", "epoch_seconds"]

Intervals = tuple[tuple[int, int], ...]  # minutes after local midnight, sorted, non-overlapping

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_SECOND = timedelta(seconds=1)
_HHMM = re.compile(r"(\d\d):(\d\d)")
MIN_YEAR, MAX_YEAR = 1900, 9998
_MIN_T = (datetime(MIN_YEAR, 1, 2, tzinfo=UTC) - _EPOCH) // _SECOND
_MAX_T = (datetime(MAX_YEAR, 12, 30, tzinfo=UTC) - _EPOCH) // _SECOND
_FAR = 2**62  # "no DST transition today"


def epoch_seconds(value: datetime, label: str = "instant") -> int:
    """Whole UTC epoch seconds (floored) of an aware datetime; ValueError for anything else."""
    if not isinstance(value, datetime):
        raise ValueError(f"{label} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{label} {value.isoformat()} is naive: give a timezone-aware datetime")
    return (value - _EPOCH) // _SECOND


def _epochs(values: Any, label: str) -> np.ndarray:
    """int64 epoch seconds from an array of epoch seconds (int, float, datetime64) or of aware datetimes."""
    if isinstance(values, datetime | int | float | np.generic):
        values = [values]
    if not isinstance(values, np.ndarray) or values.dtype == object:
        items = values.ravel().tolist() if isinstance(values, np.ndarray) else list(values)
        if items and isinstance(items[0], datetime):
            return np.fromiter((epoch_seconds(v, label) for v in items), dtype=np.int64, count=len(items))
        values = np.asarray(items) if items else np.empty(0, dtype=np.int64)
    kind = values.dtype.kind
    if kind in "iu":
        return values.astype(np.int64, copy=False).ravel()
    if kind == "f":
        if not np.isfinite(values).all():
            raise ValueError(f"{label} contains NaN or infinite values")
        return np.floor(values).astype(np.int64).ravel()
    if kind == "M":
        return values.astype("datetime64[s]").astype(np.int64).ravel()
    raise ValueError(f"{label} must be epoch seconds or aware datetimes, got dtype {values.dtype}")


def _minutes(text: Any, *, end: bool) -> int:
    match = _HHMM.fullmatch(text) if isinstance(text, str) else None
    hours, minutes = (int(match[1]), int(match[2])) if match else (99, 99)
    if minutes > 59 or hours > 24 or (hours == 24 and (minutes or not end)):
        allowed = "00:00-23:59 or 24:00" if end else "00:00-23:59"
        raise ValueError(f"invalid time {text!r}: expected 'HH:MM' in {allowed}")
    return hours * 60 + minutes


def _parse_intervals(intervals: Iterable[Sequence[str]], label: str) -> Intervals:
    parsed = []
    for item in intervals:
        if isinstance(item, str) or len(item) != 2:
            raise ValueError(f"{label}: {item!r} is not a (start, end) pair of 'HH:MM' times")
        start, end = _minutes(item[0], end=False), _minutes(item[1], end=True)
        if end <= start:
            raise ValueError(f"{label}: interval {item[0]}-{item[1]} must end after it starts")
        parsed.append((start, end))
    parsed.sort()
    for (s1, e1), (s2, e2) in zip(parsed, parsed[1:], strict=False):
        if s2 < e1:
            hhmm = [f"{m // 60:02d}:{m % 60:02d}" for m in (s1, e1, s2, e2)]
            raise ValueError(f"{label}: intervals {hhmm[0]}-{hhmm[1]} and {hhmm[2]}-{hhmm[3]} overlap")
    return tuple(parsed)


def _dates(values: Iterable[date | str], label: str) -> frozenset[date]:
    out = set()
    for value in values:
        if isinstance(value, str):
            try:
                value = date.fromisoformat(value)
            except ValueError:
                raise ValueError(f"{label}: {value!r} is not an ISO date (YYYY-MM-DD)") from None
        if not isinstance(value, date) or isinstance(value, datetime):
            raise ValueError(f"{label}: {value!r} is not a date")
        out.add(value)
    return frozenset(out)


def _offset(tz: ZoneInfo, day: date) -> int:
    """UTC offset (s) in force at local midnight of `day` (a midnight skipped by a gap: the offset before)."""
    return int(tz.utcoffset(datetime(day.year, day.month, day.day)).total_seconds())


def _transition(tz: ZoneInfo, lo: int, hi: int, offset: int) -> int:
    """The first instant in [lo, hi] whose UTC offset is `offset` (the DST change of a day)."""
    while lo < hi:
        mid = (lo + hi) // 2
        if int(datetime.fromtimestamp(mid, tz).utcoffset().total_seconds()) == offset:
            hi = mid
        else:
            lo = mid + 1
    return lo


def _merge(starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Union of half-open intervals: drop empty ones, merge overlapping and touching ones."""
    keep = starts < ends
    starts, ends = starts[keep], ends[keep]
    order = np.argsort(starts, kind="stable")
    starts, ends = starts[order], ends[order]
    if not len(starts):
        return starts, ends
    reach = np.maximum.accumulate(ends)
    first = np.empty(len(starts), dtype=bool)
    first[0], first[1:] = True, starts[1:] > reach[:-1]
    return starts[first], reach[np.append(first[1:], True)]


_MAX_BUCKETS = 4_000_000


def _buckets(values: np.ndarray, *, last_at_most: bool) -> tuple[int, np.ndarray | None]:
    """A direct-address index over strictly increasing `values`: with `width` their smallest gap, bucket m
    holds the last index i with values[i] <= start (`last_at_most`), else the first with values[i] >= start,
    where start = values[0] + m * width. At most one value lies in a bucket, so a query needs one division,
    one lookup and one comparison instead of a binary search. (0, None) when it would be too large."""
    if len(values) < 2:
        return 0, None
    width = int(np.diff(values).min())
    count = (int(values[-1]) - int(values[0])) // width + 1
    if count > _MAX_BUCKETS:
        return 0, None
    starts = values[0] + np.arange(count, dtype=np.int64) * width
    if last_at_most:
        return width, np.searchsorted(values, starts, side="right") - 1
    return width, np.searchsorted(values, starts, side="left")


class _Tables:
    """Search tables over [lo, hi]: breakpoints P, flags F, W at the breakpoints C, and their indexes."""

    def __init__(self, lo: int, hi: int, points: np.ndarray, flags: np.ndarray, cumulative: np.ndarray):
        self.lo, self.hi, self.points, self.flags, self.cumulative = lo, hi, points, flags, cumulative
        self.lists = (points.tolist(), flags.tolist(), cumulative.tolist())  # for the scalar API (bisect)
        self.width, self.bucket = _buckets(points, last_at_most=True)
        self.padded = np.append(points, np.iinfo(np.int64).max)
        # Distinct values of C (the inverse searches these), each with its first breakpoint.
        self.firsts = np.flatnonzero(np.append(True, cumulative[1:] != cumulative[:-1]))
        self.levels = cumulative[self.firsts]
        self.level_width, self.level_bucket = _buckets(self.levels, last_at_most=False)

    def w(self, t: np.ndarray) -> np.ndarray:
        """W at instants within [lo, hi]."""
        if self.bucket is not None:
            k = self.bucket[(t - self.lo) // self.width]
            k += t >= self.padded[k + 1]
        else:
            k = np.searchsorted(self.points, t, side="right") - 1
        return self.cumulative[k] + self.flags[k] * (t - self.points[k])

    def inverse(self, w: np.ndarray) -> np.ndarray:
        """The earliest instant where W reaches each w, within [C[0], C[-1]]."""
        if self.level_bucket is not None:
            i = self.level_bucket[(w - self.levels[0]) // self.level_width]
            i += self.levels[i] < w
        else:
            i = np.searchsorted(self.levels, w, side="left")
        j = self.firsts[i]  # the first breakpoint with C >= w
        before = np.maximum(j - 1, 0)
        cumulative, points = self.cumulative, self.points
        return np.where(cumulative[j] == w, points[j], points[before] + (w - cumulative[before]))


class Schedule:
    """A business calendar: a time zone, weekly working intervals and holidays (see the module docstring).

    ``week`` maps a weekday (0 = Monday) to ``[("HH:MM", "HH:MM"), ...]`` local intervals; missing weekdays
    have none. Invalid input raises ``ValueError`` naming the problem.
    """

    def __init__(
        self,
        tz: str,
        week: Mapping[int, Iterable[Sequence[str]]],
        closed: Iterable[date | str] = (),
        extra_working: Iterable[date | str] = (),
        holiday_country: str | None = None,
        holiday_subdiv: str | None = None,
        extra_working_hours: Iterable[Sequence[str]] | None = None,
    ) -> None:
        try:
            self.tz = ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError, TypeError):
            raise ValueError(
                f"unknown time zone {tz!r}: expected an IANA name such as 'Europe/Paris'"
            ) from None
        if not isinstance(week, Mapping) or any(not isinstance(k, int) or not 0 <= k <= 6 for k in week):
            raise ValueError("week must map weekdays 0 (Monday) to 6 (Sunday) to lists of intervals")
        self.week: dict[int, Intervals] = {
            d: _parse_intervals(week.get(d, ()), f"weekday {d}") for d in range(7)
        }
        self.closed = _dates(closed, "closed")
        self.extra_working = _dates(extra_working, "extra_working")
        if both := sorted(self.closed & self.extra_working):
            raise ValueError(f"dates both closed and extra working: {', '.join(map(str, both))}")
        if extra_working_hours is not None:
            self.extra_working_hours = _parse_intervals(extra_working_hours, "extra_working_hours")
        else:
            counts = Counter(p for p in self.week.values() if p)
            self.extra_working_hours = max(counts, key=counts.__getitem__) if counts else ()
        if self.extra_working and not self.extra_working_hours and not any(self.week.values()):
            raise ValueError("extra_working dates need extra_working_hours when no weekday has intervals")
        if holiday_subdiv and not holiday_country:
            raise ValueError("holiday_subdiv needs a holiday_country")
        if holiday_country:
            try:
                holidays_lib.country_holidays(holiday_country, subdiv=holiday_subdiv, years=())
            except (NotImplementedError, KeyError, ValueError) as exc:
                raise ValueError(f"unknown holiday country/subdivision: {exc}") from None
        self.holiday_country, self.holiday_subdiv = holiday_country, holiday_subdiv
        self._lock = threading.Lock()
        self._years: tuple[int, int] | None = None  # built local years [y0, y1)
        self._starts = self._ends = np.empty(0, dtype=np.int64)
        self._origin = 0
        self._tables: _Tables | None = None

    def __repr__(self) -> str:
        return f"<Schedule {self.tz.key} holidays={self.holiday_country or '-'}>"

    # --- building ---------------------------------------------------------------------------------------

    def _intervals_of(self, day: date, holidays: set[date]) -> Intervals:
        if day in self.closed:
            return ()
        own = self.week[day.weekday()]
        if day in self.extra_working:
            return own or self.extra_working_hours
        return () if day in holidays else own

    def _year_start(self, year: int) -> int:
        day = date(year, 1, 1)
        return (day.toordinal() - _EPOCH_ORDINAL) * 86400 - _offset(self.tz, day)

    def _build(self, y0: int, y1: int) -> tuple[np.ndarray, np.ndarray]:
        """Working intervals (UTC epoch seconds) of the local dates of years [y0, y1)."""
        holidays: set[date] = set()
        if self.holiday_country:
            found = holidays_lib.country_holidays(
                self.holiday_country, subdiv=self.holiday_subdiv, years=range(y0 - 1, y1 + 1)
            )
            holidays = {d for d in found if y0 <= d.year < y1}
        starts: list[int] = []
        ends: list[int] = []
        day, stop = date(y0, 1, 1), date(y1, 1, 1)
        offset = _offset(self.tz, day)
        while day < stop:
            following = day + timedelta(days=1)
            next_offset = _offset(self.tz, following)
            spans = self._intervals_of(day, holidays)
            if spans:
                midnight = (day.toordinal() - _EPOCH_ORDINAL) * 86400  # local midnight as if it were UTC
                change = _FAR
                if next_offset != offset:
                    change = _transition(
                        self.tz, midnight - offset, midnight + 86400 - next_offset, next_offset
                    )
                for first, last in spans:
                    wall_start, wall_end = midnight + first * 60, midnight + last * 60
                    # Before the change wall = utc + offset; from it, wall = utc + next_offset.
                    starts.append(wall_start - offset)
                    ends.append(min(wall_end - offset, change))
                    if change != _FAR:
                        starts.append(max(wall_start - next_offset, change))
                        ends.append(wall_end - next_offset)
            day, offset = following, next_offset
        return np.array(starts, dtype=np.int64), np.array(ends, dtype=np.int64)

    def _extend(self, y0: int, y1: int) -> _Tables:
        """Build the years [y0, y1) not built yet and refresh the search tables (call with the lock held)."""
        if y0 < MIN_YEAR or y1 > MAX_YEAR + 1:
            raise ValueError(f"instants must lie in years {MIN_YEAR}-{MAX_YEAR}")
        if self._years is None:
            starts, ends = self._build(y0, y1)
            self._origin = self._year_start(y0)
        else:
            b0, b1 = self._years
            y0, y1 = min(y0, b0), max(y1, b1)
            parts = [self._build(y0, b0)] if y0 < b0 else []
            parts.append((self._starts, self._ends))
            if y1 > b1:
                parts.append(self._build(b1, y1))
            starts, ends = np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])
        self._starts, self._ends = _merge(starts, ends)
        self._years = (y0, y1)
        lo, hi, n = self._year_start(y0), self._year_start(y1), len(self._starts)
        points = np.empty(2 * n + 2, dtype=np.int64)
        points[0], points[1:-1:2], points[2:-1:2], points[-1] = lo, self._starts, self._ends, hi
        flags = np.zeros(2 * n + 2, dtype=np.int64)
        flags[1:-1:2] = 1
        keep = np.append(points[:-1] != points[1:], True)  # drop empty segments
        points, flags = points[keep], flags[keep]
        cumulative = np.zeros(len(points), dtype=np.int64)
        np.cumsum(np.diff(points) * flags[:-1], out=cumulative[1:])
        k = int(np.searchsorted(points, self._origin, side="right")) - 1
        cumulative -= cumulative[k] + flags[k] * (self._origin - points[k])
        self._tables = _Tables(lo, hi, points, flags, cumulative)
        return self._tables

    def _covering(self, lo_t: int, hi_t: int) -> _Tables:
        """Search tables valid for every instant in [lo_t, hi_t]."""
        tables = self._tables
        if tables is not None and tables.lo <= lo_t and hi_t <= tables.hi:
            return tables
        if lo_t < _MIN_T or hi_t > _MAX_T:
            raise ValueError(f"instants must lie in years {MIN_YEAR}-{MAX_YEAR}")
        with self._lock:
            tables = self._tables
            if tables is not None and tables.lo <= lo_t and hi_t <= tables.hi:
                return tables
            y0 = datetime.fromtimestamp(lo_t, self.tz).year
            y1 = datetime.fromtimestamp(hi_t, self.tz).year + 1
            return self._extend(y0, y1)

    def _reaching(self, tables: _Tables, target: int) -> _Tables:
        """Search tables whose cumulative working time reaches `target`, building further years as needed."""
        while target > tables.lists[2][-1]:
            with self._lock:
                y0, y1 = self._years
                per_year = (tables.lists[2][-1] - tables.lists[2][0]) / (y1 - y0)
                if not any(self.week.values()) and y1 > max((d.year for d in self.extra_working), default=0):
                    raise ValueError(
                        "the calendar has no more working time: no instant reaches that many seconds"
                    )
                more = int((target - tables.lists[2][-1]) / per_year) + 1 if per_year > 0 else 1
                if y1 > MAX_YEAR:
                    raise ValueError(f"that many working seconds reach beyond the year {MAX_YEAR}")
                tables = self._extend(y0, min(y1 + more, MAX_YEAR + 1))
        return tables

    # --- vectorised API ---------------------------------------------------------------------------------

    def working_seconds_at(self, instants: Any) -> np.ndarray:
        """W(t) for each instant (epoch seconds or aware datetimes): working seconds from this instance's fixed
        origin (negative before it). Only differences are meaningful, within one Schedule instance."""
        t = _epochs(instants, "instants")
        if not len(t):
            return t
        return self._covering(int(t.min()), int(t.max())).w(t)

    def instants_at(self, working_seconds: Any) -> np.ndarray:
        """Inverse of W: the earliest epoch second at which W reaches each value (values from this instance)."""
        w = np.asarray(working_seconds, dtype=np.int64).ravel()
        if not len(w):
            return w
        tables = self._tables
        if tables is None or w.min() < tables.lists[2][0]:
            raise ValueError("working-second values must come from working_seconds_at of this schedule")
        return self._reaching(tables, int(w.max())).inverse(w)

    def between_many(self, starts: Any, ends: Any) -> np.ndarray:
        """Working seconds in [start, end) for each pair; int64 array."""
        a, b = _epochs(starts, "starts"), _epochs(ends, "ends")
        if a.shape != b.shape:
            raise ValueError(f"starts and ends differ in length ({len(a)} != {len(b)})")
        if (bad := np.flatnonzero(b < a)).size:
            raise ValueError(f"{bad.size} end(s) before their start, the first at index {bad[0]}")
        if not len(a):
            return a
        tables = self._covering(int(a.min()), int(b.max()))
        return tables.w(b) - tables.w(a)

    def add_many(self, starts: Any, seconds: Any) -> np.ndarray:
        """Earliest epoch second reaching each number of working seconds after its start; int64 array."""
        a = _epochs(starts, "starts")
        s = np.broadcast_to(_epochs(seconds, "seconds"), a.shape) if len(a) else a
        if (bad := np.flatnonzero(s < 0)).size:
            raise ValueError(f"{bad.size} negative number(s) of seconds, the first at index {bad[0]}")
        if not len(a):
            return a
        target = self.working_seconds_at(a) + s
        return np.where(s == 0, a, self.instants_at(target))

    # --- scalar API -------------------------------------------------------------------------------------

    def _w(self, tables: _Tables, t: int) -> int:
        points, flags, cumulative = tables.lists
        k = bisect_right(points, t) - 1
        return cumulative[k] + flags[k] * (t - points[k])

    def between(self, start: datetime, end: datetime) -> int:
        """Working seconds in [start, end) between two aware datetimes."""
        a, b = epoch_seconds(start, "start"), epoch_seconds(end, "end")
        if b < a:
            raise ValueError(f"end {end.isoformat()} is before start {start.isoformat()}")
        tables = self._covering(a, b)
        return self._w(tables, b) - self._w(tables, a)

    def add(self, start: datetime, seconds: int | timedelta) -> datetime:
        """The earliest instant (aware, UTC) with ``between(start, instant) == seconds``."""
        if isinstance(seconds, timedelta):
            seconds = seconds / _SECOND
        if isinstance(seconds, float) and seconds.is_integer():
            seconds = int(seconds)
        if not isinstance(seconds, int | np.integer) or isinstance(seconds, bool):
            raise ValueError(f"seconds must be a whole number of seconds, got {seconds!r}")
        if seconds < 0:
            raise ValueError(f"seconds must not be negative, got {seconds}")
        a = epoch_seconds(start, "start")
        if seconds == 0:
            return datetime.fromtimestamp(a, UTC)
        tables = self._covering(a, a)
        target = self._w(tables, a) + int(seconds)
        tables = self._reaching(tables, target)
        points, _, cumulative = tables.lists
        j = bisect_left(cumulative, target)
        t = points[j] if cumulative[j] == target else points[j - 1] + (target - cumulative[j - 1])
        return datetime.fromtimestamp(t, UTC)
