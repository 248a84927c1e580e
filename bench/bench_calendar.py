"""Benchmark of the calendar core (sla/calendar.py) against the `businesstimedelta` peer, in one run.

A split-shift calendar (Europe/Prague, Mon-Fri 08:00-12:00 and 13:00-17:00, Czech public holidays) and
1,000,000 random intervals starting anywhere in 2025-2026, lengths uniform up to 120 days, go through
`between_many`; their starts, each with its interval's working time (at least 1 s), go through `add_many`.
Ours is timed on the first calls of the process (fresh Schedule: lazy build and warm-up included), on a
fresh Schedule in a warm process, and on the built Schedule. A 2,000-interval subset goes through
businesstimedelta too: the results must agree exactly. The peer walks period by period, so its time grows
with the span (printed by span); ours is a fixed number of array operations per interval.

Figures are printed, never asserted (shared machines are noisy); the goals are ratios measured in this
same run: at least 10,000x less time per interval than the peer, and the million in under a second.

Run from the repository root: .venv/bin/python bench/bench_calendar.py
"""

from __future__ import annotations

import importlib.metadata
import sys
import time
from datetime import UTC, date, datetime
from datetime import time as clock
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import businesstimedelta as btd  # noqa: E402
import holidays  # noqa: E402
import numpy as np  # noqa: E402
import pytz  # noqa: E402

from sla.calendar import Schedule, epoch_seconds  # noqa: E402

TZ, COUNTRY = "Europe/Prague", "CZ"
WEEK = {d: [("08:00", "12:00"), ("13:00", "17:00")] for d in range(5)}
N, SUBSET, SCALAR_CALLS = 1_000_000, 2_000, 20_000
GOAL_RATIO, GOAL_MILLION_S = 10_000, 1.0


def schedule() -> Schedule:
    return Schedule(TZ, WEEK, holiday_country=COUNTRY)


def timed(fn, *args):
    t0 = time.perf_counter()
    result = fn(*args)
    return time.perf_counter() - t0, result


def best_of(repeat: int, fn, *args) -> float:
    return min(timed(fn, *args)[0] for _ in range(repeat))


def peer_rules(last_year: int):
    """businesstimedelta rules equal to the schedule: two shifts, the same holidays, a far-off sentinel."""
    tz = pytz.timezone(TZ)
    days = set(holidays.country_holidays(COUNTRY, years=range(2024, last_year + 1)))
    # Its HolidayRule crashes when no holiday lies within five years after a date: a sentinel past every
    # date in use keeps it going without changing any result.
    sentinel = date(last_year + 3, 1, 1)
    return btd.Rules(
        [
            btd.WorkDayRule(start_time=clock(8), end_time=clock(12), working_days=list(range(5)), tz=tz),
            btd.WorkDayRule(start_time=clock(13), end_time=clock(17), working_days=list(range(5)), tz=tz),
            btd.HolidayRule(days | {sentinel}, tz=tz),
        ]
    )


def fmt(seconds_per_interval: float) -> str:
    if seconds_per_interval >= 1e-3:
        return f"{seconds_per_interval * 1e3:9.3f} ms"
    if seconds_per_interval >= 1e-6:
        return f"{seconds_per_interval * 1e6:9.3f} us"
    return f"{seconds_per_interval * 1e9:9.1f} ns"


