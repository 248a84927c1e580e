"""Helpers for the page tests: KPI snapshots, clocks and effort written directly (no engine run)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from engagements.models import TimeEntry
from sla.choices import ClockKind, ClockState, Kpi, KpiStatus, PeriodKind
from sla.models import KpiSnapshot, TaskClock


def _next_month(day: date) -> date:
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


@pytest.fixture
def kpi_month():
    """`kpi_month(engagement, date(2026, 9, 1), breached={Kpi...}, credit=...)` writes the five KPIs of a month."""

    def _write(engagement, month: date, *, breached=(), at_risk=(), credit=Decimal("0")):
        rows = []
        for kpi in Kpi.values:
            status = KpiStatus.MET
            value = Decimal("0.97")
            if kpi in breached:
                status, value = KpiStatus.BREACHED, Decimal("0.8")
            elif kpi in at_risk:
                status, value = KpiStatus.AT_RISK, Decimal("0.9")
            rows.append(
                KpiSnapshot.objects.create(
                    engagement=engagement,
                    sla=engagement.sla,
                    kpi=kpi,
                    period_kind=PeriodKind.MONTH,
                    period_start=month,
                    period_end=_next_month(month),
                    numerator=value * 10,
                    denominator=Decimal(10),
                    value=value,
                    target=Decimal("0.95"),
                    status=status,
                    service_credit=credit if kpi in breached else Decimal("0"),
                    currency=engagement.currency,
                )
            )
        return rows

    return _write


@pytest.fixture
def task_clock():
    def _write(task, *, state=ClockState.RUNNING, kind=ClockKind.RESOLUTION, due_in_hours=4):
        return TaskClock.objects.create(
            task=task,
            kind=kind,
            state=state,
            target_seconds=8 * 3600,
            elapsed_seconds=7 * 3600,
            started_at=timezone.now() - timedelta(hours=9),
            due_at=timezone.now() + timedelta(hours=due_in_hours),
        )

    return _write


@pytest.fixture
def log_effort():
    def _write(task, member, hours: str, rate: str, currency: str = "EUR"):
        return TimeEntry.objects.create(
            task=task,
            team_member=member,
            work_date=date(2026, 10, 5),
            hours=Decimal(hours),
            hourly_rate=Decimal(rate),
            currency=currency,
        )

    return _write
