"""Formatting helpers shared by pages and PDFs: times in the viewer's zone, business-time durations,
money and percentages per locale, and the small badges every page repeats.

Every number goes through Django's locale-aware `number_format`, so the French interface writes
"1 234,50 EUR" where the English one writes "1,234.50 EUR".
"""

import zoneinfo
from datetime import datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from django import template
from django.utils import timezone
from django.utils.dates import MONTHS_3
from django.utils.formats import date_format, number_format
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext as _

register = template.Library()

DASH = "—"


def _zone(name: str | None):
    if not name:
        return None
    try:
        return zoneinfo.ZoneInfo(str(name))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


@register.filter
def hours(seconds) -> str:
    """Business seconds as hours with one decimal, e.g. 27000 -> "7.5"; a dash for none."""
    if seconds is None or seconds == "":
        return DASH
    return number_format(round(int(seconds) / 3600, 1), decimal_pos=1, use_l10n=True)


@register.filter
def business_duration(seconds) -> str:
    """Business seconds as a person reads them: "45 min", "7 h 30 min", "-2 h 15 min" (overdue)."""
    if seconds is None or seconds == "":
        return DASH
    seconds = int(seconds)
    sign = "−" if seconds < 0 else ""
    minutes = abs(seconds) // 60
    h, m = divmod(minutes, 60)
    if h and m:
        text = _("%(hours)s h %(minutes)s min") % {"hours": number_format(h, use_l10n=True), "minutes": m}
    elif h:
        text = _("%(hours)s h") % {"hours": number_format(h, use_l10n=True)}
    else:
        text = _("%(minutes)s min") % {"minutes": m}
    return f"{sign}{text}"


@lru_cache(maxsize=16)
def _short_months(language: str | None) -> tuple[str, ...]:
    """Django's "M" month names (e.g. "Nov", "Nov." in French) in `language`, index 1-12."""
    return ("", *(str(MONTHS_3[month]).title() for month in range(1, 13)))


def _day_month_time(moment: datetime, *, with_year: bool, months: tuple[str, ...] | None = None) -> str:
    """`date_format(moment, "j M[ Y], H:i")` without parsing the format for each of a page's times."""
    month = (months or _short_months(get_language()))[moment.month]
    year = f" {moment.year}" if with_year else ""
    return f"{moment.day} {month}{year}, {moment:%H:%M}"


@register.simple_tag(takes_context=True)
def local_time(context, instant, other_zone=None, fmt=None):
    """<time> in the viewer's zone (the active one); the provider's local time on hover.

    `other_zone` is an IANA name (typically the provider's or the SLA calendar's zone); when it differs
    from the viewer's, the title says e.g. "14:30 in Asia/Kolkata (provider’s local time)".
    """
    # One writer per template render (and active zone and language): a page's list of times shares its
    # lookups, as the rows written in Python do.
    key = (TimeWriter, timezone.get_current_timezone(), get_language())
    writer = context.render_context.get(key)
    if writer is None:
        writer = context.render_context[key] = TimeWriter()
    return writer(instant, other_zone, fmt)


def time_html(instant, other_zone=None, fmt=None):
    """`{% local_time %}` for Python that writes markup (rows rendered in Python, see kpo_ui)."""
    return TimeWriter()(instant, other_zone, fmt)


class TimeWriter:
    """`time_html` for the many times of one list: the viewer's zone, the current year, the month names and
    the translated titles are looked up once per list instead of once per time (a 25-row timeline
    writes 25 times; each lookup goes through the active-language and time-zone context)."""

    def __init__(self):
        self.viewer = timezone.get_current_timezone()
        self.viewer_name = str(getattr(self.viewer, "key", self.viewer))
        self.this_year = timezone.localtime(timezone.now(), self.viewer).year
        self.months = _short_months(get_language())
        self.shown_in = escape(_("Shown in %(viewer)s") % {"viewer": self.viewer_name})
        self.elsewhere = _("%(time)s in %(zone)s (provider’s local time); shown in %(viewer)s")

    def __call__(self, instant, other_zone=None, fmt=None) -> str:
        if not instant:
            return DASH
        if not isinstance(instant, datetime):
            return date_format(instant, "SHORT_DATE_FORMAT", use_l10n=True)
        aware = timezone.is_aware(instant)
        shown = timezone.localtime(instant, self.viewer) if aware else instant
        if fmt is None:
            # "22 Nov, 14:30" this year, "22 Nov 2025, 14:30" otherwise; month names follow the language.
            text = _day_month_time(shown, with_year=shown.year != self.this_year, months=self.months)
        else:
            text = date_format(shown, fmt, use_l10n=True)
        zone = _zone(other_zone) if other_zone else None
        if zone is not None and aware and zone.key != self.viewer_name:
            there = timezone.localtime(instant, zone)
            title = escape(
                self.elsewhere
                % {
                    "time": _day_month_time(there, with_year=True, months=self.months),
                    "zone": zone.key,
                    "viewer": self.viewer_name,
                }
            )
        else:
            title = self.shown_in
        # Written directly (format_html's bookkeeping doubled the cost of a tag pages call dozens of times).
        return mark_safe(f'<time datetime="{instant.isoformat()}" title="{title}">{escape(text)}</time>')  # noqa: S308


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


@register.filter
def money(amount, currency: str = "") -> str:
    """An amount with two decimals, grouped per locale, followed by its ISO currency code."""
    number = _decimal(amount)
    if number is None:
        return DASH
    text = number_format(number, decimal_pos=2, use_l10n=True, force_grouping=True)
    return f"{text}\u00a0{currency}" if currency else text


@register.filter
def money_short(amount, currency: str = "") -> str:
    """An amount rounded to whole units, grouped per locale, with its currency code (for tiles)."""
    number = _decimal(amount)
    if number is None:
        return DASH
    text = number_format(round(number), decimal_pos=0, use_l10n=True, force_grouping=True)
    return f"{text}\u00a0{currency}" if currency else text


@register.filter
def percent(fraction, decimals: int = 1) -> str:
    """A fraction as a percentage per locale: 0.9167 -> "91.7 %" (en: "91.7%")."""
    number = _decimal(fraction)
    if number is None:
        return DASH
    return _("%(value)s%%") % {
        "value": number_format(round(number * 100, int(decimals)), decimal_pos=int(decimals), use_l10n=True)
    }


@register.filter
def number(value, decimals=None) -> str:
    """A number per locale with grouping; `decimals` trims (e.g. 2 -> 12.50)."""
    parsed = _decimal(value)
    if parsed is None:
        return DASH
    if decimals is None:
        # Trailing zeros dropped (2.7390 -> 2.739, 12.0000 -> 12), never an exponent.
        parsed = Decimal(format(parsed.normalize(), "f"))
        return number_format(parsed, use_l10n=True, force_grouping=True)
    return number_format(parsed, decimal_pos=int(decimals), use_l10n=True, force_grouping=True)


HEALTH_LABELS = {
    "green": (pgettext_lazy("SLA health", "On track"), "ok"),
    "amber": (pgettext_lazy("SLA health", "At risk"), "warn"),
    "red": (pgettext_lazy("SLA health", "Breached"), "bad"),
    "none": (pgettext_lazy("SLA health", "No SLA"), "neutral"),
}


@register.simple_tag
def health_badge(health) -> str:
    """The SLA health of an engagement as a badge with words (never colour alone)."""
    key = health if health in HEALTH_LABELS else "none"
    label, tone = HEALTH_LABELS[key]
    return format_html(
        '<span class="badge badge-{} health health-{}"><span class="dot" aria-hidden="true"></span>{}</span>',
        tone,
        key,
        label,
    )
