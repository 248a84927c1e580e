"""Every write to engagements and their tasks (one module per concern, re-exported here)."""

from .deliverable import deliverable_add
from .engagement import (
    CONSULTANT_LINK_BY_ROLE,
    ENGAGEMENT_TERMS,
    engagement_attach_consultant,
    engagement_create,
    engagement_detach_consultant,
    engagement_roles_may_change_terms,
    engagement_set_status,
    engagement_update_terms,
)
from .task import (
    FUTURE_TOLERANCE,
    task_assign,
    task_create,
    task_set_priority,
    task_transition,
    task_transition_allowed_roles,
    task_transitions_available,
)
from .work import comment_add, review_submit, time_entry_log

__all__ = [
    "CONSULTANT_LINK_BY_ROLE",
    "ENGAGEMENT_TERMS",
    "FUTURE_TOLERANCE",
    "comment_add",
    "deliverable_add",
    "engagement_attach_consultant",
    "engagement_create",
    "engagement_detach_consultant",
    "engagement_roles_may_change_terms",
    "engagement_set_status",
    "engagement_update_terms",
    "review_submit",
    "task_assign",
    "task_create",
    "task_set_priority",
    "task_transition",
    "task_transition_allowed_roles",
    "task_transitions_available",
    "time_entry_log",
]
