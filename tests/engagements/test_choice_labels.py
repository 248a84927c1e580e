"""`get_FOO_display()` answers from a per-language table (kpo.core.models.KpoModel)."""

from django.utils import translation

from engagements.models import Task, TaskEvent


def test_labels_follow_the_active_language_each_call():
    task = Task(status="ready", priority="P1")
    with translation.override("fr"):
        assert task.get_status_display() == "Prête"
    with translation.override("en"):
        assert task.get_status_display() == "Ready"
    with translation.override("fr"):
        assert task.get_status_display() == "Prête"


def test_an_unknown_stored_value_is_shown_as_stored():
    assert Task(status="archived-by-hand").get_status_display() == "archived-by-hand"
    assert TaskEvent(to_status="").get_to_status_display() == ""
