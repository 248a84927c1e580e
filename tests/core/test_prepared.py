"""Prepared reads: compiled once, each call bound to its own values, the same rows as the queryset."""

from datetime import date
from decimal import Decimal

import pytest

from engagements.models import EngagementConsultant
from engagements.selectors import engagement_audit_rows, engagement_consultant_rows
from kpo.core.models import AuditLog
from kpo.core.prepared import PreparedRead
from sla.choices import Kpi, KpiStatus, PeriodKind
from sla.models import KpiSnapshot, SLATarget
from sla.selectors import CHART_SNAPSHOT_VALUES, monthly_kpi_rows, sla_target_rows

pytestmark = pytest.mark.django_db


def _snapshot(engagement, kpi, start, value):
    return KpiSnapshot.objects.create(
        engagement=engagement,
        sla=engagement.sla,
        kpi=kpi,
        period_kind=PeriodKind.MONTH,
        period_start=start,
        period_end=start.replace(day=28),
        numerator=Decimal(value) * 100,
        denominator=Decimal(100),
        value=Decimal(value),
        target=Decimal("0.95"),
        status=KpiStatus.MET,
    )


def test_rows_are_what_the_querysets_values_give_with_their_types(world):
    """Dates and decimals come back as date and Decimal on every database (SQLite stores them as text
    and numbers: the ORM's converters are applied), in the queryset's order."""
    for engagement, value in ((world.engagement_ap, "0.912345"), (world.engagement_bp, "0.5")):
        _snapshot(engagement, Kpi.RESOLUTION_COMPLIANCE, date(2026, 10, 1), value)
        _snapshot(engagement, Kpi.ACCURACY, date(2026, 11, 1), value)
    # A snapshot of an SLA period is not a month's.
    KpiSnapshot.objects.create(
        engagement=world.engagement_ap,
        kpi=Kpi.ACCURACY,
        period_kind=PeriodKind.SLA_PERIOD,
        period_start=date(2026, 11, 2),
        period_end=date(2026, 11, 8),
    )

    rows = monthly_kpi_rows(world.engagement_ap)

    expected = list(
        KpiSnapshot.objects.filter(engagement=world.engagement_ap, period_kind=PeriodKind.MONTH)
        .order_by("-period_start", "kpi")
        .values(*CHART_SNAPSHOT_VALUES)
    )
    assert rows == expected
    assert [(r["kpi"], r["period_start"]) for r in rows] == [
        (Kpi.ACCURACY, date(2026, 11, 1)),
        (Kpi.RESOLUTION_COMPLIANCE, date(2026, 10, 1)),
    ]
    assert type(rows[0]["period_start"]) is date
    assert rows[0]["value"] == Decimal("0.912345") and isinstance(rows[0]["value"], Decimal)


def test_each_call_reads_its_own_engagement(world):
    ap = engagement_consultant_rows(world.engagement_ap)
    bp = engagement_consultant_rows(world.engagement_bp)
    assert {row["user__email"] for row in ap} == {
        link.user.email for link in EngagementConsultant.objects.filter(engagement=world.engagement_ap)
    }
    assert len(ap) == 2
    assert bp == []
    # The SLA's four targets, by priority; an engagement without an SLA has none (and no query).
    targets = sla_target_rows(world.engagement_ap)
    assert [t["priority"] for t in targets] == sorted(
        SLATarget.objects.filter(sla=world.engagement_ap.sla).values_list("priority", flat=True)
    )
    assert len(targets) == 4
    assert sla_target_rows(world.engagement_bp) == []


def test_string_parameters_and_a_limit(world, django_assert_num_queries):
    for i in range(30):
        AuditLog.objects.create(
            action=f"engagement.step_{i:02d}",
            object_type="engagements.engagement",
            object_id=str(world.engagement_bp.pk),
            object_repr="bp",
        )
    with django_assert_num_queries(1):
        rows = engagement_audit_rows(world.engagement_bp)
    assert len(rows) == 25  # the trail's cap
    assert all(row["object_repr"] == "bp" for row in rows)
    assert all(row["object_repr"] != "bp" for row in engagement_audit_rows(world.engagement_ap))


def test_a_parameter_the_statement_does_not_carry_as_a_value_is_refused(world):
    """A value the ORM writes into the SQL text (a slice bound) or transforms (`__contains` wraps it in
    wildcards) cannot be bound at call time: the first call says so instead of reading wrong rows."""
    sliced = PreparedRead(lambda n: SLATarget.objects.values("priority")[:n], n=int)
    with pytest.raises(ValueError, match="plain parameter"):
        sliced(n=2)
    wrapped = PreparedRead(
        lambda text: SLATarget.objects.filter(priority__contains=text).values("pk"), text=str
    )
    with pytest.raises(ValueError, match="plain parameter"):
        wrapped(text="P1")


def test_only_values_querysets_and_declared_parameters(world):
    instances = PreparedRead(lambda sla_id: SLATarget.objects.filter(sla_id=sla_id), sla_id=int)
    with pytest.raises(TypeError, match="values"):
        instances(sla_id=world.engagement_ap.sla_id)
    targets = PreparedRead(lambda sla_id: SLATarget.objects.filter(sla_id=sla_id).values("pk"), sla_id=int)
    with pytest.raises(TypeError, match="takes"):
        targets(sla=world.engagement_ap.sla_id)
    with pytest.raises(TypeError, match="only int and str"):
        PreparedRead(lambda day: SLATarget.objects.values("pk"), day=date)


def test_an_optional_parameter_may_be_left_out_and_statements_are_forgotten_after_a_migration(world):
    from kpo.core.prepared import forget_prepared_reads

    every_target = PreparedRead(
        lambda sla_id, viewer: SLATarget.objects.filter(sla_id=sla_id).values("priority"),
        optional=("viewer",),
        sla_id=int,
        viewer=int,
    )
    assert len(every_target(sla_id=world.engagement_ap.sla_id, viewer=1)) == 4
    assert every_target._compiled
    # A migration (or a test flush) may recreate rows a statement names by id: compile again.
    forget_prepared_reads()  # connected to post_migrate
    assert every_target._compiled == {}
    assert len(every_target(sla_id=world.engagement_ap.sla_id, viewer=1)) == 4
