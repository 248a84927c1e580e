"""Report authoring forms: parse and validate input; the services decide."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import FigureKind, RecommendationPriority
from .models import Finding

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MARKDOWN_HELP = _("Markdown: **bold**, *italic*, lists, tables and links. No images or scripts.")


class ReportForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    period_start = forms.DateField(label=_("Period from"), widget=DATE_WIDGET)
    period_end = forms.DateField(label=_("Period to"), widget=DATE_WIDGET)
    executive_summary = forms.CharField(
        label=_("Executive summary"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=MARKDOWN_HELP,
    )
    include_sla_appendix = forms.BooleanField(
        label=_("SLA KPI tables and charts"), required=False, initial=True
    )
    include_volume_appendix = forms.BooleanField(
        label=_("Task volumes and turnaround"), required=False, initial=True
    )
    include_quality_appendix = forms.BooleanField(
        label=_("Quality review results"), required=False, initial=True
    )
    include_cost_appendix = forms.BooleanField(
        label=_("Spend, budget and savings"), required=False, initial=True
    )
    fx_rate = forms.DecimalField(
        label=_("Exchange rate for effort priced in another currency"),
        required=False,
        min_value=Decimal("0.000001"),
        max_digits=12,
        decimal_places=6,
        help_text=_("E.g. 0.79 to convert USD rate-card effort into a GBP engagement's currency."),
    )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("period_start"), cleaned.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", _("The period must end on or after its start."))
        return cleaned


class ReportCreateForm(ReportForm):
    engagement = forms.ModelChoiceField(label=_("Engagement"), queryset=None, empty_label=None)
    field_order = ["engagement", "title", "period_start", "period_end"]

    def __init__(self, *args, engagements, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["engagement"].queryset = engagements
        self.fields["engagement"].label_from_instance = lambda e: f"{e.client.name} · {e.title}"


class FindingForm(forms.Form):
    title = forms.CharField(label=_("Finding"), max_length=200)
    evidence = forms.CharField(
        label=_("Evidence"), widget=forms.Textarea(attrs={"rows": 6}), help_text=MARKDOWN_HELP
    )
    figure_kind = forms.ChoiceField(
        label=_("Figure from the engagement's data"),
        required=False,
        choices=[("", _("No figure")), *FigureKind.choices],
    )


class RecommendationForm(forms.Form):
    action = forms.CharField(label=_("Recommended action"), max_length=300)
    rationale = forms.CharField(
        label=_("Rationale: how it was reached"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=MARKDOWN_HELP,
    )
    priority = forms.ChoiceField(
        label=_("Priority"), choices=RecommendationPriority.choices, initial="medium"
    )
    expected_impact = forms.CharField(label=_("Expected impact"), max_length=300, required=False)
    owner = forms.CharField(label=_("Owner"), max_length=150, required=False)
    due_date = forms.DateField(label=_("Due"), required=False, widget=DATE_WIDGET)
    supporting_findings = forms.ModelMultipleChoiceField(
        label=_("Supported by findings"),
        queryset=Finding.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, report, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supporting_findings"].queryset = report.findings.order_by("position", "id")


class BrandingForm(forms.Form):
    accent_colour = forms.RegexField(
        label=_("Accent colour"),
        regex=r"^#[0-9a-fA-F]{6}$",
        widget=forms.TextInput(attrs={"type": "color"}),
        error_messages={"invalid": _("Use a colour like #0b3d6b.")},
    )
    prepared_by = forms.CharField(label=_("Prepared by (your firm)"), max_length=150, required=False)
    confidentiality = forms.CharField(label=_("Confidentiality line"), max_length=200, required=False)
