"""The calendar core: sla.md's worked examples, validation, invariants and a minute-by-minute oracle.

No database: `sla.calendar` is pure Python.
"""

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays
import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from sla.calendar import Schedule, epoch_seconds

HOUR = 3600
MON_FRI = range(5)

# Zone -> (holiday country, subdivision).
ZONES = {
    "America/New_York": ("US", None),
    "Europe/Paris": ("FR", None),
    "Australia/Sydney": ("AU", "NSW"),
    "Asia/Kolkata": ("IN", None),
    # DST changes at midnight: Santiago springs 24:00 -> 01:00 and falls 24:00 -> 23:00, Havana falls 01:00 -> 00:00.
    "America/Santiago": ("CL", None),
    "America/Havana": ("CU", None),
}
# Instants to draw around: DST changes of the zones above, holidays, and the year seams of the lazy build.
ANCHORS = [
    datetime.fromisoformat(text)
    for text in (
        "2025-03-09T07:00Z",
        "2025-11-02T06:00Z",
        "2026-03-08T07:00Z",
        "2026-11-01T06:00Z",
        "2025-03-30T01:00Z",
        "2025-10-26T01:00Z",
        "2026-03-29T01:00Z",
        "2026-10-25T01:00Z",
        "2025-04-05T16:00Z",
        "2025-10-04T16:00Z",
        "2026-04-04T16:00Z",
        "2026-10-03T16:00Z",
        "2026-04-05T03:00Z",
        "2026-09-06T04:00Z",
        "2026-11-01T05:00Z",
        "2025-12-31T18:00Z",
        "2026-12-31T12:00Z",
        "2026-01-26T06:00Z",
        "2026-07-04T12:00Z",
        "2026-07-14T12:00Z",
        "2025-12-25T12:00Z",
        "2026-05-01T12:00Z",
        "2026-08-15T12:00Z",
    )
]


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def at(tz: str, *args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(tz))


# --- sla.md's worked examples, exactly ---------------------------------------------------------------


def test_example_1_kolkata_closure():
    cal = Schedule("Asia/Kolkata", {d: [("09:30", "18:30")] for d in MON_FRI}, closed=[date(2026, 1, 26)])
    start = utc("2026-01-23T11:30Z")
    assert start == at("Asia/Kolkata", 2026, 1, 23, 17, 0)
    assert cal.add(start, 4 * HOUR) == utc("2026-01-27T06:30Z")
    assert utc("2026-01-27T06:30Z") == at("Asia/Kolkata", 2026, 1, 27, 12, 0)
    assert cal.between(start, utc("2026-01-27T06:30Z")) == 4 * HOUR


def test_example_2_new_york_dst_start():
    cal = Schedule("America/New_York", {d: [("09:00", "17:00")] for d in MON_FRI})
    assert cal.add(utc("2026-03-06T21:00Z"), 2 * HOUR) == utc("2026-03-09T14:00Z")
    assert cal.between(utc("2026-03-06T21:00Z"), utc("2026-03-09T14:00Z")) == 7200
    # 8 working hours a day on both sides of the change.
    assert cal.between(utc("2026-03-06T00:00Z"), utc("2026-03-07T00:00Z")) == 8 * HOUR
    assert cal.between(utc("2026-03-09T00:00Z"), utc("2026-03-10T00:00Z")) == 8 * HOUR


def test_example_3_prague_resolution_and_due_at():
    cal = Schedule("Europe/Prague", {d: [("09:00", "17:00")] for d in MON_FRI})
    target = 8 * HOUR
    ready, hold = at("Europe/Prague", 2026, 6, 1, 9), at("Europe/Prague", 2026, 6, 1, 11)
    resumed, delivered = at("Europe/Prague", 2026, 6, 2, 10), at("Europe/Prague", 2026, 6, 2, 15)
    used_before_hold = cal.between(ready, hold)
    resolution = used_before_hold + cal.between(resumed, delivered)
    assert resolution == 7 * HOUR <= target
    assert cal.add(ready, target) == at("Europe/Prague", 2026, 6, 1, 17)
    assert cal.add(resumed, target - used_before_hold) == at("Europe/Prague", 2026, 6, 2, 16)


