from django.db import models
from django.utils.translation import gettext_lazy as _


class ClockKind(models.TextChoices):
    RESPONSE = "response", _("Response")
    RESOLUTION = "resolution", _("Resolution")
    REWORK = "rework", _("Rework")


class ClockState(models.TextChoices):
    RUNNING = "running", _("Running")
    PAUSED = "paused", _("Paused")
    AT_RISK = "at_risk", _("At risk")
    BREACHED = "breached", _("Breached")
    MET = "met", _("Met")
    NOT_APPLICABLE = "not_applicable", _("Not applicable")


# States in which the clock still ticks: the beat job watches these by due_at.
TICKING_STATES = (ClockState.RUNNING, ClockState.AT_RISK)


class Kpi(models.TextChoices):
    RESPONSE_COMPLIANCE = "response_compliance", _("Response compliance")
    RESOLUTION_COMPLIANCE = "resolution_compliance", _("Resolution compliance (on time)")
    ACCURACY = "accuracy", _("Accuracy")
    REWORK_RATE = "rework_rate", _("Rework rate")
    SAMPLING_COVERAGE = "sampling_coverage", _("Sampling coverage")


# A KPI is met when value >= target, except the rework rate, met when value <= target.
KPI_LOWER_IS_BETTER = frozenset({Kpi.REWORK_RATE})


class KpiStatus(models.TextChoices):
    MET = "met", _("Met")
    AT_RISK = "at_risk", _("At risk")
    BREACHED = "breached", _("Breached")
    NO_DATA = "no_data", _("No data")


class PeriodKind(models.TextChoices):
    MONTH = "month", _("Calendar month")
    SLA_PERIOD = "sla_period", _("SLA period")


class CalendarExceptionKind(models.TextChoices):
    CLOSED = "closed", _("Closed")
    EXTRA_WORKING = "extra_working", _("Extra working day")


class Priority(models.TextChoices):
    P1 = "P1", _("P1 – critical")
    P2 = "P2", _("P2 – high")
    P3 = "P3", _("P3 – normal")
    P4 = "P4", _("P4 – low")


class AlertLevel(models.TextChoices):
    AT_RISK = "at_risk", _("At risk")
    BREACHED = "breached", _("Breached")


class SamplingLevel(models.TextChoices):
    """ISO 2859-1 style inspection levels: the share of delivered work sampled for review."""

    REDUCED = "reduced", _("Reduced")
    NORMAL = "normal", _("Normal")
    TIGHTENED = "tightened", _("Tightened")


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
