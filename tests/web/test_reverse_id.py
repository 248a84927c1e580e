"""`reverse_id` builds the same URL as `reverse`, under any script prefix, for any id."""

import pytest
from django.urls import get_script_prefix, reverse, set_script_prefix

from kpo.core.urls import reverse_id

NAMES = ["engagements:detail", "engagements:task-detail", "engagements:task-move"]


@pytest.fixture
def script_prefix():
    previous = get_script_prefix()
    yield set_script_prefix
    set_script_prefix(previous)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("pk", [1, 42, 987654321987654321, 10**20])
def test_same_url_as_reverse(name, pk):
    assert reverse_id(name, pk) == reverse(name, args=[pk])


def test_follows_the_script_prefix(script_prefix):
    before = reverse_id("engagements:task-detail", 7)
    script_prefix("/kpo/")
    assert reverse_id("engagements:task-detail", 7) == reverse("engagements:task-detail", args=[7])
    assert reverse_id("engagements:task-detail", 7) == "/kpo" + before


def test_an_id_that_is_not_a_number_is_refused():
    with pytest.raises(ValueError):
        reverse_id("engagements:task-detail", "7/../../admin")
