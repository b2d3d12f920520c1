"""Dates in every notation policy documents use, read as YYYY-MM-DD; an impossible date is none."""

from ingest.dates import dates_in


def test_dates_in_all_notations():
    assert dates_in("中華民國一百零一年七月九日") == ["2012-07-09"]
    assert dates_in("二〇一四年十二月二十四日") == ["2014-12-24"]
    assert dates_in("15/11/2022 及 20.06.2017 15:04") == ["2022-11-15", "2017-06-20"]
    assert dates_in("2024年13月40日") == []
