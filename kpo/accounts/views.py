"""The signed-in user's own pages: the profile (time zone, language) and their API token."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from rest_framework.authtoken.models import Token

from kpo.core.audit import audit_record
from kpo.core.exceptions import ApplicationError
from kpo.core.htmx import is_htmx

from .forms import ProfileForm


def _profile_context(request, form: ProfileForm, **extra) -> dict:
    token = Token.objects.filter(user=request.user).only("created").first()
    return {
        "form": form,
        "zone_choices": ProfileForm.zone_choices(),
        "token": token,
        **extra,
    }


@login_required
def profile(request):
    """GET shows the preferences; POST saves them (a bad zone is a form error, nothing saved)."""
    user = request.user
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            _preferences_save(user=user, **form.cleaned_data)
            translation.activate(user.language)
            messages.success(request, _("Your preferences are saved."))
            response = redirect("profile")
            # The language cookie wins over the profile in the middleware: keep the two in step.
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                user.language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            )
            return response
        return render(request, "accounts/profile.html", _profile_context(request, form), status=400)
    form = ProfileForm(initial={"time_zone": user.time_zone, "language": user.language})
    return render(request, "accounts/profile.html", _profile_context(request, form))


def _preferences_save(*, user, time_zone: str, language: str) -> None:
    """Store the user's zone and language with an audit row (only the fields that changed)."""
    changes = {
        field: {"from": getattr(user, field), "to": value}
        for field, value in (("time_zone", time_zone), ("language", language))
        if getattr(user, field) != value
    }
    if not changes:
        return
    with transaction.atomic():
        user.time_zone, user.language = time_zone, language
        user.save(update_fields=["time_zone", "language"])
        audit_record(actor=user, action="user.preferences_changed", obj=user, changes=changes)


@login_required
@require_POST
def token_rotate_view(request):
    """Create or replace the user's API token and show the new key once (never stored in a message)."""
    from .services import token_rotate

    try:
        token = token_rotate(user=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("profile")
    key = getattr(token, "key", token)
    context = _profile_context(
        request, ProfileForm(initial={"time_zone": request.user.time_zone, "language": request.user.language})
    )
    context["new_key"] = key
    template = "accounts/_token.html" if is_htmx(request) else "accounts/profile.html"
    response = render(request, template, context)
    response["Cache-Control"] = "no-store"
    return response
