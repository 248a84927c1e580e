"""Ranking providers against a client's need: pure logic over plain rows, no database access.

`providers.selectors.provider_match_rows(user)` loads the rows (a constant number of queries); `rank()`
decides. A need has hard requirements and preferences:

Hard requirements (a provider missing one is excluded, with the reason)
    service line        the provider offers it
    certifications      each required standard is held and valid on the day of the search
                        (issued_on <= day < expires_on): an expired certification does not count
    languages           every required language is spoken (case-insensitive)
    minimum capacity    headcount >= the minimum
    minimum overlap     average working-hours overlap per client working day >= the minimum, when given

Preferences (points; the score is earned / possible x 100, rounded)
    preferred countries 20 when the provider is based in one, 12 when only one of its sites is
    overlap             30 x overlap per day / the client's working day (capped at 1), when a zone is given
    capacity headroom   10 x (headcount / minimum - 1) capped at 1, when a minimum is given
    delivery record     on-time resolution 20 x rate, accuracy 20 x mean score / 100, rework 10 x (1 - rate),
                        each over the engagements the viewer may see; without data, half the points
    expiring soon       minus 5 for each required certification that expires within EXPIRY_WARNING_DAYS

Working hours: the provider's default calendar (its time zone and weekly intervals), or Monday-Friday
09:00-17:00 in the provider's time zone when it has none; the client works Monday-Friday within the hours
of the need in the client's zone. The overlap is measured over the real week of the search day (so
daylight-saving offsets are those of that week) and averaged over the client's five working days.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.utils.translation import gettext
from django.utils.translation import gettext as _

EXPIRY_WARNING_DAYS = 90
DEFAULT_WEEK = tuple((weekday, 9 * 60, 17 * 60) for weekday in range(5))
CLIENT_WORKING_DAYS = 5

POINTS_COUNTRY = 20
POINTS_COUNTRY_SITE_ONLY = 12
POINTS_OVERLAP = 30
POINTS_HEADROOM = 10
POINTS_ON_TIME = 20
POINTS_ACCURACY = 20
POINTS_REWORK = 10
PENALTY_EXPIRING = 5

MET, MISSED, WARNING, INFO = "met", "missed", "warning", "info"


# --- rows --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CertificationRow:
    standard: str
    label: str
    issued_on: date
    expires_on: date

    def status_on(self, day: date) -> str:
        """valid / expiring / expired / not_yet_valid on `day`."""
        if self.expires_on <= day:
            return "expired"
        if self.issued_on > day:
            return "not_yet_valid"
        if (self.expires_on - day).days <= EXPIRY_WARNING_DAYS:
            return "expiring"
        return "valid"


@dataclass(frozen=True)
class DeliveryRecord:
    """Counts across engagements (additive: per-engagement records sum to the provider's)."""

    on_time_met: int = 0
    on_time_total: int = 0
    score_total: Decimal = Decimal(0)
    reviews: int = 0
    reworked: int = 0
    delivered: int = 0

    def __add__(self, other: DeliveryRecord) -> DeliveryRecord:
        return DeliveryRecord(
            self.on_time_met + other.on_time_met,
            self.on_time_total + other.on_time_total,
            self.score_total + other.score_total,
            self.reviews + other.reviews,
            self.reworked + other.reworked,
            self.delivered + other.delivered,
        )

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time_met / self.on_time_total if self.on_time_total else None

    @property
    def accuracy(self) -> float | None:
        """Mean accuracy score, 0-100."""
        return float(self.score_total) / self.reviews if self.reviews else None

    @property
    def rework_rate(self) -> float | None:
        return self.reworked / self.delivered if self.delivered else None

    @property
    def has_data(self) -> bool:
        return bool(self.on_time_total or self.reviews or self.delivered)


@dataclass(frozen=True)
class ProviderRow:
    id: int
    name: str
    country: str
    time_zone: str
    headcount: int
    languages: tuple[str, ...] = ()
    service_line_ids: frozenset[int] = frozenset()
    certifications: tuple[CertificationRow, ...] = ()
    site_countries: frozenset[str] = frozenset()
    calendar_time_zone: str = ""
    week: tuple[tuple[int, int, int], ...] = ()  # (weekday, start minute, end minute), local time
    delivery: DeliveryRecord = field(default_factory=DeliveryRecord)

    def certification(self, standard: str) -> CertificationRow | None:
        return next((c for c in self.certifications if c.standard == standard), None)


@dataclass(frozen=True)
class Need:
    """What the client needs; empty fields are not asked for."""

    on: date
    service_line_id: int | None = None
    service_line_name: str = ""
    certifications: tuple[tuple[str, str], ...] = ()  # (standard, label)
    languages: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    min_capacity: int | None = None
    client_time_zone: str = ""
    client_start_minute: int = 9 * 60
    client_end_minute: int = 17 * 60
    min_overlap_hours: Decimal | None = None


@dataclass(frozen=True)
class Reason:
    kind: str  # met / missed / warning / info
    text: str


@dataclass
class Match:
    provider: ProviderRow
    score: int = 0
    reasons: list[Reason] = field(default_factory=list)
    overlap_minutes: float | None = None  # average per client working day

    @property
    def excluded(self) -> bool:
        return any(r.kind == MISSED for r in self.reasons)

    @property
    def missed(self) -> list[Reason]:
        return [r for r in self.reasons if r.kind == MISSED]


@dataclass
class Ranking:
    matches: list[Match]
    excluded: list[Match]


# --- working hours -----------------------------------------------------------------------------------


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


@lru_cache(maxsize=4096)
def _utc_spans(
    time_zone: str, week: tuple[tuple[int, int, int], ...], monday: date
) -> tuple[tuple[int, int], ...]:
    """The week's working spans as UTC minutes since the epoch, sorted and merged."""
    zone = ZoneInfo(time_zone)
    spans = []
    for weekday, start, end in week:
        day = monday + timedelta(days=weekday)
        midnight = datetime(day.year, day.month, day.day, tzinfo=zone)
        begin = midnight + timedelta(minutes=start)
        finish = midnight + timedelta(minutes=end)
        spans.append((int(begin.timestamp()) // 60, int(finish.timestamp()) // 60))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for begin, finish in spans:
        if merged and begin <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], finish))
        else:
            merged.append((begin, finish))
    return tuple(merged)


