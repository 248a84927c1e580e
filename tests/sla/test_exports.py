"""The compliance exports (KPI snapshots and task clocks as CSV) and the KPI recompute button."""

import csv
import io
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from engagements.choices import EngagementStatus, TaskStatus
from engagements.services import task_transition
from sla.choices import ClockKind, ClockState, Kpi, KpiStatus, PeriodKind
from sla.exports import CLOCK_HEADER, KPI_HEADER, kpi_snapshot_csv
from sla.kpis import engagement_kpis_compute
from sla.models import KpiSnapshot, TaskClock
from sla.services import task_clocks_recompute
from tests.factories import BusinessCalendarFactory, SLAFactory, SLATargetFactory, make_engagement, make_task

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.sla.kpi_urls")]

PRAGUE = ZoneInfo("Europe/Prague")
HOUR = 3600
AFTER_JUNE = datetime(2026, 7, 2, 12, 0, tzinfo=UTC)
# Session read, user, memberships, the engagement through the permission subquery, the rows, and the
# session refresh (at most every KPO_SESSION_REFRESH_SECONDS: savepoint, update, release): whatever the size.
EXPORT_QUERY_BUDGET = 8


def prague(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=PRAGUE)


def move(task, to, actor, at):
    task_transition(task=task, to=to, actor=actor, version=task.version, at=at)


@pytest.fixture
def engagement(world, operator):
    calendar = BusinessCalendarFactory(name="Prague office", time_zone="Europe/Prague")
    sla = SLAFactory(name="Prague SLA", calendar=calendar, effective_from=date(2026, 1, 1), targets=False)
    SLATargetFactory(sla=sla, priority="P3", response_seconds=2 * HOUR, resolution_seconds=8 * HOUR)
    return make_engagement(
        client=world.client_a,
        provider=world.provider_p,
        title="Prague desk",
        service_line=world.service_line,
        sla=sla,
        status=EngagementStatus.ACTIVE,
        actor=operator,
    )


@pytest.fixture
def history(engagement, world, client_staff, provider_manager):
    """June 2026 in Prague (the 1st is a Monday), with the analyst's task A and someone else's B:

    A  ready Mon 1 09:00, started 09:30, delivered 15:00          both clocks met, in June
    B  ready Mon 1 10:00, started Tue 2 10:00                     response breached; resolution running
    C  ready Wed 1 Apr 09:00, started 09:30, delivered 15:00     April only
    D  ready Fri 29 May 09:00, started 10:00                      response in May; resolution still running
    """
    pm = provider_manager

    def task(title, assignee, ready):
        made = make_task(engagement=engagement, title=title, assignee=assignee, actor=client_staff, at=ready)
        move(made, TaskStatus.READY, client_staff, ready)
        return made

    a = task("Export task A", world.analyst_member, prague(6, 1, 9))
    b = task("=B's formula-looking title", world.other_team_member, prague(6, 1, 10))
    c = task("Export task C", world.other_team_member, prague(4, 1, 9))
    d = task("Export task D", world.other_team_member, prague(5, 29, 9))
    move(c, TaskStatus.IN_PROGRESS, pm, prague(4, 1, 9, 30))
    move(c, TaskStatus.DELIVERED, pm, prague(4, 1, 15))
    move(d, TaskStatus.IN_PROGRESS, pm, prague(5, 29, 10))
    move(a, TaskStatus.IN_PROGRESS, pm, prague(6, 1, 9, 30))
    move(a, TaskStatus.DELIVERED, pm, prague(6, 1, 15))
    move(b, TaskStatus.IN_PROGRESS, pm, prague(6, 2, 10))
    for t in (a, b, c, d):
        task_clocks_recompute(task_id=t.pk, now=prague(6, 30, 12))
    return {"A": a, "B": b, "C": c, "D": d}


def rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.content
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


