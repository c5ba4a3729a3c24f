"""``probation.pagination.page_of``: the page asked for, whatever is asked."""

import pytest

from probation.models import Organisation
from probation.pagination import LAST_PAGE, page_of

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("asked", "number"),
    [
        (None, 1),
        ("", 1),
        ("x", 1),
        ("1e9", 1),
        ("-3", 1),
        ("0", 1),
        ("2", 2),
        (str(LAST_PAGE), LAST_PAGE),
        (str(LAST_PAGE + 1), LAST_PAGE),
        ("9" * 30, LAST_PAGE),
    ],
)
def test_any_page_asked_is_a_page(asked, number):
    """A page number too large for the database's offset is the last page we read (empty),
    not a server error; anything not a number is the first page."""
    page = page_of(Organisation.objects.order_by("pk"), asked, size=5)
    assert page.number == number
    if number == 1:
        assert len(page.object_list) == 5 and page.has_next
    if number >= LAST_PAGE:
        assert page.object_list == [] and not page.has_next