def overlap_minutes(a: Iterable[tuple[int, int]], b: Iterable[tuple[int, int]]) -> int:
    """Total minutes two sorted, merged span lists have in common."""
    a, b = list(a), list(b)
    i = j = total = 0
    while i < len(a) and j < len(b):
        begin, finish = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if finish > begin:
            total += finish - begin
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return total


def weekly_overlap_per_day(provider: ProviderRow, need: Need) -> float:
    """Average minutes of overlap per client working day, over the week of `need.on`."""
    monday = need.on - timedelta(days=need.on.weekday())
    provider_zone = provider.calendar_time_zone or provider.time_zone
    provider_week = provider.week if provider.calendar_time_zone else DEFAULT_WEEK
    client_week = tuple(
        (weekday, need.client_start_minute, need.client_end_minute) for weekday in range(CLIENT_WORKING_DAYS)
    )
    # Both weeks are real instants of the same calendar week, so a provider's Tuesday morning can meet
    # the client's Monday evening.
    client = _utc_spans(need.client_time_zone, client_week, monday)
    theirs = _utc_spans(provider_zone, provider_week, monday)
    return overlap_minutes(theirs, client) / CLIENT_WORKING_DAYS


# --- ranking -----------------------------------------------------------------------------------------


def _norm(word: str) -> str:
    return " ".join(word.split()).casefold()


def _hours(minutes: float) -> str:
    return f"{minutes / 60:.1f}".rstrip("0").rstrip(".")


def _percent(fraction: float) -> str:
    return f"{100 * fraction:.0f}%"


