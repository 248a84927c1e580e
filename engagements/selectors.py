"""Every user-triggered read of engagement data starts here, scoped to what the user may see.

Access is a guardian `view_engagement` object permission on the engagement, granted to the client's
and the provider's organisation groups and to attached consultants, stored in direct-FK permission
tables and filtered by subquery (never by a Python list of ids), written as SQL (see
`_visible_engagement_ids`). Operators see everything.
"""

import functools
from collections.abc import Callable

from django.contrib.auth.models import Permission
from django.db import connection
from django.db.models import Exists, IntegerField, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL

from kpo.accounts.choices import CLIENT_ROLES, PROVIDER_ROLES, Role
from kpo.accounts.models import User
from kpo.accounts.selectors import is_operator, user_organisation, user_roles
from kpo.core.models import AuditLog
from kpo.core.prepared import PreparedRead
from kpo.core.sql import comma_joined

from .choices import ConsultantRole, TaskStatus
from .models import (
    Client,
    Comment,
    Deliverable,
    Engagement,
    EngagementConsultant,
    EngagementGroupObjectPermission,
    EngagementUserObjectPermission,
    QualityReview,
    Task,
    TaskEvent,
    TimeEntry,
)

VIEW_ENGAGEMENT = "view_engagement"
# The statuses a task may have without ever having been released (`draft` leads only to these two).
PRE_RELEASE_STATUSES = (TaskStatus.DRAFT, TaskStatus.CANCELLED)

CONSULTANT_ROLE_BY_LINK = {
    ConsultantRole.EXECUTIVE: Role.CONSULTANT_EXECUTIVE,
    ConsultantRole.ANALYST: Role.CONSULTANT_ANALYST,
    ConsultantRole.BROKER: Role.CONSULTANT_BROKER,
    ConsultantRole.RECRUITER: Role.CONSULTANT_RECRUITER,
}


