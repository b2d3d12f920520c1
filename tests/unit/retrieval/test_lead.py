"""The first line of a quantity answer: the clause stating each asked figure (retrieval/lead.py)."""

from __future__ import annotations

from answer_inputs import DOC, ask, one_passage

from core.records import Chunk, Hit
from core.figures import find_quantities
from core.script import normalise
from retrieval.evidence import candidate_sentences
from retrieval.lead import lead_line, with_dates_resolved
from retrieval.query import analyse


def test_a_quantity_answer_leads_with_the_clause_holding_the_figure_and_its_condition():
    answer = ask("携犬出户未束犬链的罚多少钱？")
    assert answer.text.startswith("答：违反本条例规定，携犬出户未束犬链的，由公安机关责令改正，处二百元以上五百元以下罚款。[1]")
    c = answer.citations[0]
    assert DOC[c.start:c.end] == c.quote and "二百元以上五百元以下" in c.display


def test_each_part_of_a_quantity_question_leads_with_its_own_clause():
    text = ("第八条 每次补助一般为三百元，最多不得超过六百元。\n"
            "第九条 两次申领间隔期不得少于九十日。\n（二）未满十二周岁者，应经监护人同意。")
    chunk = one_passage(text, "b.txt", "某市临时补助办法")
    evidence = candidate_sentences([Hit(chunk, 1.0)])
    query = analyse("一次补助多少？两次申领要隔多久？", [], lambda w: True)
    lead = lead_line(query, evidence, evidence)
    assert lead == "答：每次补助一般为三百元，最多不得超过六百元。[1]两次申领间隔期不得少于九十日。[2]\n"


def test_the_lead_clause_is_the_one_naming_what_is_counted_and_a_figure_keeps_its_thousands_comma():
    text = "每月發放2,400元交通津貼，每年合共2.88萬元津貼，領取期限為六個月。"
    chunk = one_passage(text, "c.txt", "交通津貼")
    evidence = candidate_sentences([Hit(chunk, 1.0)])
    query = analyse("全年合共多少？", [], lambda w: True)
    assert lead_line(query, evidence, evidence).startswith("答：每年合共2.88萬元津貼")
    query = analyse("每月發多少？", [], lambda w: True)
    assert lead_line(query, evidence, evidence).startswith("答：每月發放2,400元交通津貼")


def _lead(text: str, question: str) -> str:
    chunk = one_passage(text, "d.txt", "某市补助办法")
    evidence = candidate_sentences([Hit(chunk, 1.0)])
    return lead_line(analyse(question, [], lambda w: True), evidence, evidence)


def test_a_figure_is_quoted_with_the_condition_it_applies_under():
    # The condition (「…的，」) stands before the figure's clause, or holds the figure itself.
    assert _lead("连续工作满十年的，补助标准提高20%。", "补助标准提高多少？") == \
        "答：连续工作满十年的，补助标准提高20%。[1]\n"
    assert _lead("第五条 年满六十周岁的，可以申请生活补贴。", "多少岁可以申请生活补贴？") == \
        "答：年满六十周岁的，可以申请生活补贴。[1]\n"
    # Two cases in one sentence: the figure asked for keeps its own case; the case before it, no
    # bound of a range with it, is another case's figure.
    lead = _lead("第九条 逾期未缴纳的，处五十元罚款；情节严重的，处二百元以上一千元以下罚款。", "情节严重的罚多少？")
    assert lead == "答：情节严重的，处二百元以上一千元以下罚款。[1]\n"
    # Asked about the first case, the lead goes on with the next figure, each with its own case.
    lead = _lead("第九条 逾期未缴纳的，处五十元罚款；情节严重的，处二百元以上一千元以下罚款。", "逾期未缴纳罚多少？")
    assert lead.startswith("答：逾期未缴纳的，处五十元罚款，情节严重的，") and lead.count("逾期未缴纳") == 1


def test_a_figure_of_another_place_than_the_one_asked_is_left_out():
    text = "据统计，北京市对高龄老人每人每月补贴500元，上海市对高龄老人每人每月补贴800元。"
    assert _lead(text, "上海市高龄老人每月补贴多少？") == "答：上海市对高龄老人每人每月补贴800元。[1]\n"
    # The bounds of one range stay together.
    assert _lead("滞纳金为欠缴金额的百分之十以上，百分之三十以下。", "滞纳金比例最高是多少？").count("百分之") == 2


def test_a_figure_in_a_clause_saying_nothing_asked_about_does_not_lead():
    # The number asked for is no figure (K12); the clause with a figure (三年) uses none of the
    # question's words while the other clause does: the sentence leads whole (compose says it).
    text = "第六条 证书编号为K12，有效期三年。"
    assert _lead(text, "证书编号是多少？") == ""
    # The figure's clause using a word asked about leads, said in its part of the sentence.
    assert _lead(text, "有效期是多少？") == "答：证书编号为K12，有效期三年。[1]\n"


