from functools import lru_cache

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from kpo.core.timezones import sorted_time_zone_names


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


@lru_cache(maxsize=1)
def _zone_choices() -> tuple[tuple[str, str], ...]:
    zones = [z for z in sorted_time_zone_names() if "/" in z and not z.startswith(("Etc/", "SystemV/"))]
    return (("UTC", "UTC"), *((z, z.replace("_", " ")) for z in zones))


class ProfileForm(forms.Form):
    """The viewer's own preferences: the zone times are shown in and the interface language."""

    time_zone = forms.CharField(
        label=_("Time zone"),
        max_length=64,
        help_text=_("An IANA zone such as Europe/Paris or Asia/Kolkata. Every time is shown in it."),
        widget=forms.TextInput(attrs={"list": "time-zones", "autocomplete": "off", "spellcheck": "false"}),
    )
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)

    def clean_time_zone(self) -> str:
        from .models import validate_time_zone

        value = self.cleaned_data["time_zone"].strip()
        validate_time_zone(value)
        return value

    @staticmethod
    def zone_choices() -> tuple[tuple[str, str], ...]:
        return _zone_choices()
