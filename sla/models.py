"""Business calendars, SLAs and their targets, task clock state and KPI snapshots (see shared/design/sla.md)."""

from decimal import Decimal
from functools import lru_cache

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kpo.accounts.models import validate_time_zone
from kpo.core.fields import country_field, currency_check, currency_field, money_field
from kpo.core.models import KpoModel, TimeStampedModel

from .calendar import Schedule
from .choices import (
    AlertLevel,
    CalendarExceptionKind,
    ClockKind,
    ClockState,
    JobStatus,
    Kpi,
    KpiStatus,
    PeriodKind,
    Priority,
    SamplingLevel,
)

MINUTES_PER_DAY = 24 * 60


@lru_cache(maxsize=256)
def _schedule_for(key: tuple) -> Schedule:
    # Keyed by the calendar's whole content, so an edited calendar never reuses a stale Schedule.
    time_zone, week, closed, extra, country, subdiv = key
    return Schedule(
        time_zone,
        {day: list(spans) for day, spans in week},
        closed=closed,
        extra_working=extra,
        holiday_country=country or None,
        holiday_subdiv=subdiv or None,
    )


class BusinessCalendar(TimeStampedModel):
    """Working time in local wall-clock time of one IANA zone, with public holidays and own exceptions."""

    name = models.CharField(max_length=120, unique=True)
    time_zone = models.CharField(max_length=64, validators=[validate_time_zone])
    holiday_country = country_field(
        blank=True, help_text=_("Public holidays of this country (holidays package).")
    )
    holiday_subdiv = models.CharField(max_length=10, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.time_zone})"

    def schedule(self) -> Schedule:
        """This calendar as a Schedule for business-time arithmetic (cached per process by content)."""
        exceptions = list(self.exceptions.all())
        closed = tuple(sorted(e.date for e in exceptions if e.kind == CalendarExceptionKind.CLOSED))
        extra = tuple(sorted(e.date for e in exceptions if e.kind == CalendarExceptionKind.EXTRA_WORKING))
        week = tuple((day, tuple(spans)) for day, spans in self.week().items())
        key = (self.time_zone, week, closed, extra, self.holiday_country, self.holiday_subdiv)
        return _schedule_for(key)

    def week(self) -> dict[int, list[tuple[str, str]]]:
        """The weekly schedule as {weekday: [("HH:MM", "HH:MM"), ...]}; uses prefetched intervals when present."""
        week: dict[int, list[tuple[str, str]]] = {}
        for interval in self.intervals.all():
            week.setdefault(interval.weekday, []).append((interval.start_hhmm, interval.end_hhmm))
        return {day: sorted(spans) for day, spans in sorted(week.items())}


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


