from django.db import models
from django.utils.translation import gettext_lazy as _


class EventType(models.TextChoices):
    TASK_STATUS_CHANGED = "task.status_changed", _("Task status changed")
    SLA_AT_RISK = "sla.at_risk", _("SLA at risk")
    SLA_BREACHED = "sla.breached", _("SLA breached")
    KPI_BREACHED = "kpi.breached", _("KPI breached")
    DELIVERABLE_UPLOADED = "deliverable.uploaded", _("Deliverable uploaded")
    REPORT_READY = "report.ready", _("Report ready")
