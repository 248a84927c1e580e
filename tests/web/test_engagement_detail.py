"""The engagement page: everything a party needs about one engagement, scoped to the viewer."""

from datetime import date

import pytest
from django.urls import reverse
from django.utils.html import escape

from engagements.choices import TaskStatus
from engagements.services import comment_add, task_transition
from sla.choices import Kpi
from tests.factories import make_task

pytestmark = pytest.mark.django_db


def _page(client, user, engagement, **params):
    client.force_login(user)
    response = client.get(reverse("engagements:detail", args=[engagement.pk]), params)
    return response


def test_client_staff_sees_scope_terms_targets_chart_spend_and_activity(
    world, client, personas, kpi_month, log_effort
):
    engagement = world.engagement_ap
    kpi_month(engagement, date(2026, 9, 1))
    kpi_month(engagement, date(2026, 10, 1), breached={Kpi.RESOLUTION_COMPLIANCE})
    log_effort(world.task_ap_ready, world.analyst_member, "10", "40.00")
    log_effort(world.task_ap_other, world.other_team_member, "2", "55.00", currency="USD")
    comment_add(engagement=engagement, author=personas["client_staff"], body="Kick-off notes attached")
    body = _page(client, personas["client_staff"], engagement).content.decode()
    assert escape(engagement.scope) in body
    assert "Eve Executive" in body and "Carl Analyst" in body  # consultants
    assert "SLA targets" in body
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="kpo-chart' in body and 'role="img"' in body
    assert "Sep 2026" in body and "Oct 2026" in body
    assert "400.00\u00a0EUR" in body  # 10 h x 40 EUR, priced at the entry's rate
    assert "110.00\u00a0USD" in body  # another currency, shown apart, not converted
    assert "Kick-off notes attached" in body
    assert world.task_ap_ready.title in body
    assert "health-red" in body  # the latest month has a breached KPI


def test_provider_never_sees_client_drafts_on_the_page(world, client, personas):
    body = _page(client, personas["provider_manager"], world.engagement_ap).content.decode()
    assert world.task_ap_ready.title in body
    assert world.task_ap_draft.title not in body


@pytest.mark.parametrize(
    ("persona", "engagement"),
    [
        ("other_client_staff", "engagement_ap"),
        ("other_provider_manager", "engagement_ap"),
        ("provider_manager", "engagement_aq"),
        ("consultant_broker", "engagement_ap"),
    ],
)
def test_another_tenants_engagement_is_a_404(world, client, personas, persona, engagement):
    assert _page(client, personas[persona], getattr(world, engagement)).status_code == 404


def test_tasks_are_paginated_and_htmx_gets_the_task_card_only(world, client, personas):
    for i in range(25):
        make_task(engagement=world.engagement_ap, title=f"Paged task {i:02d}", actor=personas["client_staff"])
    client.force_login(personas["client_staff"])
    url = reverse("engagements:detail", args=[world.engagement_ap.pk])
    first = client.get(url).content.decode()
    assert "Page 1 of 2" in first
    second = client.get(url, {"page": 2}, HTTP_HX_REQUEST="true")
    body = second.content.decode()
    assert body.lstrip().startswith('<section class="card card--flush" id="engagement-tasks"')
    assert "Page 2 of 2" in body and "<html" not in body


def test_activity_lists_task_events_newest_first(world, client, personas):
    task = world.task_ap_ready
    task_transition(
        task=task,
        to=TaskStatus.IN_PROGRESS,
        actor=personas["provider_manager"],
        version=task.version,
        note="Picked up by Arjun",
    )
    body = _page(client, personas["client_staff"], world.engagement_ap).content.decode()
    assert "Picked up by Arjun" in body
    assert body.index("Picked up by Arjun") < body.index("Released")


def test_detail_query_count_is_constant_with_history(
    world, client, personas, kpi_month, log_effort, django_assert_max_num_queries
):
    engagement = world.engagement_ap
    client.force_login(personas["client_staff"])
    url = reverse("engagements:detail", args=[engagement.pk])
    with django_assert_max_num_queries(22) as small:
        assert client.get(url).status_code == 200
    for month in range(1, 10):
        kpi_month(engagement, date(2026, month, 1))
    for i in range(12):
        task = make_task(engagement=engagement, title=f"History {i}", actor=personas["client_staff"])
        task_transition(task=task, to=TaskStatus.READY, actor=personas["client_staff"], version=task.version)
        log_effort(task, world.analyst_member, "1.5", "40.00")
        comment_add(engagement=engagement, author=personas["client_staff"], body=f"Note {i}", task=task)
    with django_assert_max_num_queries(len(small)):
        assert client.get(url).status_code == 200


def test_activity_shows_audit_actions_as_words_not_codes(world, client, personas):
    from kpo.core.audit import audit_record

    audit_record(
        actor=personas["client_staff"],
        action="engagement.consultant_attached",
        obj=world.engagement_ap,
        changes={},
    )
    audit_record(
        actor=personas["client_staff"],
        action="engagement.some_new_thing",
        obj=world.engagement_ap,
        changes={},
    )
    body = _page(client, personas["client_staff"], world.engagement_ap).content.decode()
    assert "attached a consultant" in body
    assert "engagement.consultant_attached" not in body
    # An action without a label still reads as words.
    assert "engagement some new thing" in body
    assert "engagement.some_new_thing" not in body


def test_activity_items_say_who_did_what_to_which_task(world, client, personas):
    from engagements.services import task_assign, task_set_priority

    manager, staff = personas["provider_manager"], personas["client_staff"]
    task = make_task(engagement=world.engagement_ap, title="<b>Clause</b> review", actor=staff)
    task_transition(task=task, to=TaskStatus.READY, actor=staff, version=task.version)
    task_set_priority(task=task, priority="P1", actor=staff, version=task.version)
    task_assign(task=task, assignee=world.analyst_member, actor=manager, version=task.version)
    task_transition(
        task=task, to=TaskStatus.IN_PROGRESS, actor=manager, version=task.version, note="On it <now>"
    )
    comment_add(engagement=world.engagement_ap, author=staff, body="Any <news>?", task=task)
    wide = comment_add(engagement=world.engagement_ap, author=staff, body="Engagement-wide note")
    type(wide).objects.filter(pk=wide.pk).update(author=None)  # its author's account deleted since
    body = _page(client, staff, world.engagement_ap).content.decode()
    timeline = body[
        body.index('<ol class="timeline">') : body.index("</ol>", body.index('<ol class="timeline">'))
    ]
    link = (
        f'<a href="{reverse("engagements:task-detail", args=[task.pk])}">&lt;b&gt;Clause&lt;/b&gt; review</a>'
    )
    assert f"created {link}" in timeline
    assert f'moved {link} to <span class="status s-in_progress">In progress</span>' in timeline
    assert f"to P1 on {link}" in timeline
    assert f"reassigned {link} → " in timeline
    assert "On it &lt;now&gt;" in timeline  # the mover's note, escaped
    assert f"commented on {link}" in timeline and "Any &lt;news&gt;?" in timeline
    assert "<strong>Someone</strong> commented <time" in timeline  # no author, no task
    assert "<b>" not in timeline
    # Newest first: the comments were written last.
    assert timeline.index("Engagement-wide note") < timeline.index("reassigned")
