"""Layout helpers: which navigation a user's roles call for, which section is current, and the rows that
list pages repeat (tasks, engagements, the activity timeline), written in Python for speed."""

from django import template
from django.template.defaultfilters import date as date_filter
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from engagements.models import QualityReview, Task, TaskEvent
from kpo.accounts.choices import CLIENT_ROLES, CONSULTANT_ROLES, PROVIDER_ROLES, Role
from kpo.accounts.selectors import is_operator, user_organisation, user_roles
from kpo.core.markup import esc
from kpo.core.models import choice_label, choice_labels
from kpo.core.urls import reverse_fixed, reverse_id
from kpo.events.messages import activity_note
from reports.models import RecommendationReport
from sla.models import TaskClock

from .kpo_format import DASH, TimeWriter, health_badge, money_short, number

register = template.Library()


@register.simple_tag
def id_url(name: str, pk) -> str:
    """`{% url name pk %}` for a URL whose one argument is an integer id, without a resolver walk per call
    (kpo.core.urls): for lists of many objects."""
    return reverse_id(name, pk)


@register.simple_tag
def fixed_url(name: str) -> str:
    """`{% url name %}` for a URL without arguments, reversed once per process (kpo.core.urls): the
    header's links, on every page."""
    return reverse_fixed(name)


@register.simple_tag
def nav_for(user) -> dict:
    """What the header offers this user (roles are read once per request and cached on the user)."""
    if not getattr(user, "is_authenticated", False):
        return {}
    roles = user_roles(user)
    operator = is_operator(user)
    provider_only = bool(roles & PROVIDER_ROLES) and not (roles - PROVIDER_ROLES) and not operator
    # A recruiter works the candidate pipeline and is never on an engagement: no tasks, no reports.
    engagement_roles = roles - {Role.CONSULTANT_RECRUITER}
    return {
        "roles": sorted(str(Role(r).label) for r in roles),
        "organisation": user_organisation(user),
        "operator": operator,
        # Reports are written for the client: providers never see them.
        "reports": operator or (bool(engagement_roles) and not provider_only),
        "providers": True,
        "candidates": operator or bool(roles & {Role.CONSULTANT_RECRUITER, Role.PROVIDER_MANAGER}),
        "board": operator or bool(engagement_roles & (CLIENT_ROLES | PROVIDER_ROLES | CONSULTANT_ROLES)),
        "initials": _initials(user),
    }


def _initials(user) -> str:
    name = (getattr(user, "full_name", "") or getattr(user, "email", "") or "?").strip()
    parts = [p for p in name.replace(".", " ").replace("@", " ").split() if p]
    return "".join(p[0] for p in parts[:2]).upper() or "?"


@register.simple_tag(takes_context=True)
def nav_current(context, *names: str) -> str:
    """` aria-current="page"` when the current route is one of `names` ("namespace:" matches a whole
    namespace), nothing otherwise: the link of the section the user is in."""
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    if match is None:
        return ""
    for name in names:
        if (name.endswith(":") and match.namespace == name[:-1]) or name == match.view_name:
            return mark_safe(' aria-current="page"')  # noqa: S308 - a constant
    return ""


_TICKING = ("running", "at_risk")


def main_clock(task):
    """The clock a task row shows, from its clocks as `sla.selectors.attach_row_clocks` reads them: the
    ticking one due soonest, else a breached one, else the rework or resolution clock; None when
    unmeasured. A task list without them fails here, loudly, instead of reading each row's clocks apart."""
    clocks = [c for c in task.row_clocks if c.state != "not_applicable"]
    if not clocks:
        return None
    ticking = [c for c in clocks if c.state in _TICKING and c.due_at is not None]
    if ticking:
        return min(ticking, key=lambda c: c.due_at)
    breached = [c for c in clocks if c.state == "breached"]
    preference = {"rework": 0, "resolution": 1, "response": 2}
    return min(breached or clocks, key=lambda c: preference.get(c.kind, 9))


@register.simple_tag
def meter_value(value, maximum) -> int:
    """A 0-100 share for <meter>/<progress> (no inline style: the CSP forbids it)."""
    try:
        return max(0, min(100, round(100 * float(value or 0) / float(maximum or 1))))
    except (TypeError, ValueError, ZeroDivisionError):
        return 0


@register.filter
def sla_health(engagement) -> str:
    """green / amber / red for an engagement annotated by `engagements.filters.with_health`; "none" when
    it has no SLA in force (nothing to be healthy against)."""
    from engagements.filters import engagement_health

    if getattr(engagement, "sla_id", None) is None:
        return "none"
    return engagement_health(engagement)


NEWLINE = "\n"  # the template's line break, kept in the markup
_ROW_CLASS = {"breached": "row-bad", "at_risk": "row-warn"}

# The rows below are written with f-strings, every value from the database or a translation passed
# through `esc` (what Django's `escape` does, without wrapping each piece as a SafeString): format_html's
# per-argument bookkeeping was a third of their time. Pieces that are already markup (time_html,
# health_badge) go in as they are.


