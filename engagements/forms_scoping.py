"""Forms for scoping work: a new engagement, its terms, and a new task. They validate shape; the
services decide who may do it."""

from django import forms
from django.utils.translation import gettext_lazy as _

from providers.models import ServiceLine
from sla.models import SLA

from .models import Engagement, Task


class DateInput(forms.DateInput):
    input_type = "date"


# The models' field names are English; the forms name them through the catalogue.
ENGAGEMENT_LABELS = {
    "client": _("Client"),
    "provider": _("Provider"),
    "title": _("Title"),
    "service_line": _("Service line"),
    "scope": _("Scope"),
    "expected_outcomes": _("Expected outcomes"),
    "start_date": _("Start date"),
    "end_date": _("End date"),
    "budget": _("Budget"),
    "currency": _("Currency"),
    "is_proof_of_concept": _("Proof of concept"),
}
ENGAGEMENT_HELP_TEXTS = {"scope": _("What is in scope, and what is not.")}
TASK_LABELS = {
    "title": _("Title"),
    "specification": _("Specification"),
    "acceptance_criteria": _("Acceptance criteria"),
    "priority": _("Priority"),
    "task_type": _("Task type"),
    "estimated_hours": _("Estimated hours"),
    "contractual_due_at": _("Contractual due at"),
}


class TermsValidationMixin:
    """Field-level messages for the rules the database also enforces (its own message names a constraint)."""

    def clean_budget(self):
        budget = self.cleaned_data.get("budget")
        if budget is not None and budget < 0:
            raise forms.ValidationError(_("The budget cannot be negative."))
        return budget

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The end date cannot be before the start date."))
        return cleaned


class EngagementCreateForm(TermsValidationMixin, forms.ModelForm):
    """A new engagement: the parties, the service line, the scope and the commercial terms."""

    class Meta:
        model = Engagement
        fields = [
            "client",
            "provider",
            "title",
            "service_line",
            "scope",
            "expected_outcomes",
            "start_date",
            "end_date",
            "budget",
            "currency",
            "is_proof_of_concept",
        ]
        widgets = {
            "start_date": DateInput(),
            "end_date": DateInput(),
            "scope": forms.Textarea(attrs={"rows": 5}),
            "expected_outcomes": forms.Textarea(attrs={"rows": 3}),
        }
        labels = ENGAGEMENT_LABELS
        help_texts = ENGAGEMENT_HELP_TEXTS

    def __init__(self, *args, clients, providers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = clients
        self.fields["provider"].queryset = providers
        self.fields["service_line"].queryset = ServiceLine.objects.order_by("name")
        self.fields["currency"].help_text = _("ISO 4217 code, e.g. EUR, USD, INR.")

    def clean_currency(self):
        return self.cleaned_data["currency"].strip().upper()


class EngagementTermsForm(TermsValidationMixin, forms.ModelForm):
    """The terms an executive changes after creation, and the SLA in force."""

    sla = forms.ModelChoiceField(
        queryset=SLA.objects.none(), required=False, label=_("SLA in force"), empty_label=_("No SLA")
    )

    class Meta:
        model = Engagement
        fields = [
            "title",
            "scope",
            "expected_outcomes",
            "start_date",
            "end_date",
            "budget",
            "is_proof_of_concept",
        ]
        widgets = {
            "start_date": DateInput(),
            "end_date": DateInput(),
            "scope": forms.Textarea(attrs={"rows": 5}),
            "expected_outcomes": forms.Textarea(attrs={"rows": 3}),
        }
        labels = ENGAGEMENT_LABELS
        help_texts = ENGAGEMENT_HELP_TEXTS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        engagement = self.instance
        # SLAs shared by every engagement, and those scoped to this one.
        self.fields["sla"].queryset = SLA.objects.filter(engagement__isnull=True) | SLA.objects.filter(
            engagement=engagement
        )
        self.fields["sla"].initial = engagement.sla_id


class TaskCreateForm(forms.ModelForm):
    """A scoped unit of work; released to the provider at once when asked."""

    release_now = forms.BooleanField(
        required=False,
        label=_("Release to the provider now"),
        help_text=_("Released tasks start their SLA clock; drafts stay invisible to the provider."),
    )

    class Meta:
        model = Task
        fields = [
            "title",
            "specification",
            "acceptance_criteria",
            "priority",
            "task_type",
            "estimated_hours",
            "contractual_due_at",
        ]
        widgets = {
            "specification": forms.Textarea(attrs={"rows": 6}),
            "acceptance_criteria": forms.Textarea(attrs={"rows": 4}),
            "contractual_due_at": forms.DateTimeInput(attrs={"type": "datetime-local"}),
        }
        labels = TASK_LABELS
