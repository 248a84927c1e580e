"""Forms of the recruiting and matching pages: they check shape; the services and matching decide."""

import re
from datetime import time
from decimal import Decimal
from functools import lru_cache

from django import forms
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from kpo.core.timezones import sorted_time_zone_names, time_zone_names

from .choices import CandidateSource, CandidateStage, CertificationStandard, StaffRole
from .models import Candidate, Provider, ServiceLine

_COUNTRY = re.compile(r"^[A-Z]{2}$")


def _max_length(name: str) -> int:
    return Candidate._meta.get_field(name).max_length


class CandidateForm(forms.Form):
    """A candidate's details; `with_provider=False` for editing (the provider is fixed once added)."""

    full_name = forms.CharField(label=_("Full name"), max_length=_max_length("full_name"))
    provider = forms.ModelChoiceField(
        label=_("Recruited for"),
        queryset=Provider.objects.none(),
        empty_label=_("Choose a provider"),
        help_text=_("The provider whose team the candidate may join."),
    )
    source = forms.ChoiceField(label=_("Source"), choices=CandidateSource.choices)
    email = forms.EmailField(label=_("E-mail"), required=False, max_length=_max_length("email"))
    phone = forms.CharField(label=_("Phone"), required=False, max_length=_max_length("phone"))
    skills = forms.CharField(
        label=_("Skills"),
        required=False,
        max_length=_max_length("skills"),
        help_text=_("Comma-separated, e.g. legal research, Excel."),
    )
    education = forms.CharField(label=_("Education"), required=False, max_length=_max_length("education"))
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    resume = forms.FileField(
        label=_("Resume"),
        required=False,
        help_text=_("PDF, Word (DOCX) or plain text."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.docx,.txt,application/pdf,text/plain"}),
    )
    remove_resume = forms.BooleanField(label=_("Remove the current resume"), required=False)

    def __init__(self, *args, providers=None, with_provider: bool = True, has_resume: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if with_provider:
            self.fields["provider"].queryset = providers if providers is not None else Provider.objects.none()
            del self.fields["remove_resume"]
        else:
            del self.fields["provider"]
            self.fields["resume"].label = _("Replace the resume") if has_resume else _("Resume")
            self.fields["resume"].widget = forms.FileInput(attrs=self.fields["resume"].widget.attrs)
            if not has_resume:
                del self.fields["remove_resume"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("resume") and cleaned.get("remove_resume"):
            raise forms.ValidationError(_("Upload a new resume or remove the current one, not both."))
        return cleaned


class CandidateFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    stage = forms.ChoiceField(
        label=_("Stage"), required=False, choices=[("", _("Any stage")), *CandidateStage.choices]
    )
    provider = forms.ModelChoiceField(
        label=_("Provider"), required=False, queryset=Provider.objects.none(), empty_label=_("Any provider")
    )
    source = forms.ChoiceField(
        label=_("Source"), required=False, choices=[("", _("Any source")), *CandidateSource.choices]
    )

    def __init__(self, *args, providers=None, **kwargs):
        super().__init__(*args, **kwargs)
        if providers is not None:
            self.fields["provider"].queryset = providers


class CandidateMoveForm(forms.Form):
    stage = forms.ChoiceField(label=_("Move to"), choices=CandidateStage.choices)
    note = forms.CharField(label=_("Note"), required=False, max_length=500)


class CandidateHireForm(forms.Form):
    role = forms.ChoiceField(
        label=_("Role in the team"), choices=StaffRole.choices, initial=StaffRole.ANALYST
    )


class TimeZoneInput(forms.TextInput):
    """A text box suggesting IANA zones from a <datalist> (six hundred <option>s rendered once per
    process, not through a widget template each: a select of them cost more than ranking providers)."""

    def __init__(self, attrs=None):
        super().__init__({"autocomplete": "off", "spellcheck": "false", **(attrs or {})})

    def render(self, name, value, attrs=None, renderer=None):
        attrs = {**(attrs or {}), "list": f"{name}-zones"}
        return super().render(name, value, attrs, renderer) + _zone_datalist(f"{name}-zones")


@lru_cache(maxsize=4)
def _zone_datalist(element_id: str) -> str:
    options = "".join(format_html('<option value="{}">', zone) for zone in sorted_time_zone_names())
    return format_html('<datalist id="{}">{}</datalist>', element_id, mark_safe(options))  # noqa: S308


class NeedForm(forms.Form):
    """A client's need, for ranking the provider directory."""

    service_line = forms.ModelChoiceField(
        label=_("Service line"),
        required=False,
        queryset=ServiceLine.objects.all(),
        empty_label=_("Any service line"),
    )
    certifications = forms.MultipleChoiceField(
        label=_("Required certifications"),
        required=False,
        choices=CertificationStandard.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Each must be held and valid today."),
    )
    languages = forms.CharField(
        label=_("Required languages"),
        required=False,
        max_length=200,
        help_text=_("Comma-separated, e.g. English, French."),
    )
    countries = forms.CharField(
        label=_("Preferred countries"),
        required=False,
        max_length=100,
        help_text=_("Two-letter codes, comma-separated, e.g. IN, PH. A preference, not a requirement."),
    )
    min_capacity = forms.IntegerField(
        label=_("Minimum capacity (people)"), required=False, min_value=1, max_value=1_000_000
    )
    client_time_zone = forms.CharField(
        label=_("Client time zone"),
        required=False,
        max_length=64,
        widget=TimeZoneInput(attrs={"placeholder": "Europe/Paris"}),
        help_text=_("An IANA zone, e.g. Europe/Paris or America/New_York."),
    )
    client_start = forms.TimeField(
        label=_("Client day starts"),
        required=False,
        initial=time(9, 0),
        widget=forms.TimeInput(attrs={"type": "time"}),
    )
    client_end = forms.TimeField(
        label=_("Client day ends"),
        required=False,
        initial=time(17, 0),
        widget=forms.TimeInput(attrs={"type": "time"}),
    )
    min_overlap_hours = forms.DecimalField(
        label=_("Minimum overlap (hours a day)"),
        required=False,
        min_value=Decimal("0"),
        max_value=Decimal("24"),
        decimal_places=1,
        help_text=_("Providers with less shared working time are excluded."),
    )

    def clean_languages(self) -> tuple[str, ...]:
        words = [" ".join(w.split()) for w in self.cleaned_data["languages"].split(",")]
        return tuple(dict.fromkeys(w for w in words if w))

    def clean_client_time_zone(self) -> str:
        zone = self.cleaned_data["client_time_zone"].strip()
        if zone and zone not in time_zone_names():
            raise forms.ValidationError(_("%(zone)s is not a known IANA time zone.") % {"zone": zone})
        return zone

    def clean_countries(self) -> tuple[str, ...]:
        codes = [c.strip().upper() for c in self.cleaned_data["countries"].split(",") if c.strip()]
        wrong = [c for c in codes if not _COUNTRY.match(c)]
        if wrong:
            raise forms.ValidationError(
                _("Use two-letter country codes, e.g. IN; not: %(codes)s.") % {"codes": ", ".join(wrong)}
            )
        return tuple(dict.fromkeys(codes))

    def clean(self):
        cleaned = super().clean()
        start = cleaned.get("client_start") or time(9, 0)
        end = cleaned.get("client_end") or time(17, 0)
        cleaned["client_start"], cleaned["client_end"] = start, end
        if end <= start:
            self.add_error("client_end", _("The client's day must end after it starts."))
        if cleaned.get("min_overlap_hours") is not None and not cleaned.get("client_time_zone"):
            self.add_error("client_time_zone", _("Choose the client's time zone to ask for an overlap."))
        return cleaned