def test_example_4_paris_24x7_dst_day_is_wall_time():
    cal = Schedule("Europe/Paris", {d: [("00:00", "24:00")] for d in range(7)})
    assert cal.between(utc("2026-03-28T12:00Z"), utc("2026-03-29T12:00Z")) == 86400
    # The local day of the change is 23 hours long.
    assert cal.between(at("Europe/Paris", 2026, 3, 29), at("Europe/Paris", 2026, 3, 30)) == 23 * HOUR


def test_example_5_manila_lunch_hour():
    cal = Schedule("Asia/Manila", {d: [("08:00", "12:00"), ("13:00", "17:00")] for d in MON_FRI})
    assert cal.between(at("Asia/Manila", 2026, 6, 1, 11), at("Asia/Manila", 2026, 6, 1, 14)) == 2 * HOUR


# --- specific behaviour ------------------------------------------------------------------------------


def test_holidays_extra_working_and_closures():
    week = {d: [("09:00", "17:00")] for d in MON_FRI}
    plain = Schedule("America/New_York", week)
    us = Schedule("America/New_York", week, holiday_country="US")
    july = (at("America/New_York", 2026, 7, 1), at("America/New_York", 2026, 7, 8))
    # 2026-07-04 is a Saturday: observed on Friday 07-03.
    assert plain.between(*july) - us.between(*july) == 8 * HOUR
    reopened = Schedule("America/New_York", week, holiday_country="US", extra_working=[date(2026, 7, 3)])
    assert reopened.between(*july) == plain.between(*july)
    # A working Saturday takes the most common weekday pattern by default, or the hours given.
    saturday = Schedule("America/New_York", week, extra_working=["2026-07-04"])
    assert saturday.between(*july) == plain.between(*july) + 8 * HOUR
    short = Schedule(
        "America/New_York", week, extra_working=["2026-07-04"], extra_working_hours=[("10:00", "12:00")]
    )
    assert short.between(*july) == plain.between(*july) + 2 * HOUR
    closed = Schedule("America/New_York", week, closed=["2026-07-06", date(2026, 7, 7)])
    assert closed.between(*july) == plain.between(*july) - 16 * HOUR


def test_fall_back_repeated_wall_time_counts_twice():
    cal = Schedule("America/New_York", {d: [("00:00", "01:30")] for d in range(7)})
    day = (at("America/New_York", 2026, 11, 1), at("America/New_York", 2026, 11, 2))
    assert cal.between(*day) == 2 * HOUR  # 00:00-01:30 EDT and 01:00-01:30 EST
    gap = Schedule("America/New_York", {d: [("02:00", "03:00")] for d in range(7)})
    assert gap.between(at("America/New_York", 2026, 3, 8), at("America/New_York", 2026, 3, 9)) == 0


def test_add_lands_on_the_end_of_the_interval_that_reaches_it():
    cal = Schedule("Asia/Manila", {d: [("08:00", "12:00"), ("13:00", "17:00")] for d in MON_FRI})
    start = at("Asia/Manila", 2026, 6, 1, 8)
    assert cal.add(start, 4 * HOUR) == at("Asia/Manila", 2026, 6, 1, 12)
    assert cal.add(start, 8 * HOUR) == at("Asia/Manila", 2026, 6, 1, 17)
    assert cal.add(at("Asia/Manila", 2026, 6, 5, 17), 0) == at("Asia/Manila", 2026, 6, 5, 17)
    assert cal.add(at("Asia/Manila", 2026, 6, 5, 17), 1) == at("Asia/Manila", 2026, 6, 8, 8, 0, 1)
    assert cal.add(start, timedelta(hours=1)).tzinfo == UTC


