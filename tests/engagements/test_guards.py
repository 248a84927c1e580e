"""Services refuse bad input and outsiders with a readable error, and write nothing."""

import pytest

from engagements.choices import TaskStatus
from engagements.models import Comment, QualityReview
from engagements.services import comment_add, review_submit, task_transition
from kpo.accounts.choices import Role
from kpo.accounts.selectors import user_roles
from kpo.accounts.services import membership_grant
from kpo.core.exceptions import ApplicationError, PermissionDenied

pytestmark = pytest.mark.django_db


@pytest.fixture
def delivered(world, provider_manager):
    task = world.task_ap_ready
    task_transition(task=task, to=TaskStatus.IN_PROGRESS, actor=provider_manager, version=task.version)
    task_transition(task=task, to=TaskStatus.DELIVERED, actor=provider_manager, version=task.version)
    return task


@pytest.mark.parametrize(
    ("score", "defects", "message"),
    [
        ("abc", {}, "must be a number"),
        (150, {}, "between 0 and 100"),
        (90, {"nonsense": 1}, "Unknown defect type"),
        (90, {"formatting": -1}, "whole numbers"),
    ],
)
def test_bad_review_is_refused_and_writes_nothing(delivered, client_sme, score, defects, message):
    with pytest.raises(ApplicationError, match=message):
        review_submit(
            task=delivered,
            reviewer=client_sme,
            accuracy_score=score,
            outcome="rework",
            version=delivered.version,
            defects=defects,
        )
    delivered.refresh_from_db()
    assert delivered.status == TaskStatus.DELIVERED
    assert not QualityReview.objects.exists()


def test_outsider_cannot_comment_on_an_engagement(world, other_client_staff):
    with pytest.raises(PermissionDenied):
        comment_add(engagement=world.engagement_ap, author=other_client_staff, body="Hello")
    assert not Comment.objects.exists()


def test_a_new_membership_is_seen_at_once(world, consultancy, consultant_executive):
    assert Role.CONSULTANT_ANALYST not in user_roles(consultant_executive)
    membership_grant(user=consultant_executive, organisation=consultancy, role=Role.CONSULTANT_ANALYST)
    assert Role.CONSULTANT_ANALYST in user_roles(consultant_executive)
