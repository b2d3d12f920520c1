"""Metadata of the document itself: title line, own number/issuer, own dates, real places.

The table below was made by hand from the headers of ../shared/dev2/corpus files (read one by
one; see ../shared/dev2/SOURCES.md for what each file is). It is skipped when ../shared is
missing, unless CI_REQUIRE_GOLD=1."""

import os
from pathlib import Path

import pytest

from ingest.clean import clean
from ingest.dates import dates_in
from ingest.loaders import load
from ingest.metadata import extract_metadata
from ingest.pipeline import prepare
from ingest.region import places_in

DEV2 = Path(__file__).resolve().parents[4] / "shared" / "dev2" / "corpus"
NPC = "人民代表大会常务委员会"

# file: (title, date, issuer, extra keys that must match; None = must be absent)
TABLE = {
    "s01_dz_fireworks.txt": ("德州市烟花爆竹燃放管理条例", "2020-09-25", "德州市" + NPC,
                             {"promulgated": "2020-08-27", "region": "山东省德州市"}),
    "s02_yt_fireworks.txt": ("烟台市燃放烟花爆竹管理条例", "2021-12-03", "烟台市" + NPC,
                             {"promulgated": "2016-12-28", "revised": "2021-12-03"}),
    "s03_wf_fireworks.txt": ("潍坊市燃放烟花爆竹管理条例", "2020-01-15", "潍坊市" + NPC, {"region": "山东省潍坊市"}),
    "s04_jn_fireworks.txt": ("济南市禁止燃放烟花爆竹的规定", "2019-02-12", "济南市" + NPC, {"revised": "2019-02-12"}),
    "s05_dz_dogs.txt": ("德州市养犬管理条例", "2020-07-24", "德州市" + NPC, {"revised": None}),
    "s08_qd_dogs.txt": ("青岛市养犬管理条例", "2016-05-26", "青岛市" + NPC, {"effective": "2016-10-01"}),
    "s09_martyrs_2019.txt": ("烈士褒扬条例", "2019-03-02", "国务院", {"number": "国务院令第601号", "region": None}),
    "s10_martyrs_2024.txt": ("烈士褒扬条例", "2024-09-27", "国务院",
                             {"number": "国务院令第791号", "promulgated": "2011-07-26", "revised": "2024-09-27"}),
    "s11_accounting_2017.txt": ("中华人民共和国会计法", "2017-11-04", "全国" + NPC,
                                {"promulgated": "1985-01-21", "region": None}),
    "s12_accounting_2024.txt": ("中华人民共和国会计法", "2024-06-28", "全国" + NPC, {"revised": "2024-06-28"}),
    "s13_sh_funeral_old.txt": ("上海市殡葬管理条例", None, None, {"region": "上海市"}),
    "s14_sh_funeral_2024.txt": ("上海市殡葬管理条例", "2024-08-22", "上海市" + NPC, {"promulgated": "1997-08-20"}),
    "s15_funeral_national.txt": ("殡葬管理条例", "1997-07-21", "国务院", {"number": "国务院令第225号", "region": None}),
    "s16_bj_waste.txt": ("北京市生活垃圾管理条例", "2019-11-27", "北京市" + NPC, {"region": "北京市"}),
    "s18_nb_blood.txt": ("宁波市献血条例", "2020-05-15", "宁波市" + NPC, {"promulgated": "1999-05-28"}),
    "s19_qd_blood.txt": ("青岛市实施《中华人民共和国献血法》若干规定", "2020-01-15", "青岛市" + NPC, {}),
    "s21_legal_aid_2003.txt": ("法律援助条例", "2003-07-21", "国务院",
                               {"number": "国务院令第385号", "effective": "2003-09-01"}),
    "t01_tw_disability_allowance.txt": ("身心障礙者生活補助費發給辦法", "2019-12-27", "衛生福利部",
                                        {"promulgated": "2012-07-09", "region": "台湾"}),
    "t05_tw_fireworks.txt": ("爆竹煙火管理條例", "2010-06-02", "內政部", {"promulgated": "2003-12-24"}),
    "t08_tw_min_wage_review.txt": ("基本工資審議辦法", "2024-03-08", "勞動部", {"repealed": "2024-03-08", "revised": None}),
    "t10_tw_sports.txt": ("國民體育法", "2024-08-07", "教育部", {"promulgated": "1929-04-16"}),
    "t11_tw_blood_donor.txt": ("捐血者健康標準（95.03.15訂定）", "2006-03-15", "衛生福利部", {"revised": None}),
    "t12_tw_waste_reward.txt": ("民眾檢舉違反廢棄物清理法案件獎勵辦法", "2001-12-26", "行政院環境保護署",
                                {"repealed": "2001-12-26"}),
    "w01_mo_cash_2025_hant.txt": ("w01_mo_cash_2025_hant", None, None, {"region": "澳门"}),
    "w04_mo_pa_2023_hant.txt": ("明年續向永久居民派發醫療券", "2022-11-15", None, {"region": "澳门"}),
    "w07_hk_measures_2017.txt": ("争分夺秒 落实惠民措施", "2017-06-20", None, {"region": "香港"}),
    "w09_sd_gov_report_2023.txt": ("直通2023山东两会 报告速览", "2023-01-14", None, {"region": "山东省"}),
    "w10_sd_farm_policies_2010_hant.txt": ("山東省2010年惠農政策大全", "2010-08-15", None, {}),
    "w11_kp_village_projects_hant.txt": ("村級公益事業一事一議財政獎補項目", "2013-10-25", None,
                                         {"region": "广东省江门市开平市"}),
    "w12_js_gov_report_notes_2023.txt": ("关于《政府工作报告(征求意见稿)》解读", "2022-12-30", None, {}),
    "w05_hk_oals_2020_hant.txt": ("政府用100億推10措施紓困 長生津劃一$3500", None, None, {"region": "香港"}),
}


