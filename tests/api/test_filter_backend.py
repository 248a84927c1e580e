"""The API's filter backend skips django-filter only when no parameter of the filterset is present."""

import pytest
from django.http import QueryDict

from engagements.filters import TaskEventFilter, TaskFilter
from kpo.core.filter_backends import _names_a_filter


@pytest.mark.parametrize(
    ("query", "filterset", "expected"),
    [
        ("page_size=50&cursor=abc&ordering=-id", TaskFilter, False),
        ("", TaskFilter, False),
        ("status=ready", TaskFilter, True),
        ("q=filing", TaskFilter, True),
        ("page_size=50&assignee=3", TaskFilter, True),
        # A suffixed part of a multi-value filter (`<name>_min`, `<name>_after`) still counts as a filter.
        ("status_extra=1", TaskFilter, True),
        ("occurred_after=2026-01-01T00:00:00Z", TaskEventFilter, True),
    ],
)
def test_a_filter_parameter_is_recognised(query, filterset, expected):
    assert _names_a_filter(QueryDict(query), filterset.base_filters) is expected
