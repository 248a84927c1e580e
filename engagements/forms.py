from django import forms
from django.utils.translation import gettext_lazy as _

from sla.choices import Priority

from .choices import DefectType, ReviewOutcome, TaskStatus

# How many tasks one bulk action may move (each is its own transaction; the page reports each outcome).
BULK_MAX_TASKS = 200


class TaskTransitionForm(forms.Form):
    to = forms.ChoiceField(choices=TaskStatus.choices, label=_("Move to"))
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    note = forms.CharField(
        required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}), label=_("Note")
    )


class CommentForm(forms.Form):
    body = forms.CharField(max_length=5000, widget=forms.Textarea(attrs={"rows": 3}), label=_("Comment"))


class BoardMoveForm(forms.Form):
    """A card's status change: the status asked for and the version the card was drawn from."""

    to = forms.ChoiceField(choices=TaskStatus.choices, label=_("Move to"))
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class BulkMoveForm(forms.Form):
    """Several cards to one status; each selected card sends "task id:version"."""

    to = forms.ChoiceField(choices=TaskStatus.choices, label=_("Move selected to"))
    tasks = forms.CharField(required=False)

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        self.selected_raw = data.getlist("tasks") if data is not None and hasattr(data, "getlist") else []

    def clean(self):
        cleaned = super().clean()
        pairs: dict[int, int] = {}
        for raw in self.selected_raw:
            task_id, _sep, version = str(raw).partition(":")
            if not (task_id.isascii() and task_id.isdigit() and version.isascii() and version.isdigit()):
                raise forms.ValidationError(
                    _("A selected task is malformed; reload the board and try again.")
                )
            pairs[int(task_id)] = int(version)
        if not pairs:
            raise forms.ValidationError(_("Select at least one task."))
        if len(pairs) > BULK_MAX_TASKS:
            raise forms.ValidationError(
                _("Select at most %(max)d tasks at a time (you selected %(count)d).")
                % {"max": BULK_MAX_TASKS, "count": len(pairs)}
            )
        cleaned["selected"] = pairs
        return cleaned


class DeliverableForm(forms.Form):
    """A file or a link for the task's delivery; size and type are judged by `deliverable_add`."""

    file = forms.FileField(required=False, label=_("File"))
    url = forms.URLField(required=False, max_length=200, label=_("or a link"), assume_scheme="https")

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("file") and not cleaned.get("url") and not self.errors:
            raise forms.ValidationError(_("Choose a file or enter a link."))
        if cleaned.get("file") and cleaned.get("url"):
            raise forms.ValidationError(_("Attach either a file or a link, not both."))
        return cleaned


def _defect_field_name(defect_type: str) -> str:
    return f"defect_{defect_type}"


class ReviewForm(forms.Form):
    """The client SME's review of a delivered task: accuracy, findings, defects by type, the outcome."""

    accuracy_score = forms.DecimalField(
        min_value=0, max_value=100, max_digits=5, decimal_places=2, label=_("Accuracy score (0–100)")
    )
    findings = forms.CharField(
        required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3}), label=_("Findings")
    )
    outcome = forms.ChoiceField(
        choices=ReviewOutcome.choices,
        widget=forms.RadioSelect,
        label=_("Outcome"),
        initial=ReviewOutcome.ACCEPTED,
    )
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for value, label in DefectType.choices:
            self.fields[_defect_field_name(value)] = forms.IntegerField(
                min_value=0, max_value=999, required=False, initial=0, label=label
            )

    def defect_fields(self):
        return [self[_defect_field_name(value)] for value in DefectType.values]

    def clean(self):
        cleaned = super().clean()
        defects = {value: cleaned.get(_defect_field_name(value)) or 0 for value in DefectType.values}
        cleaned["defects"] = {kind: count for kind, count in defects.items() if count}
        if cleaned.get("outcome") == ReviewOutcome.REWORK and not (
            cleaned["defects"] or (cleaned.get("findings") or "").strip()
        ):
            self.add_error("findings", _("Say what needs rework: write findings or count the defects."))
        return cleaned


class AssignForm(forms.Form):
    """Assign a team member of the engagement's provider (or nobody)."""

    assignee = forms.ModelChoiceField(
        queryset=None, required=False, label=_("Assignee"), empty_label=_("Unassigned")
    )
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, team_members=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = team_members
        self.fields["assignee"].label_from_instance = lambda member: (
            f"{member.full_name} · {member.get_role_display()}"
        )


class PriorityForm(forms.Form):
    priority = forms.ChoiceField(choices=Priority.choices, label=_("Priority"))
    note = forms.CharField(required=False, max_length=500, label=_("Why (optional)"))
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
