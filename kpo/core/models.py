"""Shared base models and the audit log. No domain rules live here."""

from functools import lru_cache

from django.conf import settings
from django.db import models
from django.utils.translation import get_language


@lru_cache(maxsize=1024)
def _choice_labels(field, language: str | None) -> dict:
    """{stored value: its label in `language`} for a field with choices (built once per language)."""
    return {value: str(label) for value, label in field.flatchoices}


def choice_labels(model, name: str) -> dict:
    """{stored value: label} of a model field's choices in the active language: for rows read as values,
    or to look the language up once for a whole list instead of once per `get_FOO_display()`."""
    return _choice_labels(model._meta.get_field(name), get_language())


def choice_label(model, name: str, value) -> str:
    """What `instance.get_<name>_display()` says, for a value read without its model (`values()` rows)."""
    return choice_labels(model, name).get(value, value)


class KpoModel(models.Model):
    """The base of the app's models: `get_FOO_display()` answers from a per-language table.

    Django's own builds a dict of every choice for each call, hashing (so translating) every lazy label;
    an engagement page calls it a hundred times, and that was a fifth of its Python time.
    """

    class Meta:
        abstract = True

    def _get_FIELD_display(self, field):
        value = getattr(self, field.attname)
        try:
            return _choice_labels(field, get_language()).get(value, value)
        except TypeError:  # an unhashable stored value (a JSON choice): Django's general path
            return super()._get_FIELD_display(field)


class TimeStampedModel(KpoModel):
    """Adds created_at/updated_at, both aware UTC."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class AuditLog(models.Model):
    """Who changed what and when; written in the same transaction as the change it records."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=200, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    occurred_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id", "-occurred_at"], name="audit_object_idx"),
            models.Index(fields=["-occurred_at"], name="audit_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.action} {self.object_type}#{self.object_id}"
