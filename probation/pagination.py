"""Pagination without COUNT(*): fetch one row more than a page to know whether another
page follows. A list page costs the same few queries at any size of caseload."""

from dataclasses import dataclass

from django.conf import settings


@dataclass
class Page:
    object_list: list
    number: int
    has_next: bool

    @property
    def has_previous(self):
        return self.number > 1

    @property
    def has_other_pages(self):
        return self.has_next or self.has_previous

    def next_page_number(self):
        return self.number + 1

    def previous_page_number(self):
        return self.number - 1

    def __iter__(self):
        return iter(self.object_list)


# A page number past this is read as this one (an empty page at any real size of data):
# the offset of a larger one overflows the databases' integers.
LAST_PAGE = 1_000_000


def page_of(queryset, page: str | int | None, *, size: int | None = None) -> Page:
    """Page ``page`` (from 1; anything else is page 1, and past ``LAST_PAGE`` is
    ``LAST_PAGE``) of ``queryset`` or a list."""
    size = size or settings.PAGE_SIZE
    try:
        number = min(max(1, int(page or 1)), LAST_PAGE)
    except (TypeError, ValueError):
        number = 1
    start = (number - 1) * size
    rows = list(queryset[start : start + size + 1])
    return Page(rows[:size], number, len(rows) > size)


def page_context(request, queryset, *, size: int | None = None) -> dict:
    """The template context for one page of ``queryset`` at ``?page=``, keeping the rest
    of the query string for the previous/next links."""
    query = request.GET.copy()
    query.pop("page", None)
    return {
        "page_obj": page_of(queryset, request.GET.get("page"), size=size),
        "querystring_without_page": (query.urlencode() + "&") if query else "",
    }
