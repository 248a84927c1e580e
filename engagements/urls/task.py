from django.urls import path

from ..views import task as views

urlpatterns = [
    path("tasks/board/", views.board, name="board"),
    path("tasks/board/bulk/", views.board_bulk, name="board-bulk"),
    path("tasks/board/column/<str:status>/", views.board_column_more, name="board-column"),
    path("tasks/<int:pk>/", views.task_detail, name="task-detail"),
    path("tasks/<int:pk>/transition/", views.task_transition_view, name="task-transition"),
    path("tasks/<int:pk>/move/", views.task_move, name="task-move"),
    path("tasks/<int:pk>/review/", views.task_review, name="task-review"),
    path("tasks/<int:pk>/assign/", views.task_assign_view, name="task-assign"),
    path("tasks/<int:pk>/priority/", views.task_priority_view, name="task-priority"),
    path("tasks/<int:pk>/deliverables/", views.deliverable_upload, name="deliverable-upload"),
    path(
        "tasks/<int:pk>/deliverables/<int:deliverable_pk>/download/",
        views.deliverable_download,
        name="deliverable-download",
    ),
]
