from django.urls import path

from . import views

app_name = "sla"
urlpatterns = [
    path("engagements/<int:pk>/sla/", views.compliance, name="compliance"),
    path("engagements/<int:pk>/sla/job/", views.clock_job_status, name="clock-job"),
    path("engagements/<int:pk>/sla/clocks/recompute/", views.clocks_recompute, name="clocks-recompute"),
    path("engagements/<int:pk>/sla/kpis.csv", views.kpi_snapshots_csv, name="kpis-csv"),
    path("engagements/<int:pk>/sla/clocks.csv", views.task_clocks_csv, name="clocks-csv"),
    path("engagements/<int:pk>/sla/kpis/recompute/", views.kpis_recompute, name="kpis-recompute"),
]
