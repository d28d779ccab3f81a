import datetime as dt

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from apertura.common.partial_dates import PartialDate


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2999, 12, 31)),
       st.sampled_from(["year", "month", "day"]))
def test_iso_text_round_trips_at_every_precision(date, precision):
    value = PartialDate(date if precision == "day" else date.replace(day=1, month=date.month if precision == "month"
                                                                         else 1), precision)
    assert PartialDate.parse(value.isoformat()) == value
    assert value.date <= value.last_day()


@pytest.mark.parametrize("text, last", [("2023-02", dt.date(2023, 2, 28)), ("2024-02", dt.date(2024, 2, 29)),
                                        ("2023", dt.date(2023, 12, 31)), ("2023-12", dt.date(2023, 12, 31))])
def test_last_day_of_a_month_or_year(text, last):
    assert PartialDate.parse(text).last_day() == last


@pytest.mark.parametrize("text", ["2023-00", "2023-02-29", "23-01", "2023/01", "January 2023", ""])
def test_bad_dates_are_refused_with_a_reason(text):
    with pytest.raises(ValueError, match="not"):
        PartialDate.parse(text)


def test_display_never_adds_a_day_the_plan_did_not_give():
    with translation.override("es"):
        assert PartialDate.parse("2022-01").display() == "enero de 2022"
    with translation.override("en"):
        assert PartialDate.parse("2022-01").display() == "January 2022"
        assert PartialDate.parse("2022").display() == "2022"
