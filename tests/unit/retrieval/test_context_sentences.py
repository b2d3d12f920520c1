"""The sentences that come with a chosen one: list items, list intros, referenced items and
paragraphs, the clauses finishing a legal sentence (retrieval/context_sentences.py)."""

from __future__ import annotations

from answer_inputs import DOC, LISTS, answer_one, ask, embedder, fixtures, index_of, list_chunks, one_passage

from core.records import Chunk, Hit
from core.script import normalise
from core.sentences import MAX_SENTENCE_CHARS
from retrieval.answer import AnswerOptions, extractive_answer
from retrieval.compose import ComposeOptions
from retrieval.context_sentences import list_items, next_clauses, referenced
from retrieval.evidence import candidate_sentences
from retrieval.query import analyse


def test_list_items_are_gathered_across_the_passage_boundary():
    answer = ask("养犬人应当遵守哪些规定？")
    for item in ("为犬只办理登记", "按时接种狂犬病疫苗", "及时清除犬粪"):
        assert item in answer.text
    assert "本条例自公布之日起施行" not in answer.text
    for c in answer.citations:
        assert DOC[c.start:c.end] == c.quote


def test_list_items_stop_at_the_end_of_the_list():
    chunks, by_pos, *_ = fixtures()
    lead = next(e for e in candidate_sentences([Hit(chunks[0], 1.0)]) if "下列规定" in e.text)
    items = list_items(lead, lambda c: by_pos.get(c.position + 1), ComposeOptions())
    assert [i.text[:4] for i in items] == ["（一）为", "（二）按", "（三）及"]


def test_list_items_run_on_into_an_overlapping_passage_without_repeats():
    mid = LISTS.index("（二）未满")
    overlap = LISTS.index("（一）十二")
    chunks = list_chunks([(0, mid), (overlap, len(LISTS))])
    by_pos = {c.position: c for c in chunks}
    lead = next(e for e in candidate_sentences([Hit(chunks[0], 1.0)]) if e.text.startswith("（一）十二")).intro
    assert lead.text == "一、年龄："
    items = list_items(lead, lambda c: by_pos.get(c.position + 1), ComposeOptions())
    # The items of 「一、年龄：」 only: 「二、押金：」 is the next item of the outer list.
    assert [i.text[:5] for i in items] == ["（一）十二", "（二）未满", "（三）超过"]
    for i in items:
        start, end = i.chunk.source_span(i.a, i.b)
        assert LISTS[start:end] == i.text


def test_a_list_item_is_scored_and_quoted_with_the_labels_introducing_it():
    chunks = list_chunks([(0, len(LISTS))])
    evidence = candidate_sentences([Hit(chunks[0], 1.0)])
    item = next(e for e in evidence if e.text.startswith("（二）未满"))
    assert item.intro.text == "一、年龄：" and item.intro.intro.text.endswith("下列条件：")
    query = analyse("几岁可以办理借阅证？", [], lambda w: w in normalise(LISTS))
    answer = extractive_answer(query, [Hit(chunks[0], 1.0)], index_of(chunks), embedder(),
                               lambda d: LISTS, AnswerOptions(threshold=0.0),
                               in_corpus=lambda t: t in normalise(LISTS))
    # Whichever item leads, the whole 年龄 list is quoted, and the answer line is about age.
    for part in ("十二周岁以上、七十周岁以下", "未满十二周岁", "超过七十周岁"):
        assert part in answer.text
    assert "周岁" in answer.text.splitlines()[0] and "一百元" not in answer.text.splitlines()[0]


def test_a_label_without_a_colon_announces_the_items_after_it():
    text = "主要预期目标\n●地区生产总值增长5%以上\n●城镇新增就业110万人以上\n其他工作另行部署。"
    chunk = one_passage(text, "r.txt", "报告")
    lead = candidate_sentences([Hit(chunk, 1.0)])[0]
    assert lead.text == "主要预期目标"
    items = list_items(lead, None, ComposeOptions())
    assert [i.text for i in items] == ["●地区生产总值增长5%以上", "●城镇新增就业110万人以上"]


