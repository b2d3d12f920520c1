"""Places and jurisdiction markers (core/places.py)."""

from __future__ import annotations

import pytest

from core.places import jurisdiction_counts, jurisdiction_markers, place_within, places_named, short_place_name
from core.script import normalise, to_traditional


@pytest.mark.parametrize("place, region, within", [
    ("德州", "山东省德州市", True),
    ("德城区", "山东省德州市", True),  # a city's regulation holds in its districts
    ("山东", "山东省德州市", True),
    ("烟台", "山东省德州市", False),  # same province, another city
    ("高雄", "台湾", True),
    ("台湾", "浙江省宁波市", False),  # naming 台湾地区居民 does not make Ningbo's text Taiwan's
])
def test_place_within_a_documents_region(place, region, within):
    assert place_within(place, region) is within


def test_jurisdiction_markers_count_alike_in_both_scripts():
    simplified = "财政司司长陈茂波说，本港长者可获港币三千元；经济财政司司长说，本澳居民获澳门元一万元。"
    assert jurisdiction_counts(simplified) == jurisdiction_counts(to_traditional(simplified)) == {"香港": 4, "澳门": 3}
    # every marker of the table folds to itself from either script
    assert all(normalise(to_traditional(m)) == m for m in jurisdiction_markers())


def test_jurisdiction_markers_longest_first_and_never_inside_another_word():
    assert jurisdiction_counts("經濟財政司司長") == {"澳门": 1}  # not Hong Kong's 財政司司長 inside it
    assert jurisdiction_counts("船舶驶入本港口，往来港澳，赴澳洲旅游，园林全面绿化") == {}
    assert jurisdiction_counts("HK$3,500、MOP 900、NT$200") == {"香港": 1, "澳门": 1, "台湾": 1}
    assert jurisdiction_counts("shampoo mopped") == {}


@pytest.mark.parametrize("region, names", [
    ("香港", "董建華 曾蔭權 梁振英 林鄭月娥 李家超 陳方安生 許仕仁 唐英年 林瑞麟 張建宗 陳國基 梁錦松 曾俊華 陳茂波"),
    ("澳门", "何厚鏵 崔世安 賀一誠 岑浩輝 陳麗敏 陳海帆 張永春 譚伯源 梁維特 李偉農 戴建業"),
    ("台湾", "李登輝 陳水扁 馬英九 蔡英文 賴清德 蕭萬長 張俊雄 游錫堃 謝長廷 蘇貞昌 劉兆玄 吳敦義 江宜樺 毛治國 張善政 陳建仁 卓榮泰"),
])
def test_jurisdiction_markers_hold_every_officeholder_of_their_kinds(region, names):
    """Chief executives, chief/financial secretaries (Macau: its two secretaries for administration
    and for finance) since the handovers; Taiwan's presidents and premiers since 1996."""
    markers = jurisdiction_markers()
    assert [n for n in names.split() if markers.get(normalise(n)) != region] == []


@pytest.mark.parametrize("name, short", [
    ("德州市", "德州"), ("广西壮族自治区", "广西"), ("香港特别行政区", "香港"), ("沙市", "沙市"), ("和县", "和县"),
])
def test_short_place_names(name, short):
    assert short_place_name(name) == short


def test_places_named_in_a_text():
    assert places_named("山东省德州市德城区") == ("山东", "德州", "德城")  # the short form questions share