def test_lazy_build_in_any_order_gives_the_same_answers():
    week = {d: [("09:00", "12:00"), ("13:00", "18:00")] for d in MON_FRI}
    probes = [
        (utc("2031-05-05T10:00Z"), utc("2031-06-05T10:00Z")),
        (utc("2019-12-30T10:00Z"), utc("2020-01-03T10:00Z")),
        (utc("2026-03-01T10:00Z"), utc("2026-04-01T10:00Z")),
    ]
    fresh = [Schedule("Europe/Paris", week, holiday_country="FR").between(a, b) for a, b in probes]
    reused = Schedule("Europe/Paris", week, holiday_country="FR")
    assert [reused.between(a, b) for a, b in probes] == fresh
    assert reused.add(utc("2026-01-01T00:00Z"), 3000 * HOUR) == Schedule(
        "Europe/Paris", week, holiday_country="FR"
    ).add(utc("2026-01-01T00:00Z"), 3000 * HOUR)


def test_vectorised_inputs():
    cal = Schedule("Asia/Kolkata", {d: [("09:30", "18:30")] for d in MON_FRI}, closed=["2026-01-26"])
    a, b = utc("2026-01-23T11:30Z"), utc("2026-01-27T06:30Z")
    as_epochs = np.array([epoch_seconds(a)]), np.array([epoch_seconds(b)])
    for starts, ends in (([a], [b]), as_epochs, (as_epochs[0].astype(float), as_epochs[1] + 0.5)):
        assert cal.between_many(starts, ends).tolist() == [cal.between(a, b)]
    assert cal.add_many([a], 4 * HOUR).tolist() == [epoch_seconds(b)]
    assert cal.add_many(
        np.array(["2026-01-23T11:30"] * 2, dtype="datetime64[s]"), [0, 4 * HOUR]
    ).tolist() == [
        epoch_seconds(a),
        epoch_seconds(b),
    ]
    w = cal.working_seconds_at([a, b])
    assert w[1] - w[0] == 4 * HOUR
    assert cal.instants_at(w).tolist() == [epoch_seconds(a), epoch_seconds(b)]
    assert cal.between_many([], []).tolist() == [] and cal.add_many([], []).tolist() == []


def test_midnight_dst_changes_keep_24x7_equal_to_wall_time():
    santiago = Schedule("America/Santiago", {d: [("00:00", "24:00")] for d in range(7)})
    # 2026-04-04 repeats 23:00-24:00 (25 h); 2026-09-06 starts at 01:00 (23 h).
    assert (
        santiago.between(at("America/Santiago", 2026, 4, 4), at("America/Santiago", 2026, 4, 5)) == 25 * HOUR
    )
    assert (
        santiago.between(at("America/Santiago", 2026, 9, 6), at("America/Santiago", 2026, 9, 7)) == 23 * HOUR
    )
    evenings = Schedule("America/Santiago", {d: [("23:00", "24:00")] for d in range(7)})
    assert (
        evenings.between(at("America/Santiago", 2026, 4, 4), at("America/Santiago", 2026, 4, 5)) == 2 * HOUR
    )
    havana = Schedule("America/Havana", {d: [("00:00", "00:30")] for d in range(7)})
    assert havana.between(at("America/Havana", 2026, 11, 1), at("America/Havana", 2026, 11, 2)) == HOUR


def test_bucket_index_and_binary_search_agree(monkeypatch):
    week = {d: [("08:00", "12:00"), ("12:01", "17:00")] for d in MON_FRI} | {5: [("10:00", "10:05")]}
    rng = np.random.default_rng(7)
    starts = rng.integers(
        epoch_seconds(utc("2025-01-01T00:00Z")), epoch_seconds(utc("2027-01-01T00:00Z")), 5000
    )
    ends = starts + rng.integers(0, 40 * 86400, 5000)
    seconds = rng.integers(0, 300 * HOUR, 5000)
    cal = Schedule("Europe/Paris", week, holiday_country="FR")
    expected = cal.between_many(starts, ends), cal.add_many(starts, seconds)
    assert cal._tables.bucket is not None and cal._tables.level_bucket is not None
    monkeypatch.setattr("sla.calendar._MAX_BUCKETS", 0)
    plain = Schedule("Europe/Paris", week, holiday_country="FR")
    got = plain.between_many(starts, ends), plain.add_many(starts, seconds)
    assert plain._tables.bucket is None and plain._tables.level_bucket is None
    assert (got[0] == expected[0]).all() and (got[1] == expected[1]).all()
    picks = range(0, 5000, 97)
    assert [
        cal.between(*(datetime.fromtimestamp(int(x[i]), UTC) for x in (starts, ends))) for i in picks
    ] == [int(expected[0][i]) for i in picks]


