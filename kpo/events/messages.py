"""What a notification says, written at display time in the active language.

A notification stores its event type (`verb`) and the facts it is about (`params`: a task's title, a
status code, a KPI code, figures as plain numbers). The words are chosen here, with gettext, when a page,
the API or an email shows it, so each person reads it in their own language whatever language was
active when the event happened. The `title` and `body` columns keep the English text written at
creation: they are what older rows (created before `params` existed) show.

Activity notes that the system writes itself (e.g. "Task created") are stored as their English source
and translated here the same way; notes people type are shown as typed.
"""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils import formats
from django.utils.translation import gettext, gettext_lazy, override

from engagements.choices import TaskStatus
from sla.choices import ClockKind, Kpi

from .choices import EventType

TITLE_MAX = 200


@dataclass(frozen=True)
class NotificationText:
    title: str
    body: str


# What a task status change says to the people it concerns, by the status it moved to.
STATUS_TITLES = {
    TaskStatus.READY: gettext_lazy("New task released: %(title)s"),
    TaskStatus.ON_HOLD: gettext_lazy("Task on hold, waiting on you: %(title)s"),
    TaskStatus.DELIVERED: gettext_lazy("Delivered, awaiting your review: %(title)s"),
    TaskStatus.REWORK_REQUESTED: gettext_lazy("Rework requested: %(title)s"),
    TaskStatus.ACCEPTED: gettext_lazy("Accepted by the client: %(title)s"),
    TaskStatus.CANCELLED: gettext_lazy("Task cancelled: %(title)s"),
}

# Notes the system writes on a task's history: stored in English, shown in the reader's language.
TASK_CREATED_NOTE = "Task created"
RELEASED_ON_CREATION_NOTE = "Released on creation"
SYSTEM_NOTES = {
    TASK_CREATED_NOTE: gettext_lazy("Task created"),
    RELEASED_ON_CREATION_NOTE: gettext_lazy("Released on creation"),
    # Older rows stored this note in the language of the person who created the task.
    "Transmise dès la création": gettext_lazy("Released on creation"),
}


def activity_note(note: str) -> str:
    """A task event's note as the reader should see it: a system note translated, a person's note as typed."""
    label = SYSTEM_NOTES.get(note)
    return str(label) if label is not None else note


def _number(value) -> str:
    """A stored figure ("4.785", "95.0") written the reader's way (4,785 and 95,0 in French); "" stays ""."""
    if value in (None, ""):
        return ""
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    if not number.is_finite():
        return str(value)
    places = max(0, -number.as_tuple().exponent)  # as many decimals as the figure was stored with
    return formats.number_format(number, decimal_pos=places, use_l10n=True)


def _percent(value) -> str:
    """A stored percentage ("91.7") as "91.7%" or "91,7 %"; none reads "n/a"."""
    if value in (None, ""):
        return gettext("n/a")
    return gettext("%(value)s%%") % {"value": _number(value)}


def _choice_label(choices, code) -> str:
    try:
        return str(choices(code).label)
    except ValueError:
        return str(code or "")


def _status_text(params: dict, fallback: NotificationText) -> NotificationText:
    template = STATUS_TITLES.get(params.get("to_status"))
    if template is None:
        return fallback
    return NotificationText(
        title=str(template) % {"title": params.get("task_title", "")},
        body=params.get("note", ""),  # what a person typed: shown as typed
    )


def _sla_text(verb: str, params: dict) -> NotificationText:
    values = {
        "clock": _choice_label(ClockKind, params.get("clock")).lower(),
        "priority": params.get("priority") or "",
        "title": params.get("task_title", ""),
    }
    if verb == EventType.SLA_BREACHED:
        return NotificationText(
            title=gettext("SLA breached (%(clock)s, %(priority)s): %(title)s") % values,
            body=gettext("The %(clock)s budget of this task is used up.") % values,
        )
    return NotificationText(
        title=gettext("SLA at risk (%(clock)s, %(priority)s): %(title)s") % values,
        body=gettext("The %(clock)s clock has used its warning share of the budget; act before it breaches.")
        % values,
    )


def _kpi_text(params: dict) -> NotificationText:
    return NotificationText(
        title=gettext("KPI breached: %(kpi)s for %(period)s")
        % {"kpi": _choice_label(Kpi, params.get("kpi")), "period": params.get("period", "")},
        body=gettext(
            "%(engagement)s: %(value)s against a target of %(target)s (%(numerator)s / %(denominator)s)."
        )
        % {
            "engagement": params.get("engagement_title", ""),
            "value": _percent(params.get("value_percent")),
            "target": _percent(params.get("target_percent")),
            "numerator": _number(params.get("numerator")),
            "denominator": _number(params.get("denominator")),
        },
    )


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _report_text(params: dict) -> NotificationText:
    sha = params.get("content_sha256", "")
    return NotificationText(
        title=gettext("Report ready: %(title)s (version %(n)d)")
        % {"title": params.get("report_title", ""), "n": _int(params.get("version"))},
        body=gettext("%(pages)d pages. Content SHA-256 %(sha)s.")
        % {"pages": _int(params.get("page_count")), "sha": sha[:16] + "…"},
    )


def notification_text(*, verb: str, params: dict | None, title: str = "", body: str = "") -> NotificationText:
    """The title and body of a notification in the active language.

    `title` and `body` are the stored English text: what a row without params (or of a type this
    module does not know) shows.
    """
    fallback = NotificationText(title=title, body=body)
    if not params:
        return fallback
    if verb == EventType.TASK_STATUS_CHANGED:
        text = _status_text(params, fallback)
    elif verb in (EventType.SLA_AT_RISK, EventType.SLA_BREACHED):
        text = _sla_text(verb, params)
    elif verb == EventType.KPI_BREACHED:
        text = _kpi_text(params)
    elif verb == EventType.REPORT_READY:
        text = _report_text(params)
    else:
        return fallback
    return NotificationText(title=text.title[:TITLE_MAX], body=text.body)


def notification_text_in(language: str | None, *, verb: str, params: dict | None) -> NotificationText:
    """The text in a given language (e.g. English for the stored fallback, the recipient's for email)."""
    with override(language or "en"):
        return notification_text(verb=verb, params=params)
