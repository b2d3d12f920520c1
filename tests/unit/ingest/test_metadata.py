"""Metadata of the document itself, end to end: title line, own number/issuer, own dates, real
places (the parts: test_dates, test_header, test_region).

The table below was made by hand from the headers of ../shared/dev2/corpus files (read one by
one; see ../shared/dev2/SOURCES.md for what each file is). It is skipped when ../shared is
missing, unless CI_REQUIRE_GOLD=1."""

import os
from pathlib import Path

import pytest

from ingest.loaders import load
from ingest.pipeline import prepare

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


def test_title_is_never_the_issuer_line(meta_of):
    text = ("省委组织部办公室\n2012年8月3日\n福建省福州市晋安区开展三服务活动\n"
            "晋安区以开展服务基层活动为抓手，改进服务方式，突出服务重点。现将做法转发，供学习借鉴。\n")
    meta = meta_of(text)
    assert meta["title"] == "福建省福州市晋安区开展三服务活动"
    assert meta["issuer"] == "省委组织部办公室" and meta["date"] == "2012-08-03"


def test_a_short_name_standing_above_the_body_is_the_title(meta_of):
    body = "桂林米粉是广西桂林的传统小吃，以本地早籼米为原料，制作工艺讲究，历史悠久。\n"
    assert meta_of("桂林米粉\n\n" + body, file_name="entry-0040.txt")["title"] == "桂林米粉"
    # A bare word the file name already says more fully leaves the file name the title…
    notice = "通知\n各街道：现将社区网格员培训安排通知如下，请各街道认真组织落实。\n"
    assert meta_of(notice, file_name="关于开展网格员培训的通知.txt")["title"] == "关于开展网格员培训的通知"
    # …and a section heading, a dated line or an addressee is no name.
    assert meta_of("第一章\n" + body, file_name="a.txt")["title"] == "a"
    assert meta_of("各街道：\n" + body, file_name="b.txt")["title"] == "b"
    assert meta_of("五华区政府门户网站\n" + body, file_name="c.txt")["title"] == "c"