def evaluate(provider: ProviderRow, need: Need, _=_) -> Match:
    """One provider against the need: its reasons (met, missed, warnings) and its score.

    `_` translates a message; rank() passes a memoised one (a thousand providers would otherwise
    call gettext ten thousand times, most of the ranking's time)."""
    match = Match(provider=provider)
    reasons = match.reasons
    earned = possible = 0.0

    # Hard requirements.
    if need.service_line_id is not None:
        if need.service_line_id in provider.service_line_ids:
            reasons.append(Reason(MET, _("offers %(line)s") % {"line": need.service_line_name}))
        else:
            reasons.append(Reason(MISSED, _("does not offer %(line)s") % {"line": need.service_line_name}))

    penalty = 0.0
    for standard, label in need.certifications:
        held = provider.certification(standard)
        if held is None:
            reasons.append(Reason(MISSED, _("no %(cert)s certification") % {"cert": label}))
            continue
        status = held.status_on(need.on)
        if status == "expired":
            reasons.append(
                Reason(
                    MISSED,
                    _("certification %(cert)s expired on %(date)s")
                    % {"cert": label, "date": held.expires_on.isoformat()},
                )
            )
        elif status == "not_yet_valid":
            reasons.append(
                Reason(
                    MISSED,
                    _("certification %(cert)s is valid only from %(date)s")
                    % {"cert": label, "date": held.issued_on.isoformat()},
                )
            )
        else:
            reasons.append(
                Reason(
                    MET,
                    _("%(cert)s valid until %(date)s") % {"cert": label, "date": held.expires_on.isoformat()},
                )
            )
            if status == "expiring":
                penalty += PENALTY_EXPIRING
                reasons.append(
                    Reason(
                        WARNING,
                        _("%(cert)s expires in %(days)d days")
                        % {"cert": label, "days": (held.expires_on - need.on).days},
                    )
                )

    if need.languages:
        spoken = {_norm(lang) for lang in provider.languages}
        for language in need.languages:
            if _norm(language) in spoken:
                reasons.append(Reason(MET, _("speaks %(language)s") % {"language": language}))
            else:
                reasons.append(Reason(MISSED, _("does not list %(language)s") % {"language": language}))

    if need.min_capacity:
        if provider.headcount >= need.min_capacity:
            reasons.append(
                Reason(
                    MET,
                    _("capacity %(have)d people (at least %(need)d needed)")
                    % {"have": provider.headcount, "need": need.min_capacity},
                )
            )
        else:
            reasons.append(
                Reason(
                    MISSED,
                    _("capacity %(have)d people, fewer than the %(need)d needed")
                    % {"have": provider.headcount, "need": need.min_capacity},
                )
            )
        possible += POINTS_HEADROOM
        earned += POINTS_HEADROOM * max(0.0, min(provider.headcount / need.min_capacity - 1, 1.0))

    # Return early: an excluded provider shows what it misses; its preferences do not matter.
    if need.min_overlap_hours is None and any(r.kind == MISSED for r in reasons):
        return match
    if need.client_time_zone:
        minutes = weekly_overlap_per_day(provider, need)
        match.overlap_minutes = minutes
        client_day = max(need.client_end_minute - need.client_start_minute, 1)
        possible += POINTS_OVERLAP
        earned += POINTS_OVERLAP * min(minutes / client_day, 1.0)
        text = _("%(hours)s h overlap per working day with %(zone)s %(start)s–%(end)s") % {
            "hours": _hours(minutes),
            "zone": need.client_time_zone,
            "start": _hhmm(need.client_start_minute),
            "end": _hhmm(need.client_end_minute),
        }
        if not provider.calendar_time_zone:
            text += " " + _("(no calendar: assumed Monday–Friday 09:00–17:00 %(zone)s)") % {
                "zone": provider.time_zone
            }
        if need.min_overlap_hours is not None and minutes < float(need.min_overlap_hours) * 60:
            reasons.append(
                Reason(
                    MISSED,
                    text + " " + _("(at least %(hours)s h needed)") % {"hours": need.min_overlap_hours},
                )
            )
        else:
            reasons.append(Reason(MET if minutes > 0 else INFO, text))

    if any(r.kind == MISSED for r in reasons):
        return match

    # Preferences.
    if need.countries:
        wanted = {c.upper() for c in need.countries}
        possible += POINTS_COUNTRY
        if provider.country.upper() in wanted:
            earned += POINTS_COUNTRY
            reasons.append(Reason(MET, _("based in %(country)s") % {"country": provider.country}))
        else:
            sites = sorted(wanted & {c.upper() for c in provider.site_countries})
            if sites:
                earned += POINTS_COUNTRY_SITE_ONLY
                reasons.append(
                    Reason(MET, _("has a site in %(countries)s") % {"countries": ", ".join(sites)})
                )
            else:
                reasons.append(
                    Reason(
                        INFO,
                        _("not in a preferred country (%(country)s)") % {"country": provider.country},
                    )
                )

    record = provider.delivery
    possible += POINTS_ON_TIME + POINTS_ACCURACY + POINTS_REWORK
    if record.on_time_rate is None:
        earned += POINTS_ON_TIME / 2
    else:
        earned += POINTS_ON_TIME * record.on_time_rate
        reasons.append(
            Reason(
                INFO,
                _("on time %(rate)s (%(met)d of %(total)d tasks)")
                % {
                    "rate": _percent(record.on_time_rate),
                    "met": record.on_time_met,
                    "total": record.on_time_total,
                },
            )
        )
    if record.accuracy is None:
        earned += POINTS_ACCURACY / 2
    else:
        earned += POINTS_ACCURACY * record.accuracy / 100
        reasons.append(
            Reason(
                INFO,
                _("accuracy %(score).1f over %(n)d reviews")
                % {"score": record.accuracy, "n": record.reviews},
            )
        )
    if record.rework_rate is None:
        earned += POINTS_REWORK / 2
    else:
        earned += POINTS_REWORK * max(0.0, 1 - record.rework_rate)
        reasons.append(Reason(INFO, _("rework %(rate)s") % {"rate": _percent(record.rework_rate)}))
    if not record.has_data:
        reasons.append(Reason(INFO, _("no delivery record you can see yet")))

    earned = max(0.0, earned - penalty)
    match.score = round(100 * earned / possible) if possible else 100
    return match


def rank(providers: Iterable[ProviderRow], need: Need) -> Ranking:
    """Matches best first (score, then capacity, then name) and the excluded with their reasons."""
    matches, excluded = [], []
    translate = lru_cache(maxsize=None)(gettext)
    for provider in providers:
        match = evaluate(provider, need, translate)
        (excluded if match.excluded else matches).append(match)
    matches.sort(key=lambda m: (-m.score, -m.provider.headcount, m.provider.name.casefold()))
    excluded.sort(key=lambda m: (len(m.missed), m.provider.name.casefold()))
    return Ranking(matches=matches, excluded=excluded)


__all__ = [
    "EXPIRY_WARNING_DAYS",
    "CertificationRow",
    "DeliveryRecord",
    "Match",
    "Need",
    "ProviderRow",
    "Ranking",
    "Reason",
    "evaluate",
    "overlap_minutes",
    "rank",
    "weekly_overlap_per_day",
]
