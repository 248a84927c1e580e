"""Formatting helpers: viewer's zone with the provider's on hover, business durations, locale numbers."""

import zoneinfo
from datetime import UTC, datetime
from decimal import Decimal

from django.template import Context, Template
from django.utils import timezone, translation

from kpo.core.templatetags.kpo_format import business_duration, money, number, percent


def _render(source: str, **context) -> str:
    return Template("{% load kpo_format %}" + source).render(Context(context))


def test_money_and_percent_follow_the_language():
    with translation.override("en"):
        assert money(Decimal("1234.5"), "EUR") == "1,234.50\u00a0EUR"
        assert percent(Decimal("0.91666")) == "91.7%"
    with translation.override("fr"):
        assert money(Decimal("1234.5"), "EUR") == "1\u00a0234,50\u00a0EUR"
        # French puts a (non-breaking) space before the sign once the catalogue says so.
        assert percent(Decimal("0.91666")) in ("91,7%", "91,7\u00a0%")
    assert money(None, "EUR") == "—" and percent(None) == "—"


def test_numbers_drop_trailing_zeros_without_exponents():
    with translation.override("en"):
        assert number(Decimal("2.7390")) == "2.739"
        assert number(Decimal("12.0000")) == "12"
        assert number(Decimal("12500")) == "12,500"


def test_business_duration_reads_like_a_person_writes():
    with translation.override("en"):
        assert business_duration(27000) == "7 h 30 min"
        assert business_duration(3600 * 40) == "40 h"
        assert business_duration(45 * 60) == "45 min"
        assert business_duration(-2 * 3600) == "−2 h"
        assert business_duration(None) == "—"


def test_times_are_shown_in_the_viewers_zone_with_the_providers_on_hover():
    instant = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    with translation.override("en"), timezone.override(zoneinfo.ZoneInfo("Europe/Paris")):
        html = _render("{% local_time t 'Asia/Kolkata' %}", t=instant)
    assert 'datetime="2026-03-02T09:00:00+00:00"' in html
    assert "10:00" in html  # Paris, the viewer
    assert "14:30 in Asia/Kolkata" in html  # the provider's local time, in the title
    with translation.override("en"), timezone.override(zoneinfo.ZoneInfo("Asia/Kolkata")):
        html = _render("{% local_time t 'Asia/Kolkata' %}", t=instant)
    assert "provider’s local time" not in html  # same zone: nothing more to say
    assert _render("{% local_time t %}", t=None) == "—"


def test_local_time_writes_what_date_format_would_in_each_language():
    # The tag formats "j M[ Y], H:i" itself (a page prints dozens); it must match Django's output exactly.
    from django.utils.formats import date_format

    from kpo.core.templatetags.kpo_format import _day_month_time

    for language in ("en", "fr"):
        with translation.override(language):
            for month in range(1, 13):
                moment = datetime(2025, month, 3 + month, month + 5, 7 * month % 60, tzinfo=UTC)
                assert _day_month_time(moment, with_year=True) == date_format(moment, "j M Y, H:i")
                assert _day_month_time(moment, with_year=False) == date_format(moment, "j M, H:i")
    with translation.override("fr"), timezone.override(zoneinfo.ZoneInfo("Europe/Paris")):
        long_ago = datetime(2019, 3, 2, 9, 0, tzinfo=UTC)  # another year: the year is written
        expected = date_format(timezone.localtime(long_ago), "j M Y, H:i")
        assert f">{expected}</time>" in _render("{% local_time t %}", t=long_ago)