def main() -> int:
    rng = np.random.default_rng(20260601)
    lo = epoch_seconds(datetime(2025, 1, 1, tzinfo=UTC))
    hi = epoch_seconds(datetime(2027, 1, 1, tzinfo=UTC))
    starts = rng.integers(lo, hi, N, dtype=np.int64)
    ends = starts + rng.integers(0, 120 * 86400, N, dtype=np.int64)
    print(f"calendar: {TZ}, Mon-Fri 08:00-12:00 + 13:00-17:00, {COUNTRY} holidays")
    print(
        f"{N:,} intervals starting in 2025-2026, lengths uniform 0..120 days; add_many(start, their working time)"
    )

    # --- ours: first calls of the process (fresh schedule, lazy build, numpy/holidays warm-up), then a
    # fresh schedule in a warm process (lazy build included), then the built schedule ------------------
    cold_between, between = timed(schedule().between_many, starts, ends)
    seconds = np.maximum(between, 1)
    cold_add, added = timed(schedule().add_many, starts, seconds)
    fresh_between = best_of(3, lambda: schedule().between_many(starts, ends))
    fresh_add = best_of(3, lambda: schedule().add_many(starts, seconds))
    warm = schedule()
    warm.add_many(starts, seconds)
    warm_between = best_of(3, warm.between_many, starts, ends)
    warm_add = best_of(3, warm.add_many, starts, seconds)
    build = best_of(3, lambda: schedule().between_many(starts[:1], ends[:1]))
    years = warm._years
    print(
        f"\nours, {N:,} intervals (local years {years[0]}-{years[1] - 1} built lazily, {build * 1e3:.1f} ms)"
    )
    print("                first call   fresh schedule    built schedule   (per interval, first call)")
    for name, first, fresh, built in (
        ("between_many", cold_between, fresh_between, warm_between),
        ("add_many", cold_add, fresh_add, warm_add),
    ):
        print(f"  {name:12s} {first:9.3f} s {fresh:12.3f} s {built:14.3f} s    {fmt(first / N)}")

    # --- the peer on a subset -------------------------------------------------------------------------
    pick = rng.choice(N, SUBSET, replace=False)
    last_year = datetime.fromtimestamp(int(max(ends[pick].max(), added[pick].max())), UTC).year
    rules = peer_rules(last_year)
    as_dt = [
        (datetime.fromtimestamp(int(starts[i]), pytz.utc), datetime.fromtimestamp(int(ends[i]), pytz.utc))
        for i in pick
    ]

    peer_between, peer_add, peer_times = [], [], []
    for (a, b), i in zip(as_dt, pick, strict=True):
        t0 = time.perf_counter()
        peer_between.append(int(rules.difference(a, b).timedelta.total_seconds()))
        t1 = time.perf_counter()
        peer_add.append(epoch_seconds(a + btd.BusinessTimeDelta(rules, seconds=int(seconds[i]))))
        peer_times.append((t1 - t0, time.perf_counter() - t1))
    times = np.array(peer_times)
    peer_between_s, peer_add_s = times.mean(axis=0)

    ours_between, ours_add = between[pick].tolist(), added[pick].tolist()
    bad_between = [k for k in range(SUBSET) if peer_between[k] != ours_between[k]]
    bad_add = [k for k in range(SUBSET) if peer_add[k] != ours_add[k]]
    version = importlib.metadata.version("businesstimedelta")
    print(f"\nbusinesstimedelta {version} on {SUBSET:,} of them (pytz zone, same holidays + a sentinel)")
    print(f"  between: {fmt(peer_between_s)}/interval   add: {fmt(peer_add_s)}/interval")
    span_days = (ends[pick] - starts[pick]) / 86400
    for low, high in ((0, 1), (1, 7), (7, 30), (30, 121)):
        inside = (span_days >= low) & (span_days < high)
        if inside.any():
            b_mean, a_mean = times[inside].mean(axis=0)
            print(
                f"    spans {low:>3}-{high:<3} days ({inside.sum():4d}): between {fmt(b_mean)}, add {fmt(a_mean)}"
                f"  -> ratio to ours (first call) {b_mean / (cold_between / N):,.0f}x, {a_mean / (cold_add / N):,.0f}x"
            )
    print(f"  disagreements: between {len(bad_between)}, add {len(bad_add)} (of {SUBSET:,} each)")
    tz = pytz.timezone(TZ)
    for k in (bad_between + bad_add)[:5]:
        i = pick[k]
        start, end = (datetime.fromtimestamp(int(x), tz) for x in (starts[i], ends[i]))
        ours_t, peer_t = (datetime.fromtimestamp(x, tz) for x in (ours_add[k], peer_add[k]))
        print(
            f"    #{i} [{start:%a %Y-%m-%d %H:%M:%S %Z}, {end:%a %Y-%m-%d %H:%M:%S %Z}): between ours"
            f" {ours_between[k]} peer {peer_between[k]}; add {int(seconds[i])} s: ours {ours_t:%a %Y-%m-%d %H:%M:%S}"
            f" peer {peer_t:%a %Y-%m-%d %H:%M:%S}"
        )
    if bad_between or bad_add:
        print("  (a disagreement is a bug in one of the two: check it by hand against the calendar above)")
    if not bad_between and not bad_add:
        print("  every result agrees exactly")

    # --- scalar calls -----------------------------------------------------------------------------------
    scalar = schedule()
    few = [
        (
            datetime.fromtimestamp(int(starts[i]), UTC),
            datetime.fromtimestamp(int(ends[i]), UTC),
            int(seconds[i]),
        )
        for i in range(SCALAR_CALLS)
    ]
    scalar.between(few[0][0], few[0][1])
    t_between = best_of(3, lambda: [scalar.between(a, b) for a, b, _ in few]) / SCALAR_CALLS
    t_add = best_of(3, lambda: [scalar.add(a, s) for a, _, s in few]) / SCALAR_CALLS
    print(
        f"\nscalar (aware datetimes in and out), {SCALAR_CALLS:,} calls: between {fmt(t_between)}/call, add {fmt(t_add)}/call"
    )
    print(
        f"  vs the peer: between {peer_between_s / t_between:,.0f}x, add {peer_add_s / t_add:,.0f}x less time per call"
    )

    # --- goals ------------------------------------------------------------------------------------------
    ratio_between = peer_between_s / (cold_between / N)
    ratio_add = peer_add_s / (cold_add / N)
    warm_ratio_between, warm_ratio_add = peer_between_s / (warm_between / N), peer_add_s / (warm_add / N)
    agree = not bad_between and not bad_add
    print("\ngoals (ratios measured in this run; first call: fresh schedule, lazy build, process warm-up)")
    print(
        f"  between_many: {ratio_between:,.0f}x less time per interval than the peer (first call), {warm_ratio_between:,.0f}x built"
        f"  (goal >= {GOAL_RATIO:,}x): {'met' if ratio_between >= GOAL_RATIO else 'MISSED'}"
    )
    print(
        f"  add_many:     {ratio_add:,.0f}x less time per interval than the peer (first call), {warm_ratio_add:,.0f}x built"
        f"  (goal >= {GOAL_RATIO:,}x): {'met' if ratio_add >= GOAL_RATIO else 'MISSED'}"
    )
    print(
        f"  the million under {GOAL_MILLION_S:.0f} s: between {cold_between:.3f} s, add {cold_add:.3f} s:"
        f" {'met' if max(cold_between, cold_add) < GOAL_MILLION_S else 'MISSED'}"
    )
    print(f"  exact agreement with the peer: {'met' if agree else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