def _authenticated(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def visible_engagement_ids(user: User) -> QuerySet | RawSQL | list[int]:
    """The engagement ids the user may view, for `__in` filters on other models: a subquery, or the ids
    themselves when the API's token authentication read them with the user (see `granted_ids_sql`)."""
    if not _authenticated(user):
        return Engagement.objects.none().values("pk")
    if is_operator(user):
        return Engagement.objects.values("pk")
    # A page scopes a dozen querysets by this subquery: build it once per user object (a request's user).
    # Only its construction is kept: it is SQL, evaluated by the database afresh in every query using it.
    # A permission written since (same process) makes it rebuild: preloaded ids are then stale.
    generation = _access_generation[0]
    built = getattr(user, "_kpo_visible_engagement_ids", None)
    if built is None or built[0] != generation:
        built = (generation, _visible_engagement_ids(user))
        user._kpo_visible_engagement_ids = built
    return built[1]._chain() if isinstance(built[1], QuerySet) else built[1]


def _visible_engagement_ids(user: User) -> QuerySet | RawSQL | list[int]:
    granted = _preloaded_ids(user)
    if granted is None:
        # Written as SQL: the ORM spelling (two permission subqueries OR-ed, through auth_permission
        # joins) took longer to build and plan than the 50-row task page it scoped took to run.
        granted = RawSQL(_VISIBLE_ENGAGEMENTS_SQL, (user.pk, view_engagement_permission_id()) * 2)  # noqa: S611 (parameters)
    if not _is_only_provider_analyst(user):
        return granted
    # An analyst works on what is assigned to them: only those engagements, not the provider's whole book.
    return Engagement.objects.filter(
        pk__in=granted, id__in=Task.objects.filter(assignee__user=user).values("engagement_id")
    ).values("pk")


def _preloaded_ids(user: User) -> list[int] | None:
    codes = getattr(user, "kpo_engagement_ids", _UNSET)  # getattr: request.user is a lazy proxy
    if codes is _UNSET or getattr(user, "kpo_access_generation", None) != _access_generation[0]:
        return None
    return [int(code) for code in (codes or "").split(",") if code]


# Bumped (in this process) whenever an engagement permission row or a group membership is written: ids
# read before then are no longer trusted (see visible_engagement_ids). Signals: EngagementsConfig.ready.
_access_generation = [0]
_UNSET = object()


def access_generation() -> int:
    return _access_generation[0]


def access_changed(**kwargs) -> None:
    _access_generation[0] += 1


def granted_ids_sql(user_column: str, vendor: str) -> str | None:
    """A SQL expression: the comma-joined ids of the engagements `user_column` may view, with two `%s`
    parameters (view_engagement_permission_id() twice), for reading them in the same statement as the
    user; None for a database without a string aggregate here."""
    joined = comma_joined("v.id", vendor)
    return f"(SELECT {joined} FROM ({_visible_engagements_sql(user_column)}) v)" if joined else None  # noqa: S608


def _visible_engagements_sql(user: str) -> str:
    """The ids of the engagements the user `user` (a `%s` or a column) may view; two more `%s`: the
    view permission's id. The shape the ORM wrote (engagements filtered by two OR-ed IN subqueries) on
    purpose: the planner sees a small base relation to drive index probes into tasks. A UNION of the
    permission rows, flattened into a semi-join, let it walk 400,000 tasks of the board instead."""
    by_user, by_group = EngagementUserObjectPermission._meta, EngagementGroupObjectPermission._meta
    user_groups = User.groups.through._meta.db_table
    return (
        f"SELECT e.id FROM {Engagement._meta.db_table} e WHERE e.id IN ("  # noqa: S608 (table names; values are parameters)
        f"SELECT pu.content_object_id FROM {by_user.db_table} pu WHERE pu.user_id = {user} AND pu.permission_id = %s"
        f") OR e.id IN (SELECT pg.content_object_id FROM {by_group.db_table} pg "
        f"JOIN {user_groups} pug ON pug.group_id = pg.group_id WHERE pug.user_id = {user} AND pg.permission_id = %s)"
    )


_VISIBLE_ENGAGEMENTS_SQL = _visible_engagements_sql("%s")
_permission_ids: dict[str, int] = {}


def view_engagement_permission_id() -> int:
    """The id of the `view_engagement` permission, read once per process: looking it up by name inside
    every scoped query (a join of auth_permission and content types) was most of their planning time.
    Forgotten on `post_migrate` (see EngagementsConfig), which is when Django recreates permissions."""
    if VIEW_ENGAGEMENT not in _permission_ids:
        _permission_ids[VIEW_ENGAGEMENT] = Permission.objects.get(
            codename=VIEW_ENGAGEMENT,
            content_type__app_label=Engagement._meta.app_label,
            content_type__model=Engagement._meta.model_name,
        ).pk
    return _permission_ids[VIEW_ENGAGEMENT]


def forget_permission_ids(**kwargs) -> None:
    _permission_ids.clear()


def engagements_visible_to(user: User) -> QuerySet[Engagement]:
    if not _authenticated(user):
        return Engagement.objects.none()
    if is_operator(user):
        return Engagement.objects.all()
    return Engagement.objects.filter(pk__in=visible_engagement_ids(user))


def engagement_list_for(user: User) -> QuerySet[Engagement]:
    """The engagement list a page shows: with the related rows it prints, in one query."""
    return (
        engagements_visible_to(user)
        .select_related("client", "provider", "service_line", "sla")
        .order_by("status", "-start_date", "title")
    )


def capped_count(queryset: QuerySet, *, cap: int) -> RawSQL:
    """An expression: how many rows the queryset has, counted up to `cap` only (a bounded `LIMIT cap`
    scan, however many rows there are), to annotate another query with or to select."""
    sql, params = queryset.order_by().values("pk")[:cap].query.sql_with_params()
    count = f"(SELECT COUNT(*) FROM ({sql}) capped)"  # noqa: S608 (compiled SQL; values are parameters)
    return RawSQL(count, params, output_field=IntegerField())  # noqa: S611


def capped_counts(querysets: dict[str, QuerySet], *, cap: int) -> dict[str, int]:
    """{name: how many rows the queryset has, counted up to `cap` only}, in one query whatever the number
    of querysets (see `capped_count`)."""
    selects, params = [], []
    for queryset in querysets.values():
        count = capped_count(queryset, cap=cap)
        selects.append(count.sql)
        params += list(count.params)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(selects), params)
        row = cursor.fetchone()
    return dict(zip(querysets, row, strict=True))


