"""Layout helpers: which navigation a user's roles call for, and which section is current."""

from django import template
from django.utils.safestring import mark_safe

from kpo.accounts.choices import CLIENT_ROLES, CONSULTANT_ROLES, PROVIDER_ROLES, Role
from kpo.accounts.selectors import is_operator, user_organisation, user_roles
from kpo.core.urls import reverse_id

register = template.Library()


@register.simple_tag
def id_url(name: str, pk) -> str:
    """`{% url name pk %}` for a URL whose one argument is an integer id, without a resolver walk per call
    (kpo.core.urls): for lists of many objects."""
    return reverse_id(name, pk)


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


@register.filter
def main_clock(task):
    """The clock a task row shows, from its prefetched clocks (`sla.selectors.with_clocks`): the ticking
    one due soonest, else a breached one, else the rework or resolution clock; None when unmeasured."""
    clocks = [c for c in task.clocks.all() if c.state != "not_applicable"]
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
