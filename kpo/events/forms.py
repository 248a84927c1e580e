"""Forms of the webhook pages: they check shape; the services decide (URL safety, duplicates, roles)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import WEBHOOK_EVENT_CHOICES


class WebhookSubscriptionForm(forms.Form):
    url = forms.URLField(
        label=_("Payload URL"),
        max_length=500,
        assume_scheme="https",
        help_text=_("We POST each event here as JSON, signed with the subscription's secret."),
    )
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    event_types = forms.MultipleChoiceField(
        label=_("Events"),
        choices=WEBHOOK_EVENT_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave all unticked to receive every event."),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