def capped_status_counts(
    engagement_ids: list[int], groups: dict[str, list[str]], *, cap: int
) -> dict[int, dict[str, int]]:
    """{engagement id: {group: tasks in one of the group's statuses, counted up to `cap`}} in one query.

    Each count is a correlated `LIMIT cap` scan of the (engagement, status) index, so a page of engagements
    reads at most len(ids) * len(groups) * cap index entries. The ids must already be visible to the viewer
    (a page of `engagements_visible_to`); the counts are of all the engagement's tasks in those statuses.
    """
    if not engagement_ids:
        return {}
    task = Task._meta.db_table
    columns, params = [], []
    for statuses in groups.values():
        marks = ", ".join(["%s"] * len(statuses))
        columns.append(
            # Only table names and placeholders are formatted in; every value is a parameter.
            f"(SELECT COUNT(*) FROM (SELECT 1 FROM {task} t WHERE t.engagement_id = e.id "  # noqa: S608
            f"AND t.status IN ({marks}) LIMIT %s) c)"
        )
        params += [*statuses, cap]
    ids = [int(pk) for pk in engagement_ids]
    sql = (
        f"SELECT e.id, {', '.join(columns)} FROM {Engagement._meta.db_table} e "  # noqa: S608
        f"WHERE e.id IN ({', '.join(['%s'] * len(ids))})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *ids])
        rows = cursor.fetchall()
    return {row[0]: dict(zip(groups, row[1:], strict=True)) for row in rows}


def person(relation: str) -> tuple[str, str]:
    """The value names of a linked person as a feed or side list shows them (kpo_ui.person_name)."""
    return (f"{relation}__full_name", f"{relation}__email")


# An engagement page's side lists, read as plain values (only what they show; a person is a name and an
# email), and prepared: their shape never changes, and building them cost more than the reads.
_CONSULTANT_ROWS = PreparedRead(
    lambda engagement_id: (
        EngagementConsultant.objects.filter(engagement_id=engagement_id)
        .order_by("role", "user__full_name")
        .values("role", *person("user"))
    ),
    engagement_id=int,
)
# As many as the engagement page's activity feed shows (it merges the trail with events and comments).
AUDIT_TRAIL_ITEMS = 25
_AUDIT_TRAIL_ROWS = PreparedRead(
    # The engagement's own audit trail (terms, SLA, consultants, recomputes); task changes are in the
    # tasks' event histories.
    lambda object_id: (
        AuditLog.objects.filter(object_type="engagements.engagement", object_id=object_id)
        .order_by("-occurred_at", "-id")
        .values("action", "object_repr", "occurred_at", *person("actor"))[:AUDIT_TRAIL_ITEMS]
    ),
    object_id=str,
)


def engagement_consultant_rows(engagement: Engagement) -> list[dict]:
    """The consultants attached to an engagement the caller read through `engagements_visible_to`."""
    return _CONSULTANT_ROWS(engagement_id=engagement.pk)


def engagement_audit_rows(engagement: Engagement) -> list[dict]:
    """The latest AUDIT_TRAIL_ITEMS entries of the audit trail of an engagement the caller read through
    `engagements_visible_to`, newest first."""
    return _AUDIT_TRAIL_ROWS(object_id=str(engagement.pk))


def engagement_roles(user: User, engagement: Engagement) -> frozenset[str]:
    """The roles the user holds *on this engagement*: organisation roles where their organisation is
    a party to it, plus consultant roles they are attached with."""
    if not _authenticated(user):
        return frozenset()
    roles = user_roles(user)
    organisation = user_organisation(user)
    result: set[str] = set()
    if organisation is not None:
        if organisation.pk == engagement.client.organisation_id:
            result |= roles & CLIENT_ROLES
        if organisation.pk == engagement.provider.organisation_id:
            result |= roles & PROVIDER_ROLES
    links = EngagementConsultant.objects.filter(engagement=engagement, user=user).values_list(
        "role", flat=True
    )
    result |= {CONSULTANT_ROLE_BY_LINK[link] for link in links}
    return frozenset(result)


def _is_only_provider_analyst(user: User) -> bool:
    roles = user_roles(user)
    return Role.PROVIDER_ANALYST in roles and Role.PROVIDER_MANAGER not in roles and not is_operator(user)


def _is_provider_side_only(user: User) -> bool:
    roles = user_roles(user)
    return bool(roles & PROVIDER_ROLES) and not (roles - PROVIDER_ROLES) and not is_operator(user)


def tasks_visible_to(user: User) -> QuerySet[Task]:
    """Tasks of visible engagements; a provider analyst sees only the tasks assigned to them."""
    if not _authenticated(user):
        return Task.objects.none()
    if is_operator(user):
        return Task.objects.all()
    tasks = Task.objects.filter(engagement_id__in=visible_engagement_ids(user))
    if _is_only_provider_analyst(user):
        tasks = tasks.filter(assignee__user=user)
    if _is_provider_side_only(user):
        # A task is the client's until `ready` releases it to the provider; one cancelled as a draft never was.
        # A draft leaves only to `ready` or `cancelled`, so any other status implies the release: the history
        # is read (an index probe per row) only for drafts and cancelled tasks, not for every row counted.
        tasks = tasks.filter(
            ~Q(status__in=PRE_RELEASE_STATUSES)
            | Exists(TaskEvent.objects.filter(task=OuterRef("pk"), kind="status", to_status=TaskStatus.READY))
        )
    return tasks


class PreparedScopedRead:
    """A `PreparedRead` of a queryset the selectors scope to what `user` may see: one statement per access
    shape (see `_access_shape`), with the user's id bound at each call like any other parameter.

    The queryset is built once per shape, for a stand-in user of that shape with a stand-in id: what the
    scoping spells depends on nothing else of a user. A user whose engagement ids were read with them (an
    API token) is scoped by that list, whose length varies: their queryset is built and run as usual.

        REVIEWS = PreparedScopedRead(
            lambda user, engagement_id: reviews_visible_to(user).filter(task__engagement_id=engagement_id)
            .values("outcome")[:8],
            engagement_id=int,
        )
        REVIEWS(request.user, engagement_id=7)
    """

    def __init__(self, build: Callable[..., QuerySet], **parameters: type):
        self._build = build
        self._parameters = parameters
        self._by_shape: dict[tuple, PreparedRead] = {}

    def __call__(self, user: User, **values) -> list[dict]:
        shape = _access_shape(user)
        if shape is None:
            return list(self._build(user, **values))
        read = self._by_shape.get(shape)
        if read is None:
            build = functools.partial(self._build_for, shape)
            # An operator's scoping reads nothing of theirs: the id may be left out.
            read = PreparedRead(build, optional=("viewer_id",), viewer_id=int, **self._parameters)
            read = self._by_shape.setdefault(shape, read)
        return read(viewer_id=user.pk, **values)

    def _build_for(self, shape: tuple, viewer_id: int, **values) -> QuerySet:
        return self._build(_stand_in(shape, viewer_id), **values)


def _access_shape(user: User) -> tuple | None:
    """All the scoping selectors read of a signed-in user besides their id: whether they are an operator,
    and their roles. None where one statement cannot stand for every such user: signed out, or with the
    engagement ids read with the user (an id list of any length)."""
    if not _authenticated(user) or _preloaded_ids(user) is not None:
        return None
    return (is_operator(user), user_roles(user))


def _stand_in(shape: tuple, pk: int) -> User:
    operator, roles = shape
    user = User(pk=pk, is_active=True, is_staff=operator)
    user._kpo_roles, user._kpo_organisation = roles, None  # as user_roles caches them
    return user


def task_list_for(user: User) -> QuerySet[Task]:
    return tasks_visible_to(user).select_related("engagement", "assignee").order_by("-updated_at", "-id")


def open_tasks_for(user: User) -> QuerySet[Task]:
    return task_list_for(user).exclude(
        status__in=[TaskStatus.ACCEPTED, TaskStatus.CANCELLED, TaskStatus.DRAFT]
    )


def task_events_visible_to(user: User) -> QuerySet[TaskEvent]:
    return TaskEvent.objects.filter(task__in=tasks_visible_to(user).values("pk"))


def deliverables_visible_to(user: User) -> QuerySet[Deliverable]:
    return Deliverable.objects.filter(task__in=tasks_visible_to(user).values("pk"))


def comments_visible_to(user: User) -> QuerySet[Comment]:
    """Engagement-level comments of visible engagements, and task comments of visible tasks.

    A task comment is always on its task's engagement (`comment_add`), so every visible comment is on a
    visible engagement: that filter comes first, and a task comment's task is checked row by row (an
    index probe). Written as `engagement visible and no task, or task visible` (two IN subqueries OR-ed),
    PostgreSQL hashed every visible task, 800,000 of them, to filter one engagement's 30 comments: 180 ms.
    """
    if not _authenticated(user):
        return Comment.objects.none()
    if is_operator(user):
        return Comment.objects.all()
    visible_task = tasks_visible_to(user).filter(pk=OuterRef("task_id"))
    return Comment.objects.filter(engagement_id__in=visible_engagement_ids(user)).filter(
        Q(task__isnull=True) | Exists(visible_task)
    )


def reviews_visible_to(user: User) -> QuerySet[QualityReview]:
    return QualityReview.objects.filter(task__in=tasks_visible_to(user).values("pk"))


def time_entries_visible_to(user: User) -> QuerySet[TimeEntry]:
    return TimeEntry.objects.filter(task__in=tasks_visible_to(user).values("pk"))


def clients_visible_to(user: User) -> QuerySet[Client]:
    """Clients party to a visible engagement, and the user's own client company."""
    if not _authenticated(user):
        return Client.objects.none()
    if is_operator(user):
        return Client.objects.all()
    own = Q(organisation__memberships__user=user)
    return Client.objects.filter(Q(engagements__in=visible_engagement_ids(user)) | own).distinct()


# --- the task board (appended for the board and task pages) -----------------------------------------

# The board's columns, in the order work flows; cancelled tasks are reached through the status filter.
BOARD_STATUSES = (
    TaskStatus.DRAFT,
    TaskStatus.READY,
    TaskStatus.IN_PROGRESS,
    TaskStatus.ON_HOLD,
    TaskStatus.REWORK_REQUESTED,
    TaskStatus.DELIVERED,
    TaskStatus.ACCEPTED,
)
# Closed columns show the latest first; open ones the most urgent priority, then the oldest.
_BOARD_ORDER_OPEN = ("priority", "created_at", "id")
_BOARD_ORDER_CLOSED = ("-updated_at", "-id")


def board_statuses_for(user: User) -> tuple[str, ...]:
    """The status columns a user's board shows: the provider side never sees drafts, so no draft column."""
    if _is_provider_side_only(user):
        return tuple(s for s in BOARD_STATUSES if s != TaskStatus.DRAFT)
    return BOARD_STATUSES


def board_cards(tasks: QuerySet[Task], *, status: str, offset: int = 0, limit: int = 25) -> list[Task]:
    """One page of one board column (tasks already scoped by `tasks_visible_to`), in one query."""
    order = (
        _BOARD_ORDER_CLOSED if status in (TaskStatus.ACCEPTED, TaskStatus.CANCELLED) else _BOARD_ORDER_OPEN
    )
    return list(
        tasks.filter(status=status)
        .select_related("engagement__client", "engagement__provider", "assignee")
        .order_by(*order)[offset : offset + limit]
    )


def board_count(tasks: QuerySet[Task], *, status: str, cap: int) -> int:
    """How many tasks a column holds, counted up to `cap` only (a bounded scan, however big the book)."""
    return tasks.filter(status=status).order_by()[:cap].count()


def board_columns(
    tasks: QuerySet[Task], pages: list[tuple[str, int, int]], *, cap: int
) -> list[tuple[list[Task], int]]:
    """Pages of board columns, each `(status, offset, limit)`, with their counts up to `cap`:
    [(cards, count)] in the same order. Every query is bounded, and their number does not grow with the book.

    Per column, first its keys, at most `cap` of them, from the (engagement, status) index: their number is
    the count. A column holding fewer than `cap` tasks has its page cut from those keys (sorted here exactly
    as the database would); the cards of all such pages are then read by id in one query. A bigger column
    is read in order from the (status, order) index, where the visible tasks are dense enough for the scan
    to stop early. The database alone cannot pick between the two: the engagements a person sees are a
    subquery, so the planner does not know how many of the status's tasks they hold.
    """
    plans = []
    for status, offset, limit in pages:
        closed = status in (TaskStatus.ACCEPTED, TaskStatus.CANCELLED)
        # Ordered by engagement so that the planner reads the (engagement, status) index engagement by
        # engagement (a status-led scan would have to sort); the page order is applied below.
        keys = list(
            tasks.filter(status=status)
            .order_by("engagement_id")
            .values_list("pk", "updated_at" if closed else "priority", "created_at")[:cap]
        )
        if len(keys) >= cap:
            plans.append(
                (status, len(keys), None, board_cards(tasks, status=status, offset=offset, limit=limit))
            )
            continue
        if closed:  # latest first: -updated_at, -id
            keys.sort(key=lambda k: (k[1], k[0]), reverse=True)
        else:  # priority, created_at, id
            keys.sort(key=lambda k: (k[1], k[2], k[0]))
        plans.append((status, len(keys), [k[0] for k in keys[offset : offset + limit]], None))
    wanted = [pk for _status, _count, ids, _cards in plans for pk in ids or ()]
    by_id = {}
    if wanted:
        by_id = {
            t.pk: t
            for t in tasks.filter(pk__in=wanted).select_related(
                "engagement__client", "engagement__provider", "assignee"
            )
        }
    result = []
    for status, count, ids, cards in plans:
        if cards is None:  # a task that moved meanwhile is left out of the column it has left
            cards = [by_id[pk] for pk in ids if pk in by_id and by_id[pk].status == status]
        result.append((cards, count))
    return result


def engagement_roles_by_id(user: User, engagements) -> dict[int, frozenset[str]]:
    """`engagement_roles` for many engagements in one query (the consultant links), for lists of cards.

    Each engagement must have `client` and `provider` loaded (select_related)."""
    engagements = list({e.pk: e for e in engagements}.values())
    if not _authenticated(user) or not engagements:
        return {e.pk: frozenset() for e in engagements}
    roles = user_roles(user)
    organisation = user_organisation(user)
    links: dict[int, set[str]] = {}
    for engagement_id, role in EngagementConsultant.objects.filter(
        user=user, engagement_id__in=[e.pk for e in engagements]
    ).values_list("engagement_id", "role"):
        links.setdefault(engagement_id, set()).add(CONSULTANT_ROLE_BY_LINK[role])
    result = {}
    for engagement in engagements:
        held: set[str] = set(links.get(engagement.pk, ()))
        if organisation is not None:
            if organisation.pk == engagement.client.organisation_id:
                held |= roles & CLIENT_ROLES
            if organisation.pk == engagement.provider.organisation_id:
                held |= roles & PROVIDER_ROLES
        result[engagement.pk] = frozenset(held)
    return result


def task_moves_given_roles(user: User, task: Task, roles: frozenset[str]) -> list[str]:
    """The statuses `user` may move `task` to, given their roles on its engagement: the same rule as
    `services.task.task_transitions_available` (which costs a query per task), without a query."""
    from .choices import ASSIGNEE, TASK_TRANSITIONS

    operator = is_operator(user)
    moves = []
    for to, allowed in TASK_TRANSITIONS.get(task.status, {}).items():
        if (
            operator
            or roles & allowed
            or (
                ASSIGNEE in allowed
                and Role.PROVIDER_ANALYST in roles
                and task.assignee is not None
                and task.assignee.user_id == user.pk
            )
        ):
            moves.append(to)
    return moves