def kpis_url(engagement, **query) -> str:
    url = reverse("sla:kpis-csv", args=[engagement.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def clocks_url(engagement, period: str | None = "2026-06") -> str:
    url = reverse("sla:clocks-csv", args=[engagement.pk])
    return f"{url}?period={period}" if period is not None else url


# --- the KPI export ------------------------------------------------------------------------------


def test_kpi_export_lists_the_months_asked_for_with_their_working(engagement, history, login, client_staff):
    for month in (date(2026, 5, 1), date(2026, 6, 1), date(2026, 7, 1)):
        engagement_kpis_compute(engagement_id=engagement.pk, period_start=month, now=AFTER_JUNE)
    response = login(client_staff).get(kpis_url(engagement, **{"from": "2026-06", "to": "2026-06"}))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="engagement-{engagement.pk}-kpis-2026-06_2026-06.csv"'
    )
    table = rows(response)
    assert table[0] == list(KPI_HEADER)
    assert [row[4] for row in table[1:]] == list(Kpi.values)  # June only, in KPI order
    # Response: A met, B breached (no KpiTarget: nothing to breach, so the status is met).
    assert table[1] == [
        "Prague desk",
        "month",
        "2026-06-01",
        "2026-07-01",
        "response_compliance",
        "1.0000",
        "2.0000",
        "0.500000",
        "",
        "met",
        "0.00",
        "EUR",
    ]
    accuracy = table[3]
    assert (accuracy[7], accuracy[9]) == ("", KpiStatus.NO_DATA)  # no review: no value, never 100%


def test_kpi_export_without_bounds_lists_everything(engagement, history, login, client_staff):
    for month in (date(2026, 5, 1), date(2026, 6, 1)):
        engagement_kpis_compute(engagement_id=engagement.pk, period_start=month, now=AFTER_JUNE)
    engagement_kpis_compute(
        engagement_id=engagement.pk,
        period_start=date(2026, 4, 1),
        period_kind=PeriodKind.SLA_PERIOD,
        now=AFTER_JUNE,
    )
    response = login(client_staff).get(kpis_url(engagement))
    assert response["Content-Disposition"].endswith(f'filename="engagement-{engagement.pk}-kpis-all.csv"')
    table = rows(response)
    assert [(r[1], r[2]) for r in table[1::5]] == [
        ("sla_period", "2026-04-01"),
        ("month", "2026-05-01"),
        ("month", "2026-06-01"),
    ]
    assert len(table) == 1 + 15


def test_formula_like_text_is_kept_as_text():
    snapshot = KpiSnapshot(
        engagement=make_engagement(title="=cmd|' /C calc'!A0"),
        kpi=Kpi.ACCURACY,
        period_kind=PeriodKind.MONTH,
        period_start=date(2026, 6, 1),
        period_end=date(2026, 7, 1),
        status=KpiStatus.NO_DATA,
        currency="EUR",
    )
    line = list(kpi_snapshot_csv([snapshot]))[1]
    assert line.startswith("'=cmd|' /C calc'!A0,month,2026-06-01,2026-07-01,accuracy,")


# --- the clock export ----------------------------------------------------------------------------


def test_clock_export_lists_the_clocks_of_the_month_in_utc(engagement, history, login, client_staff):
    a, b, d = history["A"], history["B"], history["D"]
    response = login(client_staff).get(clocks_url(engagement))
    assert response["Content-Disposition"] == (
        f'attachment; filename="engagement-{engagement.pk}-clocks-2026-06.csv"'
    )
    table = rows(response)
    assert table[0] == list(CLOCK_HEADER)
    by_row = {(int(r[0]), r[4]): r for r in table[1:]}
    # C is April's; D's response stopped in May; never-started rework clocks are left out.
    assert sorted(by_row) == sorted(
        [
            (a.pk, ClockKind.RESPONSE),
            (a.pk, ClockKind.RESOLUTION),
            (b.pk, ClockKind.RESPONSE),
            (b.pk, ClockKind.RESOLUTION),
            (d.pk, ClockKind.RESOLUTION),
        ]
    )
    assert by_row[(a.pk, ClockKind.RESPONSE)] == [
        str(a.pk),
        "Export task A",
        "P3",
        "Prague SLA",
        "response",
        "met",
        "7200",
        "1800",
        "0",
        "2026-06-01T07:00:00Z",
        "2026-06-01T07:30:00Z",
        "",
    ]
    b_resolution = by_row[(b.pk, ClockKind.RESOLUTION)]
    assert b_resolution[1] == "'=B's formula-looking title"
    # Still open: breached since Tue 2 June 10:00 Prague (8 business hours after Mon 10:00).
    assert b_resolution[5:] == [
        ClockState.BREACHED,
        "28800",
        "28800",  # Mon 10:00 to Tue 10:00 banked when work started; the open segment is not
        "0",
        "2026-06-01T08:00:00Z",
        "",
        "2026-06-02T08:00:00Z",
    ]


def test_clock_export_shows_only_the_tasks_the_user_may_see(engagement, history, login, provider_analyst):
    table = rows(login(provider_analyst).get(clocks_url(engagement)))
    assert {int(r[0]) for r in table[1:]} == {history["A"].pk}  # an analyst sees the tasks assigned to them


def test_clock_export_defaults_to_the_current_month(engagement, history, login, client_staff):
    response = login(client_staff).get(clocks_url(engagement, period=None))
    now = datetime.now(PRAGUE)
    assert response["Content-Disposition"].endswith(f'clocks-{now:%Y-%m}.csv"')
    # B and D are still open, so they show in every month after they started.
    assert {int(r[0]) for r in rows(response)[1:]} == {history["B"].pk, history["D"].pk}


# --- refusals ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        {"from": "2026-13"},
        {"from": "June"},
        {"to": "2026-6"},
        {"from": "2026-00"},
        {"to": "99999-01"},
        {"from": "0001-01"},
        {"from": "2026-07", "to": "2026-06"},
    ],
)
def test_a_bad_month_is_a_400_with_a_plain_message(query, engagement, login, client_staff):
    response = login(client_staff).get(kpis_url(engagement, **query))
    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode() in (
        f"“{next(iter(query))}” must be a month written YYYY-MM, e.g. 2026-10.",
        "“from” must not be after “to”.",
    )


