"""Template filters that show stored event text in the reader's language."""

from django import template

from ..messages import activity_note

register = template.Library()


@register.filter(name="activity_note")
def activity_note_filter(note: str) -> str:
    """A task event's note: a note the system wrote, translated; a person's note, as typed."""
    return activity_note(note or "")
