import datetime as dt
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from ratings.models import URL_PATTERN, Inspection, PartialDate, parse_partial_date


@pytest.mark.parametrize(
    ("value", "iso", "earliest", "latest"),
    [
        (dt.date(2019, 2, 15), "2019-02-15", dt.date(2019, 2, 15), dt.date(2019, 2, 15)),
        ("2019-02-15", "2019-02-15", dt.date(2019, 2, 15), dt.date(2019, 2, 15)),
        ("2019-02", "2019-02", dt.date(2019, 2, 1), dt.date(2019, 2, 28)),
        ("2020-02", "2020-02", dt.date(2020, 2, 1), dt.date(2020, 2, 29)),
        (2018, "2018", dt.date(2018, 1, 1), dt.date(2018, 12, 31)),
    ],
)
def test_partial_dates(value, iso, earliest, latest):
    date = parse_partial_date(value)
    assert (date.iso(), date.earliest, date.latest) == (iso, earliest, latest)


@pytest.mark.parametrize(
    "value", ["2019-13", "2019-02-30", "Feb 2019", "19", 2019.5, True, dt.datetime(2019, 1, 1, 12, 0)]
)
def test_partial_dates_refuse_what_is_not_a_date(value):
    with pytest.raises(ValueError, match="date"):
        parse_partial_date(value)


def test_human_dates_do_not_depend_on_locale():
    assert PartialDate(2018, 12, 6).human() == "6 December 2018"
    assert PartialDate(2019, 6).human() == "June 2019"
    assert PartialDate(2018).human() == "2018"


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(["https://", "http://", "ftp://", "HTTPS://", "", "https:/"]).flatmap(
        lambda scheme: st.text(alphabet="ab./ :\u00a0\u2003é-", max_size=12).map(lambda rest: scheme + rest)
    )
)
def test_web_addresses_are_checked_by_the_one_pattern(address: str):
    """pydantic's own pattern engine checks an inspection's addresses: it accepts exactly what
    Python's `re` accepts with the same pattern (the values arrive with spaces stripped)."""
    address = address.strip()
    record = {"provider": "p", "framework": "f", "published": "2019-01-01", "sources": [address]}
    try:
        Inspection.model_validate({**record, "report_url": address})
        accepted = True
    except ValidationError:
        accepted = False
    assert accepted == bool(address and re.match(URL_PATTERN, address))
