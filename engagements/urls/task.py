from django.urls import path

from ..views import board, task

urlpatterns = [
    path("tasks/board/", board.board, name="board"),
    path("tasks/board/bulk/", board.board_bulk, name="board-bulk"),
    path("tasks/board/column/<str:status>/", board.board_column_more, name="board-column"),
    path("tasks/<int:pk>/", task.task_detail, name="task-detail"),
    path("tasks/<int:pk>/transition/", task.task_transition_view, name="task-transition"),
    path("tasks/<int:pk>/move/", board.task_move, name="task-move"),
    path("tasks/<int:pk>/review/", task.task_review, name="task-review"),
    path("tasks/<int:pk>/assign/", task.task_assign_view, name="task-assign"),
    path("tasks/<int:pk>/priority/", task.task_priority_view, name="task-priority"),
    path("tasks/<int:pk>/deliverables/", task.deliverable_upload, name="deliverable-upload"),
    path(
        "tasks/<int:pk>/deliverables/<int:deliverable_pk>/download/",
        task.deliverable_download,
        name="deliverable-download",
    ),
]