class WorkingInterval(KpoModel):
    """One working span of a weekday, in minutes after local midnight; 1440 is 24:00."""

    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="intervals")
    weekday = models.PositiveSmallIntegerField(validators=[MaxValueValidator(6)], help_text=_("0 = Monday"))
    start_minute = models.PositiveSmallIntegerField(validators=[MaxValueValidator(MINUTES_PER_DAY - 1)])
    end_minute = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(MINUTES_PER_DAY)]
    )

    class Meta:
        ordering = ["calendar", "weekday", "start_minute"]
        constraints = [
            models.CheckConstraint(condition=Q(weekday__lte=6), name="interval_weekday_range"),
            models.CheckConstraint(
                condition=Q(end_minute__gt=F("start_minute")) & Q(end_minute__lte=MINUTES_PER_DAY),
                name="interval_end_after_start",
            ),
            models.UniqueConstraint(
                fields=["calendar", "weekday", "start_minute"], name="interval_unique_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.calendar.name}: day {self.weekday} {self.start_hhmm}-{self.end_hhmm}"

    @property
    def start_hhmm(self) -> str:
        return _hhmm(self.start_minute)

    @property
    def end_hhmm(self) -> str:
        return _hhmm(self.end_minute)


class CalendarException(KpoModel):
    """A date the calendar is closed (beyond public holidays) or works although it normally would not."""

    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="exceptions")
    date = models.DateField()
    kind = models.CharField(max_length=16, choices=CalendarExceptionKind.choices)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["calendar", "date"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="calendar_exception_unique_date"),
            models.CheckConstraint(
                condition=Q(kind__in=CalendarExceptionKind.values), name="calendar_exception_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.calendar.name}: {self.date} {self.get_kind_display()}"


class SLA(TimeStampedModel):
    """A service level agreement: targets measured on a business calendar, sampling and credits."""

    name = models.CharField(max_length=150)
    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.PROTECT, related_name="slas")
    engagement = models.ForeignKey(
        "engagements.Engagement",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="scoped_slas",
        help_text=_(
            "An SLA scoped to one engagement (e.g. a renewal or a task-type schedule); empty for the "
            "engagement's main SLA set on the engagement itself."
        ),
    )
    task_type = models.CharField(
        max_length=20, blank=True, help_text=_("Applies only to tasks of this type; empty for every type.")
    )
    effective_from = models.DateField()
    effective_until = models.DateField(null=True, blank=True)
    warning_threshold = models.DecimalField(
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.800"),
        help_text=_("Share of the budget used at which a running clock is at risk (0.8 = 80%)."),
    )
    sampling_rate = models.DecimalField(
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.100"),
        help_text=_("Share of delivered tasks to review."),
    )
    sampling_minimum_per_week = models.PositiveSmallIntegerField(default=1)
    service_credit_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("2.00"),
        # xgettext:no-python-format
        help_text=_("Credit per breached KPI, % of period fees."),
    )
    service_credit_cap_percent = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("10.00"))

    class Meta:
        ordering = ["name"]
        verbose_name = _("SLA")
        verbose_name_plural = _("SLAs")
        constraints = [
            models.CheckConstraint(
                condition=Q(warning_threshold__gt=0) & Q(warning_threshold__lt=1),
                name="sla_warning_threshold_range",
            ),
            models.CheckConstraint(
                condition=Q(sampling_rate__gte=0) & Q(sampling_rate__lte=1), name="sla_sampling_rate_range"
            ),
            models.CheckConstraint(
                condition=Q(service_credit_percent__gte=0)
                & Q(service_credit_cap_percent__gte=F("service_credit_percent"))
                & Q(service_credit_cap_percent__lte=100),
                name="sla_credit_range",
            ),
            models.CheckConstraint(
                condition=Q(effective_until__isnull=True) | Q(effective_until__gt=F("effective_from")),
                name="sla_effective_window",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class SLATarget(KpoModel):
    """Response and resolution budgets in business seconds for one priority."""

    sla = models.ForeignKey(SLA, on_delete=models.CASCADE, related_name="targets")
    priority = models.CharField(max_length=2, choices=Priority.choices)
    response_seconds = models.PositiveIntegerField()
    resolution_seconds = models.PositiveIntegerField()
    rework_resolution_seconds = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text=_("Budget for a rework cycle; empty: rework only counts in the rework rate."),
    )

    class Meta:
        ordering = ["sla", "priority"]
        verbose_name = _("SLA target")
        constraints = [
            models.UniqueConstraint(fields=["sla", "priority"], name="slatarget_unique_priority"),
            models.CheckConstraint(
                condition=Q(priority__in=Priority.values), name="slatarget_priority_valid"
            ),
            models.CheckConstraint(condition=Q(response_seconds__gt=0), name="slatarget_response_positive"),
            models.CheckConstraint(
                condition=Q(resolution_seconds__gte=F("response_seconds")),
                name="slatarget_resolution_after_response",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sla} {self.priority}: respond {self.response_seconds}s, resolve {self.resolution_seconds}s"


class KpiTarget(KpoModel):
    """The period target of one KPI under an SLA, as a fraction (0.95 = 95%) or a score for accuracy."""

    sla = models.ForeignKey(SLA, on_delete=models.CASCADE, related_name="kpi_targets")
    kpi = models.CharField(max_length=32, choices=Kpi.choices)
    target = models.DecimalField(max_digits=6, decimal_places=4)

    class Meta:
        ordering = ["sla", "kpi"]
        verbose_name = _("KPI target")
        constraints = [
            models.UniqueConstraint(fields=["sla", "kpi"], name="kpitarget_unique_kpi"),
            models.CheckConstraint(condition=Q(target__gte=0) & Q(target__lte=1), name="kpitarget_fraction"),
        ]

    def __str__(self) -> str:
        return f"{self.sla}: {self.get_kpi_display()} {self.target:.2%}"


class TaskClock(KpoModel):
    """A task's response or resolution clock, recomputed from its events; due_at makes breaches one query."""

    task = models.ForeignKey("engagements.Task", on_delete=models.CASCADE, related_name="clocks")
    kind = models.CharField(max_length=16, choices=ClockKind.choices)
    sla = models.ForeignKey(SLA, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    state = models.CharField(max_length=16, choices=ClockState.choices, default=ClockState.NOT_APPLICABLE)
    priority = models.CharField(max_length=2, blank=True, help_text=_("The priority whose budget applies."))
    target_seconds = models.PositiveIntegerField(null=True, blank=True)
    elapsed_seconds = models.PositiveIntegerField(default=0)
    paused_seconds = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)
    segment_started_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("Start of the open running or paused segment (not yet in the totals)."),
    )
    due_at = models.DateTimeField(null=True, blank=True)
    at_risk_at = models.DateTimeField(null=True, blank=True)
    computed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["task", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["task", "kind"], name="taskclock_unique_kind"),
            models.CheckConstraint(condition=Q(state__in=ClockState.values), name="taskclock_state_valid"),
        ]
        indexes = [
            # "Which running clocks breach or turn at risk now" is one range scan.
            models.Index(
                fields=["due_at"],
                name="taskclock_ticking_due_idx",
                condition=Q(state__in=["running", "at_risk"]),
            ),
            models.Index(fields=["at_risk_at"], name="taskclock_warn_idx", condition=Q(state="running")),
            models.Index(fields=["state"], name="taskclock_state_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.task_id} {self.kind}: {self.state}"


class KpiSnapshot(TimeStampedModel):
    """One KPI of one engagement for one period, with its working shown (numerator / denominator)."""

    engagement = models.ForeignKey(
        "engagements.Engagement", on_delete=models.CASCADE, related_name="kpi_snapshots"
    )
    sla = models.ForeignKey(SLA, null=True, on_delete=models.SET_NULL, related_name="kpi_snapshots")
    kpi = models.CharField(max_length=32, choices=Kpi.choices)
    period_kind = models.CharField(max_length=16, choices=PeriodKind.choices, default=PeriodKind.MONTH)
    period_start = models.DateField()
    period_end = models.DateField()
    numerator = models.DecimalField(max_digits=14, decimal_places=4, default=0)
    denominator = models.DecimalField(max_digits=14, decimal_places=4, default=0)
    value = models.DecimalField(max_digits=8, decimal_places=6, null=True, blank=True)
    target = models.DecimalField(max_digits=6, decimal_places=4, null=True, blank=True)
    status = models.CharField(max_length=16, choices=KpiStatus.choices, default=KpiStatus.NO_DATA)
    service_credit = money_field("service credit", default=Decimal("0"))
    currency = currency_field()
    alerted_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When the breach at period close was announced (once).")
    )

    class Meta:
        ordering = ["engagement", "-period_start", "kpi"]
        verbose_name = _("KPI snapshot")
        constraints = [
            models.UniqueConstraint(
                fields=["engagement", "kpi", "period_kind", "period_start"], name="kpisnapshot_unique_period"
            ),
            models.CheckConstraint(
                condition=Q(period_end__gt=F("period_start")), name="kpisnapshot_period_order"
            ),
            models.CheckConstraint(
                condition=Q(denominator__gte=0) & Q(numerator__gte=0), name="kpisnapshot_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(status=KpiStatus.NO_DATA) | Q(value__isnull=False),
                name="kpisnapshot_value_unless_no_data",
            ),
            currency_check("currency", "kpisnapshot_currency_iso"),
        ]
        indexes = [
            models.Index(fields=["engagement", "period_kind", "-period_start"], name="kpisnapshot_period_idx")
        ]

    def __str__(self) -> str:
        return f"{self.engagement_id} {self.kpi} {self.period_start:%Y-%m}: {self.status}"

    def get_absolute_url(self) -> str:
        return reverse("engagements:detail", args=[self.engagement_id])


class SlaAlert(KpoModel):
    """A clock entered at_risk or breached: recorded once per clock, level and cycle (the alert's idempotency)."""

    task = models.ForeignKey("engagements.Task", on_delete=models.CASCADE, related_name="sla_alerts")
    clock_kind = models.CharField(max_length=16, choices=ClockKind.choices)
    level = models.CharField(max_length=16, choices=AlertLevel.choices)
    cycle_started_at = models.DateTimeField(
        help_text=_("Start of the clock cycle (a rework cycle is a new one).")
    )
    raised_at = models.DateTimeField()

    class Meta:
        ordering = ["-raised_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["task", "clock_kind", "level", "cycle_started_at"], name="slaalert_once_per_cycle"
            ),
        ]
        indexes = [models.Index(fields=["task", "-raised_at"], name="slaalert_task_idx")]

    def __str__(self) -> str:
        return f"{self.task_id} {self.clock_kind} {self.level} at {self.raised_at:%Y-%m-%d %H:%M}"