@register.simple_tag
def task_rows(tasks, hide_engagement=False, hide_assignee=False) -> SafeString:
    """The rows of a task table (dashboard/_task_list.html), written in Python as Django's admin writes its
    change-list rows: a template loop costs about 0.3 ms a row in variable lookups, tags and a
    blocktranslate, a page's largest share of its Python time. Same markup, same translations."""
    rows = []
    # Translated once per table, not once per row.
    clock_label, due_word, time_html = _("%(label)s: %(value)s"), esc(_("due")), TimeWriter()
    kinds, states = choice_labels(TaskClock, "kind"), choice_labels(TaskClock, "state")
    priorities, statuses = choice_labels(Task, "priority"), choice_labels(Task, "status")
    for task in tasks:
        clock = main_clock(task)
        if clock is None:
            clock_cell = f'<span class="muted">{DASH}</span>'
        else:
            label = clock_label % {
                "label": kinds.get(clock.kind, clock.kind),
                "value": states.get(clock.state, clock.state),
            }
            clock_cell = f'<span class="clock c-{esc(clock.state)}">{esc(label)}</span>'
            if clock.due_at and clock.state in _TICKING:
                due = time_html(clock.due_at, task.engagement.provider.time_zone)
                clock_cell += f'<span class="cell-sub">{due_word} {due}</span>'
        sub = f"#{task.pk}" if hide_engagement else f"#{task.pk} · {esc(task.engagement.title)}"
        assignee = ""
        if not hide_assignee:
            name = task.assignee.full_name if task.assignee is not None else ""
            assignee = f'<td class="hide-phone">{esc(name or DASH)}</td>'
        priority = esc(task.priority)
        rows.append(
            f'<tr class="{_ROW_CLASS.get(clock.state, "") if clock is not None else ""}">'
            f'<td><a class="cell-title" href="{reverse_id("engagements:task-detail", task.pk)}">'
            f'{esc(task.title)}</a><span class="cell-sub">{sub}</span></td>'
            f'<td><span class="prio prio-{priority}" title="{esc(priorities.get(task.priority, priority))}">'
            f"{priority}</span></td>"
            f'<td><span class="status s-{esc(task.status)}">{esc(statuses.get(task.status, task.status))}</span></td>'
            f"<td>{clock_cell}</td>{assignee}</tr>"
        )
    return mark_safe("\n".join(rows))  # noqa: S308 - every value is escaped above


def _task_link(row: dict) -> str:
    return f'<a href="{reverse_id("engagements:task-detail", row["task_id"])}">{esc(row["task__title"])}</a>'


def person_name(row: dict, relation: str, nobody: str) -> str:
    """A person read as values (`relation__full_name`, `relation__email`) as User.__str__ writes them."""
    return row[f"{relation}__full_name"] or row[f"{relation}__email"] or nobody


def _event_head(event: dict, words: dict) -> str:
    link = _task_link(event)
    if event["kind"] == "status" and not event["from_status"]:
        return f"{words['created']} {link}"
    if event["kind"] == "status":
        status = event["to_status"]
        return (
            f"{words['moved']} {link} {words['to']} "
            f'<span class="status s-{esc(status)}">{esc(choice_label(TaskEvent, "to_status", status))}</span>'
        )
    if event["kind"] == "priority":
        said = _("changed the priority from %(old)s to %(new)s on") % {
            "old": event["from_value"],
            "new": event["to_value"],
        }
        return f"{esc(said)} {link}"
    if event["to_value"]:
        return f"{words['reassigned']} {link} → {esc(event['to_value'])}"
    return f"{words['reassigned']} {link}"


@register.simple_tag
def activity_items(items, zone=None) -> SafeString:
    """The engagement's activity timeline (`engagements.views.engagement._activity`): task events,
    comments and audit entries (read as values) as <li> items, written in Python like `task_rows` (25
    items of nested conditions cost a template several milliseconds)."""
    # Translated once per timeline, not once per item.
    words = {
        "created": esc(_("created")),
        "moved": esc(_("moved")),
        "to": esc(_("to")),
        "reassigned": esc(_("reassigned")),
        "commented": esc(_("commented")),
        "on": esc(_("on")),
    }
    system, someone, time_html = _("System"), _("Someone"), TimeWriter()
    out = []
    for item in items:
        if item["kind"] == "event":
            event = item["event"]
            note = ""
            if event["note"] and event["from_status"]:
                note = f'<p class="quote">{esc(activity_note(event["note"]))}</p>'
            out.append(
                '<li><span class="timeline__icon timeline__icon--status" aria-hidden="true"></span>'
                f'<div class="timeline__head"><strong>{esc(person_name(event, "actor", system))}</strong> '
                f"{_event_head(event, words)} {time_html(event['occurred_at'], zone)}</div>{note}</li>"
            )
        elif item["kind"] == "comment":
            comment = item["comment"]
            about = f" {words['on']} {_task_link(comment)}" if comment["task_id"] else ""
            out.append(
                '<li><span class="timeline__icon timeline__icon--comment" aria-hidden="true"></span>'
                f'<div class="timeline__head"><strong>{esc(person_name(comment, "author", someone))}</strong> '
                f"{words['commented']}{about} {time_html(comment['created_at'], zone)}</div>"
                f'<p class="quote">{esc(comment["body"])}</p></li>'
            )
        else:
            audit = item["audit"]
            out.append(
                '<li><span class="timeline__icon timeline__icon--audit" aria-hidden="true"></span>'
                f'<div class="timeline__head"><strong>{esc(person_name(audit, "actor", system))}</strong> '
                f'<span>{esc(item["label"])}</span> <span class="muted">{esc(audit["object_repr"])}</span> '
                f"{time_html(audit['occurred_at'], zone)}</div></li>"
            )
    return mark_safe("\n".join(out))  # noqa: S308 - every value is escaped above


