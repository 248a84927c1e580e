"""The SLA compliance page of an engagement: KPI working, clocks to watch, sample, sampling history,
exports and recompute with visible progress."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from engagements.choices import TaskStatus
from engagements.services import task_transition
from sla.choices import ClockState, Kpi, SamplingLevel
from sla.models import ClockRecomputeJob, SampleDraw, SamplingSwitch
from tests.factories import make_task

pytestmark = pytest.mark.django_db


def _url(engagement, name="sla:compliance"):
    return reverse(name, args=[engagement.pk])


def _get(client, user, engagement):
    client.force_login(user)
    return client.get(_url(engagement))


def test_kpi_table_shows_the_working_of_each_month(world, client, personas, kpi_month):
    kpi_month(world.engagement_ap, date(2026, 9, 1))
    kpi_month(world.engagement_ap, date(2026, 10, 1), breached={Kpi.ACCURACY}, credit=Decimal("123.45"))
    body = _get(client, personas["client_staff"], world.engagement_ap).content.decode()
    assert "October 2026" in body and "September 2026" in body
    assert body.index("October 2026") < body.index("September 2026")  # newest first
    assert "Numerator" in body and "Denominator" in body and "Service credit" in body
    assert "123.45\u00a0EUR" in body
    assert "1 KPI breached" in body
    assert "≥ 95%" in body and "≤ 95%" in body  # the rework rate is met below its target
    assert reverse("sla:kpis-csv", args=[world.engagement_ap.pk]) in body
    assert reverse("sla:clocks-csv", args=[world.engagement_ap.pk]) in body


def test_breached_and_at_risk_open_tasks_are_listed_breached_first(world, client, personas, task_clock):
    task_clock(world.task_ap_other, state=ClockState.AT_RISK, due_in_hours=1)
    task_clock(world.task_ap_ready, state=ClockState.BREACHED, due_in_hours=-2)
    body = _get(client, personas["provider_manager"], world.engagement_ap).content.decode()
    section = body[body.index("Breached and at-risk tasks") :]
    assert section.index(world.task_ap_ready.title) < section.index(world.task_ap_other.title)
    assert "7 h" in section and "8 h" in section  # business time used and target


def test_the_sme_sees_the_sample_awaiting_review_and_the_provider_does_not(world, client, personas):
    task = world.task_ap_ready
    provider = personas["provider_manager"]
    task_transition(task=task, to=TaskStatus.IN_PROGRESS, actor=provider, version=task.version)
    task_transition(task=task, to=TaskStatus.DELIVERED, actor=provider, version=task.version)
    SampleDraw.objects.get_or_create(
        task=task,
        defaults={
            "engagement": world.engagement_ap,
            "period_start": date.today().replace(day=1),
            "level": SamplingLevel.NORMAL,
            "rate": Decimal("0.1"),
            "reason": "drawn at 10%",
            "drawn_at": timezone.now(),
        },
    )
    sme_body = _get(client, personas["client_sme"], world.engagement_ap).content.decode()
    sample = sme_body[sme_body.index("Sample awaiting review") :]
    assert task.title in sample
    provider_body = _get(client, provider, world.engagement_ap).content.decode()
    sample = provider_body[provider_body.index("Sample awaiting review") :]
    assert task.title not in sample.split("</section>")[0]


def test_sampling_switch_history_is_shown(world, client, personas):
    SamplingSwitch.objects.create(
        engagement=world.engagement_ap,
        from_level=SamplingLevel.NORMAL,
        to_level=SamplingLevel.TIGHTENED,
        reason="2 of the last 5 reviews requested rework",
        switched_at=timezone.now() - timedelta(days=3),
    )
    body = _get(client, personas["client_staff"], world.engagement_ap).content.decode()
    assert "Level changes" in body and "2 of the last 5 reviews requested rework" in body


@pytest.mark.parametrize(
    ("persona", "engagement"),
    [
        ("other_client_staff", "engagement_ap"),
        ("other_provider_manager", "engagement_ap"),
        ("provider_manager", "engagement_aq"),
        ("consultant_broker", "engagement_ap"),
    ],
)
def test_another_tenants_compliance_page_and_job_are_404(world, client, personas, persona, engagement):
    engagement = getattr(world, engagement)
    client.force_login(personas[persona])
    assert client.get(_url(engagement)).status_code == 404
    assert client.get(_url(engagement, "sla:clock-job")).status_code == 404
    assert client.post(_url(engagement, "sla:clocks-recompute")).status_code == 404
    assert not ClockRecomputeJob.objects.exists()


def test_recompute_buttons_only_for_those_who_may(world, client, personas):
    body = _get(client, personas["provider_manager"], world.engagement_ap).content.decode()
    assert reverse("sla:clocks-recompute", args=[world.engagement_ap.pk]) in body
    body = _get(client, personas["client_staff"], world.engagement_ap).content.decode()
    assert reverse("sla:clocks-recompute", args=[world.engagement_ap.pk]) not in body
    response = client.post(_url(world.engagement_ap, "sla:clocks-recompute"))
    assert response.status_code == 403
    assert not ClockRecomputeJob.objects.exists()


def test_clock_recompute_queues_one_job_and_shows_its_progress(world, client, personas):
    client.force_login(personas["provider_manager"])
    url = _url(world.engagement_ap, "sla:clocks-recompute")
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == _url(world.engagement_ap)
    job = ClockRecomputeJob.objects.get(engagement=world.engagement_ap)
    assert job.requested_by == personas["provider_manager"]
    # A second click while it is queued does not queue another.
    again = client.post(url)
    assert ClockRecomputeJob.objects.count() == 1
    assert "already under way" in [str(m) for m in get_messages(again.wsgi_request)][-1]
    # The progress fragment polls while the job runs and stops once it is done.
    ClockRecomputeJob.objects.filter(pk=job.pk).update(status="running", total=40, done=10)
    fragment = client.get(_url(world.engagement_ap, "sla:clock-job")).content.decode()
    assert "10 / 40" in fragment and "(25%)" in fragment and 'hx-trigger="every 2s"' in fragment
    ClockRecomputeJob.objects.filter(pk=job.pk).update(status="done", done=40, finished_at=timezone.now())
    fragment = client.get(_url(world.engagement_ap, "sla:clock-job")).content.decode()
    assert "40 / 40" in fragment and "hx-trigger" not in fragment


def test_htmx_recompute_answers_with_a_client_redirect(world, client, personas):
    client.force_login(personas["provider_manager"])
    response = client.post(_url(world.engagement_ap, "sla:clocks-recompute"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response["HX-Redirect"] == _url(world.engagement_ap)


def test_kpi_recompute_from_the_page_comes_back_to_it(world, client, personas):
    client.force_login(personas["provider_manager"])
    response = client.post(_url(world.engagement_ap, "sla:kpis-recompute"), {"next": "compliance"})
    assert response["Location"] == _url(world.engagement_ap)


def test_compliance_query_count_is_constant(
    world, client, personas, kpi_month, task_clock, django_assert_max_num_queries
):
    client.force_login(personas["client_sme"])
    with django_assert_max_num_queries(20) as small:
        assert client.get(_url(world.engagement_ap)).status_code == 200
    for month in range(1, 11):
        kpi_month(world.engagement_ap, date(2025, month, 1), breached={Kpi.ACCURACY})
    for i in range(10):
        task = make_task(engagement=world.engagement_ap, title=f"Clock {i}", actor=personas["client_staff"])
        task_transition(task=task, to=TaskStatus.READY, actor=personas["client_staff"], version=task.version)
        task_clock(task, state=ClockState.BREACHED if i % 2 else ClockState.AT_RISK)
    with django_assert_max_num_queries(len(small)):
        assert client.get(_url(world.engagement_ap)).status_code == 200