class SamplingState(KpoModel):
    """Where an engagement's sampling stands in the switching rules (normal, tightened, reduced)."""

    engagement = models.OneToOneField(
        "engagements.Engagement", on_delete=models.CASCADE, related_name="sampling"
    )
    level = models.CharField(max_length=16, choices=SamplingLevel.choices, default=SamplingLevel.NORMAL)
    # Recent review outcomes, newest last, as "A" (accepted) / "R" (rework): enough for the switching rules.
    recent_outcomes = models.CharField(max_length=32, blank=True)
    accepted_streak = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.engagement_id}: {self.level}"


class SamplingSwitch(KpoModel):
    """A change of sampling level, with the reason both sides see."""

    engagement = models.ForeignKey(
        "engagements.Engagement", on_delete=models.CASCADE, related_name="sampling_switches"
    )
    from_level = models.CharField(max_length=16, choices=SamplingLevel.choices)
    to_level = models.CharField(max_length=16, choices=SamplingLevel.choices)
    reason = models.CharField(max_length=300)
    switched_at = models.DateTimeField()

    class Meta:
        ordering = ["-switched_at"]

    def __str__(self) -> str:
        return f"{self.engagement_id}: {self.from_level} → {self.to_level}"


class SampleDraw(KpoModel):
    """A delivered task drawn into the review sample, reproducibly (seeded by engagement and period)."""

    task = models.OneToOneField("engagements.Task", on_delete=models.CASCADE, related_name="sample_draw")
    engagement = models.ForeignKey(
        "engagements.Engagement", on_delete=models.CASCADE, related_name="sample_draws"
    )
    period_start = models.DateField()
    level = models.CharField(max_length=16, choices=SamplingLevel.choices)
    rate = models.DecimalField(max_digits=4, decimal_places=3)
    reason = models.CharField(max_length=200)
    drawn_at = models.DateTimeField()

    class Meta:
        ordering = ["-drawn_at"]
        indexes = [models.Index(fields=["engagement", "period_start"], name="sampledraw_period_idx")]

    def __str__(self) -> str:
        return f"sample {self.task_id} ({self.period_start:%Y-%m})"


class ClockRecomputeJob(KpoModel):
    """A bulk recomputation of task clocks, with progress the user can watch."""

    engagement = models.ForeignKey(
        "engagements.Engagement", null=True, blank=True, on_delete=models.CASCADE, related_name="clock_jobs"
    )
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    reason = models.CharField(max_length=200, blank=True)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"recompute {self.engagement_id or 'all'}: {self.status} {self.done}/{self.total}"

    @property
    def percent(self) -> int:
        return 100 if not self.total else min(100, round(100 * self.done / self.total))
