"""Prepared permission-scoped reads (PreparedScopedRead): for every persona, exactly what the selectors'
querysets read, with one statement per access shape whose user id is bound at each call."""

from datetime import date
from decimal import Decimal

import pytest

from engagements.models import TimeEntry
from engagements.selectors import PreparedScopedRead, access_generation, comments_visible_to
from engagements.views import engagement as page
from reports.choices import ReportStatus
from reports.models import ReportVersion

from ..factories import RecommendationReportFactory
from .test_selectors import VISIBLE, persona_user

pytestmark = pytest.mark.django_db

# The engagement page's prepared reads, each with the queryset it stands for.
READS = {
    "events": page._RECENT_EVENTS,
    "comments": page._RECENT_COMMENTS,
    "reviews": page._RECENT_REVIEWS,
    "reports": page._REPORTS,
    "spend": page._SPEND_BY_CURRENCY,
}


@pytest.fixture
def history(conversation, consultant_executive):
    """The conversation (a comment on every engagement and task, a review of every task), effort logged
    on every task, and on each engagement a published report and a draft."""
    world = conversation
    for i, name in enumerate(("task_ap_ready", "task_ap_other", "task_ap_draft", "task_bp", "task_aq")):
        task = getattr(world, name)
        member = task.assignee or world.other_team_member
        TimeEntry.objects.create(
            task=task,
            team_member=member,
            work_date=date(2026, 11, 2 + i),
            hours=Decimal("1.50") + i,
            hourly_rate=Decimal("40.00"),
            currency="EUR" if i % 2 else "INR",
        )
    for engagement in (world.engagement_ap, world.engagement_bp, world.engagement_aq):
        published = RecommendationReportFactory(engagement=engagement, author=consultant_executive)
        ReportVersion.objects.create(
            report=published,
            number=1,
            status=ReportStatus.READY,
            file=f"reports/{published.pk}.pdf",  # only its being ready is read
            content_sha256="0" * 64,
        )
        RecommendationReportFactory(engagement=engagement, author=consultant_executive, title="Draft")
    return world


@pytest.mark.parametrize("persona", [p for p in VISIBLE if p != "anonymous"])
def test_each_prepared_read_reads_what_its_queryset_reads(request, history, persona):
    user = persona_user(request, persona)
    seen = set()
    for engagement in (history.engagement_ap, history.engagement_bp, history.engagement_aq):
        for name, read in READS.items():
            expected = list(read._build(user, engagement_id=engagement.pk))
            assert read(user, engagement_id=engagement.pk) == expected, (name, engagement.title)
            seen.update(
                (name, e.get("body") or e.get("title")) for e in expected if "body" in e or "title" in e
            )
    comments = {body for name, body in seen if name == "comments"}
    assert comments == VISIBLE[persona]["comments"]


def test_people_of_one_shape_share_a_statement_and_each_reads_their_own(
    history, client_staff, other_client_staff
):
    """Two client staff of two clients: one statement, each bound to their own id."""
    read = page._RECENT_COMMENTS
    assert {c["body"] for c in read(client_staff, engagement_id=history.engagement_ap.pk)} >= {"ap"}
    statements = len(read._by_shape)
    assert read(other_client_staff, engagement_id=history.engagement_ap.pk) == []
    assert {c["body"] for c in read(other_client_staff, engagement_id=history.engagement_bp.pk)} == {
        "bp",
        "on:task_bp",
    }
    assert read(client_staff, engagement_id=history.engagement_bp.pk) == []
    assert len(read._by_shape) == statements


def test_a_user_with_engagement_ids_read_with_them_is_scoped_by_that_list(history, client_staff):
    """An API token's user carries their engagement ids: their queryset is built as usual (an id list of
    any length cannot be a prepared statement), and reads the same."""
    read = PreparedScopedRead(
        lambda user, engagement_id: (
            comments_visible_to(user).filter(engagement_id=engagement_id).values("body")
        ),
        engagement_id=int,
    )
    client_staff.kpo_engagement_ids = f"{history.engagement_aq.pk}"  # as if ap were granted after the read
    client_staff.kpo_access_generation = access_generation()
    assert read(client_staff, engagement_id=history.engagement_ap.pk) == []
    assert {c["body"] for c in read(client_staff, engagement_id=history.engagement_aq.pk)} == {
        "aq",
        "on:task_aq",
    }
    assert read._by_shape == {}
