from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class EmailAuthenticationForm(AuthenticationForm):
    """Login by email; says plainly when the demo password is switched off."""

    username = forms.EmailField(
        label=_("Email"), widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )

    def clean(self):
        password = self.cleaned_data.get("password")
        if password == settings.KPO_DEMO_PASSWORD and not settings.DEBUG:
            raise forms.ValidationError(
                _("The demo password only works in a development setup (DEBUG on)."),
                code="demo_password_disabled",
            )
        return super().clean()
