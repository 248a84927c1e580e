from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import TaskStatus


class TaskTransitionForm(forms.Form):
    to = forms.ChoiceField(choices=TaskStatus.choices, label=_("Move to"))
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    note = forms.CharField(
        required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}), label=_("Note")
    )


class CommentForm(forms.Form):
    body = forms.CharField(max_length=5000, widget=forms.Textarea(attrs={"rows": 3}), label=_("Comment"))