# --- validation ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"tz": "Mars/Olympus"}, "unknown time zone"),
        ({"tz": ""}, "unknown time zone"),
        ({"week": {0: [("09:00", "13:00"), ("12:00", "17:00")]}}, "overlap"),
        ({"week": {0: [("17:00", "09:00")]}}, "must end after it starts"),
        ({"week": {0: [("9:00", "17:00")]}}, "invalid time '9:00'"),
        ({"week": {0: [("09:00", "24:30")]}}, "invalid time '24:30'"),
        ({"week": {0: [("24:00", "24:00")]}}, "invalid time '24:00'"),
        ({"week": {0: [("09:60", "10:00")]}}, "invalid time"),
        ({"week": {7: [("09:00", "17:00")]}}, "weekdays 0"),
        ({"week": {0: ["09:00-17:00"]}}, "not a (start, end) pair"),
        ({"closed": ["2026-02-30"]}, "not an ISO date"),
        ({"closed": [datetime(2026, 1, 1, tzinfo=UTC)]}, "is not a date"),
        ({"closed": ["2026-01-01"], "extra_working": ["2026-01-01"]}, "both closed and extra working"),
        ({"holiday_subdiv": "NSW"}, "needs a holiday_country"),
        ({"holiday_country": "XX"}, "unknown holiday country"),
        ({"holiday_country": "US", "holiday_subdiv": "ZZ"}, "unknown holiday country"),
        ({"week": {}, "extra_working": ["2026-01-03"]}, "need extra_working_hours"),
    ],
)
def test_invalid_schedules_are_refused(kwargs, message):
    arguments = {"tz": "Europe/Paris", "week": {0: [("09:00", "17:00")]}} | kwargs
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Schedule(**arguments)


def test_invalid_queries_are_refused():
    cal = Schedule("Europe/Paris", {d: [("09:00", "17:00")] for d in MON_FRI})
    a, b = utc("2026-03-02T10:00Z"), utc("2026-03-03T10:00Z")
    with pytest.raises(ValueError, match="before start"):
        cal.between(b, a)
    with pytest.raises(ValueError, match="naive"):
        cal.between(datetime(2026, 3, 2, 10), b)
    with pytest.raises(ValueError, match="naive"):
        cal.add(datetime(2026, 3, 2, 10), 60)
    with pytest.raises(ValueError, match="naive"):
        cal.between_many([datetime(2026, 3, 2, 10)], [b])
    with pytest.raises(ValueError, match="must be a datetime"):
        cal.between("2026-03-02", b)
    with pytest.raises(ValueError, match="negative"):
        cal.add(a, -1)
    with pytest.raises(ValueError, match="whole number"):
        cal.add(a, 1.5)
    with pytest.raises(ValueError, match="before their start, the first at index 1"):
        cal.between_many([a, b], [b, a])
    with pytest.raises(ValueError, match="negative"):
        cal.add_many([a, b], [1, -1])
    with pytest.raises(ValueError, match="differ in length"):
        cal.between_many([a, a], [b])
    with pytest.raises(ValueError, match="NaN"):
        cal.between_many(np.array([np.nan]), np.array([1.0]))
    with pytest.raises(ValueError, match="years"):
        cal.between(utc("1800-01-01T00:00Z"), b)
    with pytest.raises(ValueError, match="no more working time"):
        Schedule("Europe/Paris", {}).add(a, 1)
    with pytest.raises(ValueError, match="must come from working_seconds_at"):
        Schedule("Europe/Paris", {0: [("09:00", "17:00")]}).instants_at([0])