def test_a_figure_is_said_with_its_subject_and_what_it_is_for():
    # The subject written before the case (「未满十八周岁的学员，」) stays with the figure.
    text = "第五条 未满十八周岁的学员，自愿报名参加培训的，发给有效期两年的结业证书。"
    assert _lead(text, "未满十八周岁的学员证书有效期几年？") == \
        "答：未满十八周岁的学员，自愿报名参加培训的，发给有效期两年的结业证书。[1]\n"
    # A deadline is said with what must be done by then.
    text = "第六条 学员转入其他机构的，原机构应当自转出之日起十五日内，将学员档案移交新机构。"
    assert _lead(text, "原机构多少天内要移交档案？") == \
        "答：学员转入其他机构的，原机构应当自转出之日起十五日内，将学员档案移交新机构。[1]\n"
    # Up to the next ；: the next part of the sentence is another case.
    text = "第七条 初次申请的，审核期限为十日；再次申请的，审核期限为五日。"
    assert _lead(text, "再次申请审核期限多久？") == "答：再次申请的，审核期限为五日。[1]\n"
    # A long sentence is cut: what stands farthest from the figure goes first.
    text = ("第八条 为了进一步规范本市各类培训机构的办学行为，切实保障参加培训的学员及其家长的合法权益，"
            "促进培训行业持续健康发展，经研究决定，培训机构应当在收到退费申请之日起七日内办理退费，"
            "并将办理结果书面告知学员及其家长。")
    lead = _lead(text, "培训机构多少天内办理退费？")
    assert "收到退费申请之日起七日内办理退费" in lead and "为了进一步规范" not in lead
    assert len(lead) < 100
    # Too long with the case written before a ；: the case goes, and the figure's part keeps the
    # case after the figure with what it leads to (「…未提出异议的，视为…」).
    text = ("第九条 学员申请转入本市其他区县培训机构继续参加同一培训项目的，原机构应当先行公示转出名单；"
            "自公示之日起满二十日，其他学员或者利害关系人未提出异议的，视为同意转出。")
    lead = _lead(text, "公示多少天没有异议视为同意？")
    assert lead.endswith("自公示之日起满二十日，其他学员或者利害关系人未提出异议的，视为同意转出。[1]\n")
    assert "学员申请转入" not in lead


def test_no_quantity_asked_no_lead_clause():
    chunk = one_passage("第八条 每次补助一般为三百元。", "b.txt", "某市临时补助办法")
    evidence = candidate_sentences([Hit(chunk, 1.0)])
    assert lead_line(analyse("补助由谁发放？", [], lambda w: True), evidence, evidence) == ""


def test_shares_written_unit_first_are_quantities():
    # The lead reads figures of the asked kind: a share written 百分之 before its number counts.
    found = find_quantities(normalise("提取逾期费总额的百分之三以上，百分之十五以下"))
    assert [(f.value, f.kind) for f in found] == [(3.0, "ratio"), (15.0, "ratio")]


def test_relative_years_on_the_answer_line_are_read_against_the_document_date():
    dated = Chunk(id="n", doc="n.txt", title="某市通知", text="", index_text="", start=0, end=0, position=0,
                  meta={"date": "2021-05-10"})
    assert with_dates_resolved("今年补贴标准为每人800元，去年为600元。", dated) == \
        "今年（2021年）补贴标准为每人800元，去年（2020年）为600元。"
    assert with_dates_resolved("今年（2021年）起施行。", dated) == "今年（2021年）起施行。"  # said once
    undated = Chunk(id="u", doc="u.txt", title="某市通知", text="", index_text="", start=0, end=0, position=0)
    assert with_dates_resolved("今年起施行。", undated) == "今年起施行。"
    # Months too, across the turn of a year; a month counted from an event stays as written.
    january = Chunk(id="j", doc="j.txt", title="某市通知", text="", index_text="", start=0, end=0, position=0,
                    meta={"date": "2022-01-20"})
    assert with_dates_resolved("上月共发放补贴12万元，本月起按新标准发放，下個月公布名单。", january) == \
        "上月（2021年12月）共发放补贴12万元，本月（2022年1月）起按新标准发放，下個月（2022年2月）公布名单。"
    assert with_dates_resolved("自申请当月起发放。", january) == "自申请当月起发放。"
    year_only = Chunk(id="y", doc="y.txt", title="某市通知", text="", index_text="", start=0, end=0, position=0,
                      meta={"date": "2022"})
    assert with_dates_resolved("上月起施行。", year_only) == "上月起施行。"


def test_a_figure_set_for_a_list_of_cases_is_said_with_the_case_asked_about():
    text = "第九条 有下列行为之一的，由管理部门责令改正，处五十元罚款：\n（一）在公交车厢内吸烟的；\n（二）向车窗外抛物的。"
    chunk = one_passage(text, "bus.txt", "某市公交乘车规定")
    evidence = candidate_sentences([Hit(chunk, 1.0)])
    lead = lead_line(analyse("在公交车厢内吸烟罚多少钱？", [], lambda w: True), evidence, evidence)
    assert lead == "答：有下列行为之一的，由管理部门责令改正，处五十元罚款：（一）在公交车厢内吸烟的。[1][2]\n"
    # No case uses the question's words: the figure's clause alone.
    lead = lead_line(analyse("违反规定罚多少钱？", [], lambda w: True), evidence, evidence)
    assert lead == "答：有下列行为之一的，由管理部门责令改正，处五十元罚款。[1]\n"


def test_range_words_that_join_no_figures_asked_do_not_choose_the_clause():
    # 至 between clock times (and 至今, 达到) makes no range of the year asked for: the clause
    # holding the asked figure first is not passed over for it.
    text = "某市图书馆的前身创办于1958年，1985年起开放时间改为上午9点至下午5点。"
    chunk = one_passage(text, "e.txt", "某市图书馆")
    evidence = candidate_sentences([Hit(chunk, 1.0)])
    lead = lead_line(analyse("某市图书馆最早可以追溯到哪一年？", [], lambda w: True), evidence, evidence)
    assert lead.startswith("答：某市图书馆的前身创办于1958年")
    # A range written with 至 between two sums still counts as one.
    assert _lead("首次申领补助五百元，困难家庭补助一千至三千元。", "困难家庭补助多少？").startswith("答：困难家庭补助一千至三千元")
