"""Effort logged for the work a task's history shows: time entries on the days it was in progress."""

import random
from datetime import date, datetime, timedelta
from decimal import Decimal

from engagements.choices import TaskStatus
from engagements.models import Task
from engagements.services import time_entry_log
from kpo.accounts.models import User
from providers.models import TeamMember

from .clock import WorkClock
from .lifecycle import HOUR, Step

S = TaskStatus
MAX_HOURS_PER_DAY = Decimal("11.00")
EFFORT_NOTES = {
    "research": ["Research and drafting", "Source review", "Drafting and citation check"],
    "analysis": ["Data preparation and analysis", "Model build and checks", "Analysis and write-up"],
    "document_review": ["Document review", "Review and issues list", "Review and QC"],
    "data_review": ["Data review and QC", "Coding and reconciliation", "Exception handling"],
    "report": ["Drafting", "Drafting and formatting", "Report preparation"],
}


def working_days(
    clock: WorkClock, played: list[tuple[Step, datetime]], until: datetime
) -> list[tuple[date, float]]:
    """Provider-local dates with the working seconds the task spent in progress on each."""
    seconds: dict[date, float] = {}

    def spread(start: datetime, end: datetime) -> None:
        day, last = clock.local_date(start), clock.local_date(end)
        while day <= last:
            for span_start, span_end in clock.spans(day):
                overlap = (min(end, span_end) - max(start, span_start)).total_seconds()
                if overlap > 0:
                    seconds[day] = seconds.get(day, 0.0) + overlap
            day += timedelta(days=1)

    started = None
    for step, at in played:
        if step.to == S.IN_PROGRESS:
            started = at
        elif started is not None:
            spread(started, at)
            started = None
    if started is not None:
        spread(started, until)
    return sorted(seconds.items())


def effort_log(
    *,
    task: Task,
    rng: random.Random,
    clock: WorkClock,
    played: list[tuple[Step, datetime]],
    assignee: TeamMember | None,
    manager: User,
    until: datetime,
) -> int:
    """Log the assignee's effort through time_entry_log; returns how many entries were written.

    Delivered work costs about its estimate (80-130%, plus a little for rework); work still in progress
    has cost part of the time elapsed. Hours are spread over the days worked, in quarter hours.
    """
    if assignee is None:
        return 0
    days = working_days(clock, played, until)
    available = sum(spent for _day, spent in days)
    if not available:
        return 0
    estimate = float(task.estimated_hours or 4)
    if any(step.to == S.DELIVERED for step, _at in played):
        total = estimate * rng.uniform(0.8, 1.3)
    else:
        total = min(estimate * 0.9, available / HOUR * 0.6)
    if any(step.to == S.REWORK_REQUESTED for step, _at in played):
        total += rng.uniform(1, 3)
    written = 0
    for work_date, spent in days:
        hours = min(Decimal(round(total * spent / available * 4)) / 4, MAX_HOURS_PER_DAY)
        if hours < Decimal("0.25"):
            continue
        time_entry_log(
            task=task,
            team_member=assignee,
            work_date=work_date,
            hours=hours.quantize(Decimal("0.01")),
            actor=manager,
            note=rng.choice(EFFORT_NOTES[task.task_type]),
        )
        written += 1
    return written