# --- random calendars ---------------------------------------------------------------------------------

SLOTS = st.integers(0, 96)  # quarter hours; 96 = 24:00


def hhmm(quarters: int) -> str:
    return f"{quarters // 4:02d}:{quarters % 4 * 15:02d}"


@st.composite
def day_patterns(draw) -> list[tuple[str, str]]:
    kind = draw(st.sampled_from(["off", "day", "day", "split", "random", "full"]))
    if kind == "off":
        return []
    if kind == "full":
        return [("00:00", "24:00")]
    if kind in ("day", "split"):
        start = draw(st.integers(0, 40))
        end = draw(st.integers(start + 1, 96))
        if kind == "day" or end - start < 3:
            return [(hhmm(start), hhmm(end))]
        middle = draw(st.integers(start + 1, end - 2))
        return [(hhmm(start), hhmm(middle)), (hhmm(middle + 1), hhmm(end))]
    marks = sorted(draw(st.lists(SLOTS, min_size=2, max_size=8, unique=True)))
    return [(hhmm(s), hhmm(e)) for s, e in zip(marks[::2], marks[1::2], strict=False)]


@st.composite
def calendars(draw, *, working: bool = False) -> tuple[dict, datetime]:
    """Schedule keyword arguments, and an anchor instant near which to draw instants."""
    tz = draw(st.sampled_from(sorted(ZONES)))
    anchor = draw(st.sampled_from(ANCHORS)) + timedelta(minutes=draw(st.integers(-7 * 1440, 7 * 1440)))
    week = {d: draw(day_patterns()) for d in range(7)}
    if working:
        assume(any(week.values()))
    kwargs: dict = {"tz": tz, "week": week}
    if draw(st.booleans()):
        kwargs["holiday_country"], kwargs["holiday_subdiv"] = ZONES[tz]
    near = st.builds(lambda days: (anchor + timedelta(days=days)).date(), st.integers(-6, 16))
    special = draw(st.lists(near, max_size=6, unique=True))
    split = draw(st.integers(0, len(special)))
    kwargs["closed"], kwargs["extra_working"] = special[:split], special[split:]
    if special[split:] and (not any(week.values()) or draw(st.booleans())):
        kwargs["extra_working_hours"] = draw(day_patterns().filter(bool))
    return kwargs, anchor


class Oracle:
    """Minute by minute: a UTC minute works when its local date and wall time fall in that date's intervals."""

    def __init__(self, kwargs: dict):
        self.tz = ZoneInfo(kwargs["tz"])
        self.week = {d: [self.minutes(i) for i in kwargs["week"].get(d, [])] for d in range(7)}
        counts = Counter(tuple(p) for p in self.week.values() if p)
        best = max(counts.values(), default=0)
        default = next((list(p) for p in self.week.values() if p and counts[tuple(p)] == best), [])
        hours = kwargs.get("extra_working_hours")
        self.extra_hours = [self.minutes(i) for i in hours] if hours else default
        self.closed, self.extra = set(kwargs.get("closed", ())), set(kwargs.get("extra_working", ()))
        country = kwargs.get("holiday_country")
        self.holidays = (
            holidays.country_holidays(country, subdiv=kwargs.get("holiday_subdiv"), years=range(2018, 2034))
            if country
            else {}
        )

    @staticmethod
    def minutes(interval: tuple[str, str]) -> tuple[int, int]:
        (h1, m1), (h2, m2) = (map(int, t.split(":")) for t in interval)
        return h1 * 60 + m1, h2 * 60 + m2

    def works(self, minute: int) -> bool:
        local = datetime.fromtimestamp(minute, self.tz)
        day = local.date()
        if day in self.closed:
            return False
        if day in self.extra:
            spans = self.week[day.weekday()] or self.extra_hours
        elif day in self.holidays:
            return False
        else:
            spans = self.week[day.weekday()]
        wall = local.hour * 60 + local.minute
        return any(s <= wall < e for s, e in spans)

    def working_minutes(self, a: int, b: int) -> list[int]:
        return [m for m in range(a, b, 60) if self.works(m)]


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(calendars(), st.integers(0, 10 * 1440), st.floats(0, 1))
def test_oracle_agrees_minute_by_minute(case, span, fraction):
    kwargs, anchor = case
    cal, oracle = Schedule(**kwargs), Oracle(kwargs)
    a = epoch_seconds(anchor) // 60 * 60
    b = a + span * 60
    minutes = oracle.working_minutes(a, b)
    start, end = datetime.fromtimestamp(a, UTC), datetime.fromtimestamp(b, UTC)
    assert cal.between(start, end) == 60 * len(minutes)
    if minutes:
        k = int(fraction * (len(minutes) - 1))
        # Earliest instant reaching k+1 working minutes: the end of the (k+1)-th working minute.
        assert cal.add(start, 60 * (k + 1)) == datetime.fromtimestamp(minutes[k] + 60, UTC)