@pytest.mark.parametrize("name", sorted(TABLE))
def test_dev2_documents_metadata_matches_hand_made_table(name):
    path = DEV2 / name
    if not path.is_file():
        if os.environ.get("CI_REQUIRE_GOLD") == "1":
            raise FileNotFoundError(path)
        pytest.skip("../shared/dev2 not present")
    document, _ = prepare(load(path), 200)
    title, date, issuer, extra = TABLE[name]
    meta = document.meta
    assert document.title == title
    assert meta.get("date") == date
    assert meta.get("issuer") == issuer
    for key, value in extra.items():
        assert meta.get(key) == value, key


def _meta(text, title="", file_name="x.txt"):
    return extract_metadata(title or text.strip().split("\n")[0], clean(text).text, file_name=file_name)


def test_number_and_issuer_of_cited_documents_are_not_taken():
    text = ("五华区加强基层服务型党组织建设的实施意见\n\n(2014年12月24日)\n\n"
            "为深入贯彻《中共中央办公厅印发〈关于加强基层服务型党组织建设的意见〉的通知》（中办发〔2014〕6号）"
            "要求，结合五华实际，现就进一步加强全区基层服务型党组织建设提出如下实施意见。\n一、重要意义\n")
    meta = _meta(text)
    assert "number" not in meta and "issuer" not in meta
    assert meta["date"] == "2014-12-24" and meta["title"] == "五华区加强基层服务型党组织建设的实施意见"
    assert meta["region"] == "云南省昆明市五华区"


def test_own_number_and_signature_block():
    text = ("某市人民政府办公室关于做好春节期间安全工作的通知\n某政办发〔2023〕12号\n各区人民政府：\n"
            "为做好春节期间安全工作，现将有关事项通知如下。各单位要加强值班值守，确保安全。\n"
            "一、加强值班\n各单位要严格执行值班制度。\n某市人民政府办公室\n2023年1月10日\n")
    meta = _meta(text)
    assert meta["number"] == "某政办发〔2023〕12号"
    assert meta["issuer"] == "某市人民政府办公室"
    assert meta["date"] == "2023-01-10"


def test_title_is_never_the_issuer_line():
    text = ("省委组织部办公室\n2012年8月3日\n福建省福州市晋安区开展三服务活动\n"
            "晋安区以开展服务基层活动为抓手，改进服务方式，突出服务重点。现将做法转发，供学习借鉴。\n")
    meta = _meta(text)
    assert meta["title"] == "福建省福州市晋安区开展三服务活动"
    assert meta["issuer"] == "省委组织部办公室" and meta["date"] == "2012-08-03"


