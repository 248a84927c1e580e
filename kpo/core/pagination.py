"""API pagination: numbered pages for small collections, cursors for the large ones (tasks, events).

Apart from kpo.core.api because DRF imports the default pagination class while building GenericAPIView.
"""

from rest_framework.pagination import CursorPagination, PageNumberPagination

MAX_PAGE_SIZE = 500
DEFAULT_PAGE_SIZE = 50


class PagePagination(PageNumberPagination):
    """Numbered pages for the small collections."""

    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE


class NewestFirstCursorPagination(CursorPagination):
    """Cursor pages for the large collections (tasks, events): stable under inserts, no COUNT(*)."""

    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    ordering = "-id"