@pytest.mark.parametrize("period", ["2026-13", "last", "2026-1", "%00"])
def test_a_bad_clock_period_is_a_400(period, engagement, login, client_staff):
    response = login(client_staff).get(clocks_url(engagement, period=period))
    assert response.status_code == 400
    assert "YYYY-MM" in response.content.decode()


def test_another_tenants_engagement_is_a_404(engagement, history, login, other_client_staff):
    client = login(other_client_staff)
    assert client.get(kpis_url(engagement)).status_code == 404
    assert client.get(clocks_url(engagement)).status_code == 404
    assert client.post(reverse("sla:kpis-recompute", args=[engagement.pk])).status_code == 404


def test_an_anonymous_user_is_sent_to_login(engagement, client):
    response = client.get(kpis_url(engagement))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- query counts --------------------------------------------------------------------------------


def _export_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        rows(client.get(url))
    return len(queries.captured_queries)


def test_exports_run_a_constant_number_of_queries(
    engagement, history, login, client_staff, django_assert_max_num_queries
):
    client = login(client_staff)
    engagement_kpis_compute(engagement_id=engagement.pk, period_start=date(2026, 6, 1), now=AFTER_JUNE)
    few = (_export_queries(client, kpis_url(engagement)), _export_queries(client, clocks_url(engagement)))
    for month in range(1, 6):
        engagement_kpis_compute(
            engagement_id=engagement.pk, period_start=date(2026, month, 1), now=AFTER_JUNE
        )
    for i in range(20):
        task = make_task(engagement=engagement, title=f"Grown {i}", actor=client_staff, at=prague(6, 3, 9))
        TaskClock.objects.create(
            task=task,
            kind=ClockKind.RESPONSE,
            state=ClockState.MET,
            priority="P3",
            target_seconds=2 * HOUR,
            elapsed_seconds=HOUR,
            started_at=prague(6, 3, 9),
            stopped_at=prague(6, 3, 10),
        )
    with django_assert_max_num_queries(EXPORT_QUERY_BUDGET):
        assert len(rows(client.get(kpis_url(engagement)))) == 1 + 6 * 5
    with django_assert_max_num_queries(EXPORT_QUERY_BUDGET):
        assert len(rows(client.get(clocks_url(engagement)))) == 1 + 5 + 20
    many = (_export_queries(client, kpis_url(engagement)), _export_queries(client, clocks_url(engagement)))
    assert many == few


# --- recomputing ---------------------------------------------------------------------------------

# POST .../sla/kpis/recompute/ on engagement_ap: 302 back to the page, 403 for those who only see it,
# 404 for those who must not learn it exists.
RECOMPUTE_MATRIX = {
    "client_staff": 403,
    "client_sme": 403,
    "client_admin": 302,
    "other_client_staff": 404,
    "provider_manager": 302,
    "provider_analyst": 403,
    "other_provider_manager": 404,
    "consultant_executive": 302,
    "consultant_analyst": 403,
    "consultant_broker": 404,
    "consultant_recruiter": 404,
    "operator": 302,
}


@pytest.mark.parametrize("persona", sorted(RECOMPUTE_MATRIX))
def test_recompute_permission_matrix(persona, world, personas, login):
    engagement = world.engagement_ap
    response = login(personas[persona]).post(reverse("sla:kpis-recompute", args=[engagement.pk]))
    assert response.status_code == RECOMPUTE_MATRIX[persona]
    if response.status_code == 302:
        assert response["Location"] == engagement.get_absolute_url()


def test_recompute_queues_the_current_month_after_commit(
    world, login, provider_manager, django_capture_on_commit_callbacks
):
    engagement = world.engagement_ap
    client = login(provider_manager)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(reverse("sla:kpis-recompute", args=[engagement.pk]))
    assert response.status_code == 302
    assert callbacks  # the computation ran after commit, not inside the request's transaction
    month = datetime.now(ZoneInfo("Asia/Kolkata")).date().replace(day=1)  # engagement_ap's SLA zone
    snapshots = KpiSnapshot.objects.filter(engagement=engagement, period_kind=PeriodKind.MONTH)
    assert set(snapshots.values_list("period_start", flat=True)) == {month}
    assert snapshots.count() == 5
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        f"The KPIs for {month:%Y-%m} are being recomputed; reload in a moment."
    ]


def test_recompute_writes_nothing_before_commit(world, login, provider_manager):
    login(provider_manager).post(reverse("sla:kpis-recompute", args=[world.engagement_ap.pk]))
    assert not KpiSnapshot.objects.filter(engagement=world.engagement_ap).exists()


def test_recompute_of_an_engagement_without_an_sla_says_why(world, login, provider_manager):
    response = login(provider_manager).post(reverse("sla:kpis-recompute", args=[world.engagement_bp.pk]))
    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "This engagement has no SLA, so it has no KPIs to compute."
    ]
    assert not KpiSnapshot.objects.filter(engagement=world.engagement_bp).exists()


def test_recompute_is_post_only(world, login, provider_manager):
    assert (
        login(provider_manager).get(reverse("sla:kpis-recompute", args=[world.engagement_ap.pk])).status_code
        == 405
    )
