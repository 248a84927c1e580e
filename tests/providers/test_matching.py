"""providers.matching: hard requirements exclude with reasons, preferences rank; the page and its rows."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from providers.choices import CertificationStandard
from providers.matching import (
    CertificationRow,
    DeliveryRecord,
    Need,
    ProviderRow,
    overlap_minutes,
    rank,
    weekly_overlap_per_day,
)
from providers.models import ProviderSite
from providers.selectors import provider_match_rows
from tests.factories import CertificationFactory, ProviderFactory, ServiceLineFactory

TODAY = date(2025, 6, 11)  # a Wednesday, summer time in Europe
ISO = (CertificationStandard.ISO_27001.value, "ISO/IEC 27001")
SOC2 = (CertificationStandard.SOC_2.value, "SOC 2 Type II")
WEEK = tuple((d, 9 * 60, 17 * 60) for d in range(5))


def cert(standard, *, issued=date(2024, 1, 1), expires=date(2027, 1, 1)):
    return CertificationRow(standard[0], standard[1], issued, expires)


def provider(pk, name, **fields):
    fields.setdefault("country", "IN")
    fields.setdefault("time_zone", "Asia/Kolkata")
    fields.setdefault("headcount", 100)
    fields.setdefault("languages", ("English", "Hindi"))
    fields.setdefault("service_line_ids", frozenset({1}))
    fields.setdefault("calendar_time_zone", fields["time_zone"])
    fields.setdefault("week", WEEK)
    return ProviderRow(id=pk, name=name, **fields)


def need(**fields):
    fields.setdefault("on", TODAY)
    return Need(**fields)


def test_an_expired_certification_excludes_with_its_date():
    rows = [
        provider(1, "Valid", certifications=(cert(ISO),)),
        provider(2, "Lapsed", certifications=(cert(ISO, expires=date(2025, 3, 1)),)),
        provider(3, "Never"),
    ]
    ranking = rank(rows, need(certifications=(ISO,)))
    assert [m.provider.name for m in ranking.matches] == ["Valid"]
    reasons = {m.provider.name: [r.text for r in m.missed] for m in ranking.excluded}
    assert reasons["Lapsed"] == ["certification ISO/IEC 27001 expired on 2025-03-01"]
    assert reasons["Never"] == ["no ISO/IEC 27001 certification"]


def test_a_certification_expiring_on_the_day_no_longer_counts_and_soon_is_a_warning():
    rows = [
        provider(1, "Ends today", certifications=(cert(ISO, expires=TODAY),)),
        provider(2, "Ends soon", certifications=(cert(ISO, expires=TODAY + timedelta(days=30)),)),
        provider(3, "Ends later", certifications=(cert(ISO),)),
    ]
    ranking = rank(rows, need(certifications=(ISO,)))
    assert [m.provider.name for m in ranking.excluded] == ["Ends today"]
    soon = next(m for m in ranking.matches if m.provider.name == "Ends soon")
    assert any(r.kind == "warning" and "expires in 30 days" in r.text for r in soon.reasons)
    # The same provider otherwise, the warning costs points.
    assert [m.provider.name for m in ranking.matches] == ["Ends later", "Ends soon"]


def test_every_hard_requirement_is_explained():
    rows = [provider(1, "Small", headcount=10, languages=("English",), service_line_ids=frozenset({2}))]
    ranking = rank(
        rows,
        need(
            service_line_id=1,
            service_line_name="Legal research",
            languages=("English", "French"),
            min_capacity=50,
            certifications=(SOC2,),
        ),
    )
    assert ranking.matches == []
    missed = [r.text for r in ranking.excluded[0].missed]
    assert missed == [
        "does not offer Legal research",
        "no SOC 2 Type II certification",
        "does not list French",
        "capacity 10 people, fewer than the 50 needed",
    ]


def test_languages_match_whatever_the_case():
    ranking = rank([provider(1, "P", languages=("english", " Hindi"))], need(languages=("English", "HINDI")))
    assert len(ranking.matches) == 1


def test_preferences_rank_and_reasons_say_why():
    rows = [
        provider(1, "Abroad", country="PH", time_zone="Asia/Manila", calendar_time_zone="Asia/Manila"),
        provider(2, "Home", country="IE", time_zone="Europe/Dublin", calendar_time_zone="Europe/Dublin"),
        provider(3, "Site", country="IN", site_countries=frozenset({"IE"})),
    ]
    ranking = rank(rows, need(countries=("IE",), client_time_zone="Europe/Dublin"))
    assert [m.provider.name for m in ranking.matches] == ["Home", "Site", "Abroad"]
    home = ranking.matches[0]
    assert home.overlap_minutes == 8 * 60
    texts = [r.text for r in home.reasons]
    assert "based in IE" in texts
    assert "8 h overlap per working day with Europe/Dublin 09:00–17:00" in texts
    assert any("has a site in IE" in r.text for r in ranking.matches[1].reasons)


def test_minimum_overlap_excludes():
    rows = [
        provider(1, "Manila", time_zone="Asia/Manila", calendar_time_zone="Asia/Manila"),
        provider(2, "Kolkata"),
    ]
    # Paris summer (UTC+2) 09-17 = 07-15 UTC; Manila (UTC+8) 09-17 = 01-09 UTC: 2 h; Kolkata 03:30-11:30 UTC: 4.5 h.
    ranking = rank(rows, need(client_time_zone="Europe/Paris", min_overlap_hours=Decimal("3")))
    assert [m.provider.name for m in ranking.matches] == ["Kolkata"]
    assert ranking.matches[0].overlap_minutes == 4.5 * 60
    assert "2 h overlap" in ranking.excluded[0].missed[0].text
    assert "(at least 3 h needed)" in ranking.excluded[0].missed[0].text


def test_overlap_follows_daylight_saving_of_the_week():
    kolkata = provider(1, "Kolkata")
    summer = weekly_overlap_per_day(kolkata, need(client_time_zone="Europe/Paris", on=date(2025, 6, 11)))
    winter = weekly_overlap_per_day(kolkata, need(client_time_zone="Europe/Paris", on=date(2025, 1, 15)))
    assert (summer, winter) == (4.5 * 60, 3.5 * 60)


def test_overlap_crosses_midnight_between_days():
    """Los Angeles Monday-Friday 09:00-18:00 (UTC-7 in June) is Tuesday-Saturday 01:00-10:00 in Tokyo:
    Tokyo's Tuesday to Friday mornings 09:00-10:00 overlap the client's Monday to Thursday evenings;
    the client's Friday falls on Tokyo's Saturday."""
    tokyo = provider(1, "Tokyo", time_zone="Asia/Tokyo", calendar_time_zone="Asia/Tokyo")
    minutes = weekly_overlap_per_day(
        tokyo, need(client_time_zone="America/Los_Angeles", client_end_minute=18 * 60)
    )
    assert minutes == 4 * 60 / 5


def test_a_provider_without_calendar_is_assumed_to_work_nine_to_five():
    bare = provider(1, "Bare", calendar_time_zone="", week=())
    ranking = rank([bare], need(client_time_zone="Asia/Kolkata"))
    match = ranking.matches[0]
    assert match.overlap_minutes == 8 * 60
    assert any("no calendar" in r.text for r in match.reasons)


def test_a_calendar_without_hours_has_no_overlap():
    closed = provider(1, "Closed", week=())
    assert rank([closed], need(client_time_zone="Asia/Kolkata")).matches[0].overlap_minutes == 0


def test_delivery_record_raises_the_score():
    good = provider(1, "Good", delivery=DeliveryRecord(9, 10, Decimal("190"), 2, 0, 10))
    poor = provider(2, "Poor", delivery=DeliveryRecord(2, 10, Decimal("120"), 2, 5, 10))
    unknown = provider(3, "Unknown")
    ranking = rank([poor, unknown, good], need())
    assert [m.provider.name for m in ranking.matches] == ["Good", "Unknown", "Poor"]
    texts = [r.text for r in ranking.matches[0].reasons]
    assert "on time 90% (9 of 10 tasks)" in texts and "accuracy 95.0 over 2 reviews" in texts


def test_overlap_minutes_of_span_lists():
    assert overlap_minutes([(0, 10), (20, 30)], [(5, 25)]) == 10
    assert overlap_minutes([(0, 10)], [(10, 20)]) == 0


# --- the rows and the page ---------------------------------------------------------------------------


def test_rows_carry_what_ranking_needs(world, consultant_broker):
    CertificationFactory(provider=world.provider_p, standard=CertificationStandard.HIPAA)
    ProviderSite.objects.create(provider=world.provider_p, city="Pune", country="IN", headcount=40)
    rows = {row.name: row for row in provider_match_rows(consultant_broker)}
    p = rows[world.provider_p.name]
    assert p.service_line_ids == {world.service_line.pk}
    assert [c.standard for c in p.certifications] == ["hipaa"]
    assert p.site_countries == {"IN"} and p.calendar_time_zone == "Asia/Kolkata"
    assert len(p.week) == 5 and p.languages == ("English", "Hindi")


@pytest.fixture
def directory(world):
    """Three more providers around P and Q: one lapsed ISO, one without the service line, one certified."""
    legal = ServiceLineFactory(code="legal", name="Legal research")
    far = date.today() + timedelta(days=400)  # factories' default expiry would lapse as the years pass
    CertificationFactory(provider=world.provider_p, standard=CertificationStandard.ISO_27001, expires_on=far)
    CertificationFactory(
        provider=world.provider_q, standard=CertificationStandard.ISO_27001, expires_on=date(2024, 12, 31)
    )
    other = ProviderFactory(name="Elsewhere Legal")
    other.service_lines.add(legal)
    CertificationFactory(provider=other, standard=CertificationStandard.ISO_27001, expires_on=far)
    return world


def test_the_matching_page_ranks_and_explains(directory, client, consultant_broker):
    client.force_login(consultant_broker)
    response = client.get(
        reverse("providers:match"),
        {
            "service_line": directory.service_line.pk,
            "certifications": ["iso27001"],
            "client_time_zone": "Europe/Dublin",
        },
    )
    assert response.status_code == 200
    ranking = response.context["ranking"]
    assert [m.provider.name for m in ranking.matches] == ["Prism Analytics"]
    excluded = {m.provider.name: [r.text for r in m.missed] for m in ranking.excluded}
    assert excluded["Quanta Research"] == ["certification ISO/IEC 27001 expired on 2024-12-31"]
    assert excluded["Elsewhere Legal"] == ["does not offer Financial analysis and research"]
    body = response.content.decode()
    assert "certification ISO/IEC 27001 expired on 2024-12-31" in body and "Excluded" in body


def test_a_bad_need_is_a_form_error(world, client, consultant_broker):
    client.force_login(consultant_broker)
    response = client.get(reverse("providers:match"), {"countries": "India", "min_overlap_hours": "3"})
    assert response.status_code == 400
    assert response.context["ranking"] is None
    errors = response.context["form"].errors
    assert "countries" in errors and "client_time_zone" in errors


def test_the_empty_page_asks_for_a_need(world, client, consultant_executive):
    client.force_login(consultant_executive)
    response = client.get(reverse("providers:match"))
    assert response.status_code == 200 and response.context["ranking"] is None