def test_a_sentence_comes_with_the_item_or_paragraph_it_refers_to():
    chunks = list_chunks([(0, len(LISTS))])
    evidence = candidate_sentences([Hit(chunks[0], 1.0)])
    sibling = next(e for e in evidence if e.text.startswith("（二）兄弟"))
    assert [r.text[:5] for r in referenced(sibling, None, ComposeOptions())] == ["（一）配偶"]
    paragraph = next(e for e in evidence if e.text.startswith("捐书达前项"))
    assert [r.text for r in referenced(paragraph, None, ComposeOptions())] == ["第四条 本办法所称一定数额，系指三千五百元以上。"]


def test_an_item_naming_a_sibling_by_number_brings_it_from_the_retrieved_passages():
    first = LISTS.index("（一）配偶")
    chunks = list_chunks([(0, first), (first, LISTS.index("（二）兄弟")), (LISTS.index("（二）兄弟"), len(LISTS))])
    pool = candidate_sentences([Hit(c, 1.0) for c in chunks])
    sibling = next(e for e in pool if e.text.startswith("（二）兄弟"))
    assert sibling.intro is None  # its list's intro is in another passage
    assert [r.text[:5] for r in referenced(sibling, None, ComposeOptions(), pool)] == ["（一）配偶"]


LAW = ("第四十二条 出售假冒门票的，给予警告，可以并处五万元以上二十万元以下的罚款；"
       "情节严重的，可以并处二十万元以上八十万元以下的罚款；属于公职人员的，还应当依法给予处分。")