def test_revision_date_of_a_regulation_is_its_date():
    text = ("# 某某管理条例\n\n1949年12月23日 政务院第十二次政务会议通过\n\n"
            "2013年7月18日 中华人民共和国国务院令第638号第一次修订\n\n"
            "2024年11月10日 中华人民共和国国务院令第797号第二次修订\n\n<!-- INFO END -->\n\n"
            "第一条 为了规范管理，制定本条例。\n")
    meta = _meta(text)
    assert meta["date"] == "2024-11-10" and meta["revised"] == "2024-11-10"
    assert meta["promulgated"] == "1949-12-23" and meta["number"] == "国务院令第797号"
    assert meta["title"] == "某某管理条例"


def test_no_date_rather_than_a_body_date_and_file_name_date_fallback():
    text = "# 某市养犬管理条例\n\n第一条 本条例自2021年1月1日起施行。\n"
    assert "date" not in _meta(text)
    assert _meta(text, file_name="某市养犬管理条例(2018-09-18).md")["date"] == "2018-09-18"


def test_dates_in_all_notations():
    assert dates_in("中華民國一百零一年七月九日") == ["2012-07-09"]
    assert dates_in("二〇一四年十二月二十四日") == ["2014-12-24"]
    assert dates_in("15/11/2022 及 20.06.2017 15:04") == ["2022-11-15", "2017-06-20"]
    assert dates_in("2024年13月40日") == []


def test_regions_are_gazetteer_places_never_fragments():
    names = [p.name for p in places_in("记者从黎平县获悉，大陸地區人民申請來臺", allow_short=False)]
    assert names == ["黎平县"]
    assert [p.name for p in places_in("香港特別行政區政府", allow_short=False)] == ["香港特别行政区"]
    assert _meta("记者从黎平县获悉，县里开展便民服务活动，服务群众三千余人次。\n")["region"] == "贵州省黔东南苗族侗族自治州黎平县"
    taiwan = "法規名稱：某某辦法\n修正日期：20200101\n法規類別：行政＞內政部＞某目\n沿革：\n1.中華民國一百零九年一月一日內政部令訂定發布\n第 1 條\n大陸地區人民依本辦法辦理。\n"
    meta = _meta(taiwan)
    assert meta["region"] == "台湾" and meta["title"] == "某某辦法" and meta["date"] == "2020-01-01"


# A page that never names its place gets it from the jurisdiction's own words: officeholders,
# currency, 本港/本澳 (core/data/jurisdiction_markers.tsv).
@pytest.mark.parametrize("text, region", [
    ("財政司司長今日發表預算案。\n財政司司長表示，本港經濟穩步復蘇，政府將向長者發放一次性津貼，每人港幣三千元。\n", "香港"),
    ("惠民措施继续推行\n张建宗今日向传媒说，已移居外地的合资格长者无须留港居住一年，也可领取津贴。\n", "香港"),
    ("明年續派醫療券\n經濟財政司司長表示，本澳居民每人可獲一萬澳門元現金分享，長者另有津貼。\n", "澳门"),
    ("補助調整\n行政院長林全表示，身心障礙者每月補助新臺幣三千元，自明年一月起實施。\n", "台湾"),
])
def test_a_page_naming_no_place_gets_the_jurisdiction_its_markers_point_to(text, region):
    assert _meta(text)["region"] == region


@pytest.mark.parametrize("text", [
    # a mainland national text quoting 港元 in passing: the mainland's own words dominate
    "外汇管理规定\n国务院外汇管理部门负责管理。县级以上人民政府应当配合，以人民币计价；港元、美元等外币按汇率折算。\n",
    # markers of two jurisdictions in equal measure decide nothing
    "两地长者福利比较\n本港长者生活津贴每月HK$4,000，本澳敬老金每年MOP 9,000，各有标准。\n",
    # shared words (立法会, 行政长官) and look-alikes (本港口, 林全面) are no markers
    "施政报告发表\n行政长官今日在立法会发表施政报告，表示将推进本港口岸建设和园林全面绿化。\n",
])
def test_no_region_when_the_markers_do_not_point_to_one_jurisdiction(text):
    assert "region" not in _meta(text)


def test_a_named_place_wins_over_markers():
    text = "德州市外贸促进办法\n德州市人民政府鼓励企业拓展海外市场，以港元结算的本港客户订单按规定给予奖励。\n"
    assert _meta(text)["region"] == "山东省德州市"
