"""Fixtures shared by the engagement read tests."""

import pytest

from engagements.services import comment_add

from ..factories import QualityReviewFactory

TASKS = ("task_ap_ready", "task_ap_other", "task_ap_draft", "task_bp", "task_aq")


@pytest.fixture
def conversation(world, client_staff, other_client_staff, operator):
    """A comment on every engagement and on every task, and a review of every task."""
    for key, engagement, author in (
        ("ap", world.engagement_ap, client_staff),
        ("bp", world.engagement_bp, other_client_staff),
        ("aq", world.engagement_aq, client_staff),
    ):
        comment_add(engagement=engagement, author=author, body=key)
    for name in TASKS:
        task = getattr(world, name)
        comment_add(engagement=task.engagement, task=task, author=operator, body=f"on:{name}")
        QualityReviewFactory(task=task, findings=name)
    return world