def test_a_quantity_answer_quotes_the_rest_of_its_legal_sentence_when_it_holds_the_asked_figure():
    text = LAW.replace("处分。", "处分" + "，并记入信用记录" * (MAX_SENTENCE_CHARS // 8) + "。")  # cut clause by clause
    chunk = one_passage(text, "law.txt", "门票管理条例")
    first = candidate_sentences([Hit(chunk, 1.0)])[0]
    assert first.text.endswith("五万元以上二十万元以下的罚款；")
    kinds = analyse("罚款是多少？", [], lambda w: True).intent.quantity
    assert [c.text for c in next_clauses(first, kinds)] == ["情节严重的，可以并处二十万元以上八十万元以下的罚款；"]
    assert next_clauses(first, None) == []


def test_a_heading_like_list_item_comes_with_the_sentences_under_it():
    text = ("三、工作思路\n（一）坚持发展思路\n按照要求，实现“五有”服务目标，形成“双联”机制。\n"
            "（二）推进示范走廊建设\n围绕五个评价体系开展工作。")
    answer = answer_one(text, "发展思路具体指哪些内容？", "h.txt", "某区实施意见")
    assert "“五有”服务目标" in answer.text


REPORT = ("某区工作简报\n推行“三项服务”，改进工作方式。一是上门服务。干部每月走访辖区企业和住户，现场办理群众反映的事项。"
          "全区已走访住户一千二百户。二是预约服务。群众可以通过热线电话预约办理时间。三是代办服务。"
          "对行动不便的老人，由社区工作人员代为办理。\n全区今年还将继续推进服务改革。")


def test_items_whose_paragraph_goes_on_are_gathered_by_their_openings():
    # The items' explanations stand on the items' line; the passages cut it anywhere, even
    # inside a sentence, without overlap.
    cuts = [0, REPORT.index("干部每月") + 6, REPORT.index("二是"), REPORT.index("代为办理"), len(REPORT)]
    chunks = [Chunk(id=f"r-{i}", doc="report.txt", title="某区工作简报", text=REPORT[a:b],
                    index_text=normalise(REPORT[a:b]), start=a, end=b, position=i, meta={})
              for i, (a, b) in enumerate(zip(cuts, cuts[1:]))]
    by_pos = {c.position: c for c in chunks}
    lead = next(e for e in candidate_sentences([Hit(chunks[0], 1.0)]) if e.text.startswith("推行"))
    items = list_items(lead, lambda c: by_pos.get(c.position + 1), ComposeOptions())
    assert [i.text for i in items] == ["一是上门服务。", "二是预约服务。", "三是代办服务。"]
    # An unmarked sentence on a line of its own still ends the list.
    lines = REPORT.replace("。干部每月", "。\n干部每月")
    alone = one_passage(lines, "report2.txt", "某区工作简报")
    lead = next(e for e in candidate_sentences([Hit(alone, 1.0)]) if e.text.startswith("推行"))
    assert [i.text for i in list_items(lead, None, ComposeOptions())] == ["一是上门服务。"]


def test_every_item_of_a_long_list_is_gathered_even_a_short_one():
    # Items name what is listed, some in four characters (too short to quote alone), and a
    # law's list runs past ten items.
    kinds = ["房屋租金收入", "稿费", "奖金", "利息收入", "股息", "红利", "财产转让收入", "偶然所得",
             "劳务报酬收入", "特许权使用费", "经营所得", "其他所得"]
    numerals = "一二三四五六七八九十"
    marks = [f"（{numerals[i]}）" if i < 10 else f"（十{numerals[i - 10]}）" for i in range(len(kinds))]
    text = "第三条 下列收入应当申报：\n" + "\n".join(f"{m}{k}；" for m, k in zip(marks, kinds)) + "\n第四条 申报按年办理。"
    chunk = one_passage(text, "kinds.txt", "某市收入申报办法")
    lead = next(e for e in candidate_sentences([Hit(chunk, 1.0)]) if e.text.startswith("第三条"))
    items = list_items(lead, None, ComposeOptions())
    assert [i.text.rstrip("；") for i in items] == [m + k for m, k in zip(marks, kinds)]


def test_a_list_written_without_markers_is_gathered_line_by_line():
    text = ("第二十二条 获得荣誉称号的志愿者，可以凭相关证件享受以下优待：\n免费游览政府投资的公园。\n"
            "免交公立医院普通门诊挂号费。\n免费乘坐城市公共交通工具。\n"
            "第二十三条 本条例自2022年1月1日起施行，此前有关规定与本条例不一致的，以本条例为准，并由市人民政府负责解释。")
    chunk = one_passage(text, "v.txt", "某市志愿服务条例")
    sentences = candidate_sentences([Hit(chunk, 1.0)])
    lead = sentences[0]
    items = list_items(lead, None, ComposeOptions())
    assert [i.text for i in items] == ["免费游览政府投资的公园。", "免交公立医院普通门诊挂号费。", "免费乘坐城市公共交通工具。"]
    # Each line is read with its lead-in, as a marked item is; the next article is not.
    by_text = {e.text: e for e in sentences}
    assert by_text["免费乘坐城市公共交通工具。"].intro is not None
    assert by_text["免费乘坐城市公共交通工具。"].intro.text == lead.text
    assert next(e for e in sentences if e.text.startswith("第二十三条")).intro is None
    # A long line after a colon is a paragraph: no list.
    letter = ("各区人民政府：\n根据国务院有关规定，经市人民政府同意，现将本市二〇二二年元旦、春节、清明节、劳动节、"
              "端午节、中秋节和国庆节放假调休日期的具体安排通知如下，请各单位结合实际认真做好节日期间的值班和安全工作。")
    chunk = one_passage(letter, "n.txt", "某市通知")
    intro = candidate_sentences([Hit(chunk, 1.0)])[0]
    assert list_items(intro, None, ComposeOptions()) == []


def test_items_that_head_paragraphs_are_gathered_to_the_next_section():
    # 「（一）…」 heads paragraphs of its own (two here) before 「（二）…」; the next section
    # (「五、…」, the lead's level) ends the list.
    body = "各街道要结合实际制定具体方案，明确责任分工。年底前完成全面检查。"
    text = ("四、主要工作措施\n（一）强化服务功能\n" + body + "\n" + body + "\n（二）建设服务队伍\n" + body
            + "\n（三）健全组织体系\n" + body + "\n五、组织保障\n各级党组织要加强领导。")
    chunk = one_passage(text, "w.txt", "某区实施意见")
    lead = next(e for e in candidate_sentences([Hit(chunk, 1.0)]) if e.text == "四、主要工作措施")
    items = [i.text for i in list_items(lead, None, ComposeOptions())]
    assert items == ["（一）强化服务功能", "各街道要结合实际制定具体方案，明确责任分工。", "（二）建设服务队伍",
                     "各街道要结合实际制定具体方案，明确责任分工。", "（三）健全组织体系",
                     "各街道要结合实际制定具体方案，明确责任分工。"]


def test_a_list_of_heading_items_ends_at_the_next_part_or_article():
    text = ("第三部分 主要措施\n（一）完善补贴发放\n补贴按季度发放到个人账户。\n第四部分 组织保障\n"
            "（一）压实工作责任\n各街道主要负责人负总责。")
    label = candidate_sentences([Hit(one_passage(text, "plan.txt", "某区补贴工作方案"), 1.0)])[0]
    assert [e.text for e in list_items(label, None, ComposeOptions())] == ["（一）完善补贴发放", "补贴按季度发放到个人账户。"]


def test_measures_numbered_one_two_inside_an_item_are_nested_in_it_not_siblings_of_the_sections():
    text = ("二、主要做法\n（一）选派指导员做联络人。\n一是合理选任。\n二是严格要求。\n"
            "（二）改善民生做暖心人。\n一是开展结对帮扶。\n三、取得的成效\n群众满意度明显提高。")
    label = candidate_sentences([Hit(one_passage(text, "town.txt", "某镇工作案例"), 1.0)])[0].intro
    assert label.text == "二、主要做法"
    quoted = [e.text for e in list_items(label, None, ComposeOptions())]
    assert quoted == ["（一）选派指导员做联络人。", "一是合理选任。", "二是严格要求。", "（二）改善民生做暖心人。",
                      "一是开展结对帮扶。"]


def test_an_item_of_a_short_list_comes_with_the_other_items_of_its_list():
    from retrieval.context_sentences import with_items
    from retrieval.scoring import Scored

    text = ("某市公交乘车办法\n第三条 下列人员可以免费乘车：\n（一）六十五周岁以上老年人；\n（二）持有效证件的现役军人和伤残军人。\n"
            "第四条 本办法自公布之日起施行。")
    chunk = one_passage(text, "bus.txt", "某市公交乘车办法")
    evidence = candidate_sentences([Hit(chunk, 1.0)])
    second = next(e for e in evidence if e.text.startswith("（二）"))
    query = analyse("军人坐公交要钱吗？", [], lambda w: w in normalise(text))
    out = with_items(query, [Scored(second, 0.9, 0.5, frozenset(), 0.9, True)], None, ComposeOptions())
    # The lead-in, then both items in the list's order; the chosen item is the one chosen.
    assert [e.text.split("）")[0] + "）" if e.text.startswith("（") else "intro" for e in out] == [
        "intro", "（一）", "（二）"]
    assert out[2] is second and out[0].text.endswith("下列人员可以免费乘车：")
    # A long list is not read whole for one of its items.
    long_items = ("（一）年满六十五周岁并持有本市老年人优待证的常住居民；\n（二）持有残疾人证的视力残疾和肢体残疾人员；\n"
                  "（三）身高不足一点二米且由成年乘客携带乘车的儿童；\n（四）持有效证件的现役军人、伤残军人和消防救援人员；\n"
                  "（五）经区民政部门认定并持有效证明的最低生活保障家庭成员。\n")
    long = one_passage("某市公交乘车办法\n第三条 下列人员可以免费乘车：\n" + long_items, "bus2.txt", "某市公交乘车办法")
    third = next(e for e in candidate_sentences([Hit(long, 1.0)]) if e.text.startswith("（三）"))
    out = with_items(query, [Scored(third, 0.9, 0.5, frozenset(), 0.9, True)], None, ComposeOptions())
    assert [e.text[:3] for e in out if e.text.startswith("（")][0] == "（三）"
