"""Months as the pages, the API and the commands name them (``contracts.periods``):
``YYYY-MM`` and nothing else, so a bad month in a URL or a filter is a clear 404 or 400."""

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts import periods


@given(st.dates(datetime.date(1000, 1, 1), datetime.date(9999, 12, 31)))
def test_a_month_label_reads_back_as_its_month(day):
    month = periods.first_of_month(day)
    assert periods.parse_month(periods.month_label(month)) == month


@pytest.mark.parametrize(
    "text",
    [
        "2016-13",
        "2016-00",
        "2016-3",
        "16-03",
        "2016-03-01",
        " 2016-03",
        "2016-03 ",
        "+016-03",
        "2016-+3",
        "２０１６-03",
        "2016_03",
        "",
        "2016-",
    ],
)
def test_anything_else_is_refused(text):
    with pytest.raises(ValueError):
        periods.parse_month(text)


def test_not_text_is_refused():
    with pytest.raises(ValueError):
        periods.parse_month(None)
