"""A document's region: gazetteer places its head names, else the jurisdiction its own words
point to; never a fragment of a word."""

import pytest

from ingest.region import places_in


def test_regions_are_gazetteer_places_never_fragments(meta_of):
    names = [p.name for p in places_in("记者从黎平县获悉，大陸地區人民申請來臺", allow_short=False)]
    assert names == ["黎平县"]
    assert [p.name for p in places_in("香港特別行政區政府", allow_short=False)] == ["香港特别行政区"]
    assert meta_of("记者从黎平县获悉，县里开展便民服务活动，服务群众三千余人次。\n")["region"] == "贵州省黔东南苗族侗族自治州黎平县"
    taiwan = "法規名稱：某某辦法\n修正日期：20200101\n法規類別：行政＞內政部＞某目\n沿革：\n1.中華民國一百零九年一月一日內政部令訂定發布\n第 1 條\n大陸地區人民依本辦法辦理。\n"
    meta = meta_of(taiwan)
    assert meta["region"] == "台湾" and meta["title"] == "某某辦法" and meta["date"] == "2020-01-01"


# A page that never names its place gets it from the jurisdiction's own words: officeholders,
# currency, 本港/本澳 (core/data/jurisdiction_markers.tsv).
@pytest.mark.parametrize("text, region", [
    ("財政司司長今日發表預算案。\n財政司司長表示，本港經濟穩步復蘇，政府將向長者發放一次性津貼，每人港幣三千元。\n", "香港"),
    ("惠民措施继续推行\n张建宗今日向传媒说，已移居外地的合资格长者无须留港居住一年，也可领取津贴。\n", "香港"),
    ("明年續派醫療券\n經濟財政司司長表示，本澳居民每人可獲一萬澳門元現金分享，長者另有津貼。\n", "澳门"),
    ("補助調整\n行政院長林全表示，身心障礙者每月補助新臺幣三千元，自明年一月起實施。\n", "台湾"),
])
def test_a_page_naming_no_place_gets_the_jurisdiction_its_markers_point_to(text, region, meta_of):
    assert meta_of(text)["region"] == region


@pytest.mark.parametrize("text", [
    # a mainland national text quoting 港元 in passing: the mainland's own words dominate
    "外汇管理规定\n国务院外汇管理部门负责管理。县级以上人民政府应当配合，以人民币计价；港元、美元等外币按汇率折算。\n",
    # markers of two jurisdictions in equal measure decide nothing
    "两地长者福利比较\n本港长者生活津贴每月HK$4,000，本澳敬老金每年MOP 9,000，各有标准。\n",
    # shared words (立法会, 行政长官) and look-alikes (本港口, 林全面) are no markers
    "施政报告发表\n行政长官今日在立法会发表施政报告，表示将推进本港口岸建设和园林全面绿化。\n",
])
def test_no_region_when_the_markers_do_not_point_to_one_jurisdiction(text, meta_of):
    assert "region" not in meta_of(text)


def test_a_named_place_wins_over_markers(meta_of):
    text = "德州市外贸促进办法\n德州市人民政府鼓励企业拓展海外市场，以港元结算的本港客户订单按规定给予奖励。\n"
    assert meta_of(text)["region"] == "山东省德州市"
