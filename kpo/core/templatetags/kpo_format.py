"""Formatting filters shared by pages and PDFs."""

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def hours(seconds) -> str:
    """Business seconds as hours with one decimal, e.g. 27000 -> "7.5"; a dash for none."""
    if seconds is None or seconds == "":
        return "—"
    return number_format(round(int(seconds) / 3600, 1), decimal_pos=1, use_l10n=True)