@register.simple_tag
def review_items(reviews, zone=None) -> SafeString:
    """The detail's quality reviews (rows of `engagements.views.engagement.REVIEW_VALUES`) as <li> items,
    written in Python like `task_rows`."""
    time_html, out, outcomes = TimeWriter(), [], choice_labels(QualityReview, "outcome")
    for review in reviews:
        badge = "badge-ok" if review["outcome"] == "accepted" else "badge-warn"
        score = _("Accuracy %(score)s/100") % {"score": number(review["accuracy_score"], 0)}
        label = esc(outcomes.get(review["outcome"], review["outcome"]))
        reviewer = esc(person_name(review, "reviewer", DASH))
        when = time_html(review["reviewed_at"], zone)
        out.append(
            f'<li><div class="list-row">{_task_link(review)}<span class="badge {badge}">'
            f'<span class="dot" aria-hidden="true"></span>{label}</span></div>{NEWLINE}'
            f'      <span class="cell-sub">{esc(score)} · {reviewer} · {when}</span></li>'
        )
    return mark_safe("".join(out))  # noqa: S308 - every value is escaped above


@register.simple_tag
def report_items(reports) -> SafeString:
    """The detail's reports (rows of `engagements.views.engagement.REPORT_VALUES`) as <li> items, written
    in Python like `task_rows`."""
    time_html, out, statuses = TimeWriter(), [], choice_labels(RecommendationReport, "status")
    for report in reports:
        url, title = reverse_id("reports:detail", report["id"]), esc(report["title"])
        status, label = esc(report["status"]), esc(statuses.get(report["status"], report["status"]))
        author, when = esc(person_name(report, "author", DASH)), time_html(report["updated_at"])
        out.append(
            f'<li><div class="list-row"><a href="{url}">{title}</a><span class="status s-{status}">'
            f'{label}</span></div><span class="cell-sub">{author} · {when}</span></li>'
        )
    return mark_safe("".join(out))  # noqa: S308 - every value is escaped above


_HEALTH_ROW_CLASS = {"red": "row-bad", "amber": "row-warn"}


@register.simple_tag
def engagement_rows(engagements, compact=False) -> SafeString:
    """The rows of the engagement table (engagements/_engagement_table.html), written in Python like
    `task_rows`; `compact` leaves out the service line, dates and budget (the dashboard's card)."""
    rows = []
    # Translated once per table; outside the f-strings, where xgettext cannot see a gettext call.
    poc_title, open_ended = esc(_("Proof of concept")), esc(_("open"))
    for engagement in engagements:
        health = sla_health(engagement)
        poc = ""
        if engagement.is_proof_of_concept:
            poc = f' <span class="tag" title="{poc_title}">PoC</span>'
        awaiting = "0"
        if engagement.awaiting_review_count:
            capped = "+" if engagement.awaiting_review_capped else ""
            awaiting = f"<strong>{esc(number(engagement.awaiting_review_count))}{capped}</strong>"
        service_line = dates = budget = ""
        if not compact:
            service_line = f"<td>{esc(engagement.service_line)}</td>"
            end = (
                esc(date_filter(engagement.end_date, "j M Y"))
                if engagement.end_date
                else f'<span class="muted">{open_ended}</span>'
            )
            dates = f'<td class="nowrap">{esc(date_filter(engagement.start_date, "j M Y"))} – {end}</td>'
            budget = f'<td class="num">{esc(money_short(engagement.budget, engagement.currency))}</td>'
        rows.append(
            f'<tr class="{_HEALTH_ROW_CLASS.get(health, "")}">'
            f'<td><a class="cell-title" href="{reverse_id("engagements:detail", engagement.pk)}">'
            f"{esc(engagement.title)}</a>{poc}"
            f'<span class="cell-sub">{esc(engagement.client)} → {esc(engagement.provider)}</span></td>'
            f'{service_line}<td><span class="status s-{esc(engagement.status)}">'
            f"{esc(engagement.get_status_display())}</span></td><td>{health_badge(health)}</td>"
            f'<td class="num">{esc(number(engagement.open_task_count))}'
            f"{'+' if engagement.open_task_capped else ''}</td>"
            f'<td class="num hide-phone">{awaiting}</td>{dates}{budget}</tr>'
        )
    return mark_safe("\n".join(rows))  # noqa: S308 - every value is escaped above
