from rest_framework.pagination import CursorPagination


class Pagination(CursorPagination):
    """Cursor pages: no COUNT(*) at any size, stable while records are added."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = ("id",)


class ByCode(Pagination):
    ordering = ("code",)


class ByCrn(Pagination):
    ordering = ("crn",)