def instants(anchor: datetime, spread_days: int = 12):
    return st.integers(0, spread_days * 86400).map(
        lambda s: anchor - timedelta(days=spread_days / 2, seconds=-s)
    )


@settings(max_examples=250, deadline=None)
@given(st.data())
def test_between_is_additive_monotone_and_at_most_wall_time(data):
    kwargs, anchor = data.draw(calendars())
    cal = Schedule(**kwargs)
    a, b, c = sorted(data.draw(st.lists(instants(anchor), min_size=3, max_size=3)))
    ab, bc, ac = cal.between(a, b), cal.between(b, c), cal.between(a, c)
    assert ab + bc == ac
    assert 0 <= ab <= ac
    assert ab <= (b - a).total_seconds() and ac <= (c - a).total_seconds()


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(sorted(ZONES)), st.sampled_from(ANCHORS), st.data())
def test_24x7_equals_wall_time(tz, anchor, data):
    week = data.draw(st.sampled_from([[("00:00", "24:00")], [("00:00", "09:00"), ("09:00", "24:00")]]))
    cal = Schedule(tz, dict.fromkeys(range(7), week))
    a, b = sorted(data.draw(st.lists(instants(anchor), min_size=2, max_size=2)))
    assert cal.between(a, b) == (b - a).total_seconds()
    assert cal.add(a, int((b - a).total_seconds())) == b


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(st.data())
def test_add_reaches_exactly_and_is_minimal(data):
    kwargs, anchor = data.draw(calendars(working=True))
    cal = Schedule(**kwargs)
    a = data.draw(instants(anchor))
    seconds = data.draw(st.integers(0, 30 * 86400))
    t = cal.add(a, seconds)
    assert t >= a and t.tzinfo == UTC
    assert cal.between(a, t) == seconds
    if seconds > 0:
        assert cal.between(a, t - timedelta(seconds=1)) < seconds


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_vectorised_equals_scalar(data):
    kwargs, anchor = data.draw(calendars(working=True))
    cal = Schedule(**kwargs)
    pairs = [
        sorted(p)
        for p in data.draw(st.lists(st.lists(instants(anchor), min_size=2, max_size=2), max_size=20))
    ]
    seconds = data.draw(st.lists(st.integers(0, 20 * 86400), min_size=len(pairs), max_size=len(pairs)))
    starts, ends = [p[0] for p in pairs], [p[1] for p in pairs]
    expected = [cal.between(a, b) for a, b in pairs]
    assert cal.between_many(starts, ends).tolist() == expected
    epochs = np.array([epoch_seconds(x) for x in starts], dtype=np.int64)
    assert cal.between_many(epochs, [epoch_seconds(x) for x in ends]).tolist() == expected
    assert cal.add_many(epochs, np.array(seconds)).tolist() == [
        epoch_seconds(cal.add(a, s)) for a, s in zip(starts, seconds, strict=True)
    ]
