"""The answer text: the direct first line, then the quoted evidence by document, each sentence
cited (retrieval/compose.py)."""

from __future__ import annotations

from answer_inputs import DOC, answer_one, fixtures, one_passage

from core.records import Hit
from retrieval.compose import ComposeOptions, compose, ordered
from retrieval.context_sentences import list_items
from retrieval.evidence import candidate_sentences
from retrieval.query import analyse


def test_compose_cites_every_sentence_once_in_order():
    chunks, *_ = fixtures()
    evidence = candidate_sentences([Hit(c, 1.0) for c in chunks])[:2]
    query = analyse("养犬", [], lambda w: True)
    text, citations = compose(query, evidence, lambda d: DOC)
    assert [c.n for c in citations] == [1, 2] and text.count("[1]") == 1 and text.count("[2]") == 1


def test_the_first_line_of_an_answer_is_the_lead_sentence_and_its_citation():
    text = "某区社区工作规定\n社区党组织工作经费由区财政统一保障。\n各街道应当做好宣传工作。\n社区应当公开办事流程。"
    answer = answer_one(text, "社区党组织工作经费由谁保障？", "c.txt", "某区社区工作规定")
    first = answer.text.splitlines()[0]
    assert first.startswith("答：社区党组织工作经费由区财政统一保障。[")
    n = int(first.rsplit("[", 1)[1].rstrip("]"))
    cited = answer.citations[n - 1]
    assert text[cited.start:cited.end] == cited.quote == "社区党组织工作经费由区财政统一保障。"


def test_evidence_is_ordered_by_document_then_by_place_in_it_or_newest_first():
    old = one_passage("第一条 旧办法。\n第二条 旧标准每月三百元。", "old.txt", "某市补贴办法", {"date": "2019-01-01"})
    new = one_passage("第一条 新办法。\n第二条 新标准每月五百元。", "new.txt", "某市补贴办法", {"date": "2024-01-01"})
    o1, o2 = candidate_sentences([Hit(old, 1.0)])
    n1, n2 = candidate_sentences([Hit(new, 1.0)])
    assert ordered([o2, n2, o1, n1]) == [o1, o2, n1, n2]  # the lead's document first
    assert ordered([o2, n2, o1, n1], newer_first=True) == [n1, n2, o1, o2]


def _led_by(text: str, question: str, lead, *others) -> tuple[str, str, str]:
    """(the answer, its first line, the quote of the first sentence the first line cites) when
    `lead` is the best-ranked of the quoted sentences."""
    answer, citations = compose(analyse(question, [], lambda w: True), [lead, *others], lambda d: text,
                                best_first=[lead])
    line = answer.splitlines()[0]
    return answer, line, citations[int(line.split("[", 1)[1].split("]", 1)[0]) - 1].quote


def test_a_case_of_a_list_leads_together_with_the_sentence_saying_what_happens_in_it():
    text = "第九条 有下列行为之一的，由管理部门责令改正，处五十元罚款：\n（一）在公交车厢内吸烟的；\n（二）向车窗外抛物的。"
    chunk = one_passage(text, "bus.txt", "某市公交乘车规定")
    intro, case, other = candidate_sentences([Hit(chunk, 1.0)])
    assert case.intro is not None
    first, line, cited = _led_by(text, "在公交车厢内吸烟会怎样？", case, other)
    # The case alone does not say the fine: its list's introduction leads with it, cited.
    assert line.startswith("答：第九条 有下列行为之一的") and "（一）在公交车厢内吸烟的；" in line
    assert cited.startswith("第九条 有下列行为之一的")
    assert first.count("处五十元罚款") == 1
    # A lead that is no case stands alone.
    plain = analyse("向车窗外抛物会怎样？", [], lambda w: True)
    first, _ = compose(plain, [intro, other], lambda d: text, best_first=[intro])
    assert first.splitlines()[0].startswith("答：第九条")


def test_a_measure_of_a_list_leads_with_the_sentence_saying_when_it_is_taken():
    text = ("第十二条 申请人逾期不补交材料的，受理机关可以采取下列措施：\n（一）书面催告申请人；\n"
            "（二）终止办理并退回申请。\n第十三条 申请表可以在网上下载。")
    chunk = one_passage(text, "apply.txt", "某市补贴申领规定")
    intro, first_item, second_item, other = candidate_sentences([Hit(chunk, 1.0)])
    assert second_item.intro is not None
    _, line, cited = _led_by(text, "逾期不补交材料会怎样？", second_item, other)
    # The measure alone says neither when nor by whom: the list's introduction leads with it.
    assert line.startswith("答：第十二条 申请人逾期不补交材料的") and "（二）终止办理并退回申请。" in line
    assert cited.startswith("第十二条 申请人逾期不补交材料的")


def test_a_short_list_is_said_on_its_lead_in_s_line_and_a_long_one_under_it():
    short = "第三条 申请时应当提交下列材料：\n（一）身份证；\n（二）户口簿；\n（三）结婚证。\n第四条 材料齐全的当场受理。"
    chunk = one_passage(short, "apply.txt", "某市登记办法")
    intro = candidate_sentences([Hit(chunk, 1.0)])[0]
    items = list_items(intro, None, ComposeOptions())
    query = analyse("申请要提交哪些材料？", [], lambda w: True)
    answer, citations = compose(query, [intro, *items], lambda d: short, as_list=True, best_first=[intro])
    line = answer.splitlines()[0]
    assert line == "答：第三条 申请时应当提交下列材料：[1]（一）身份证；[2]（二）户口簿；[3]（三）结婚证。[4]"
    assert answer == line and [c.quote for c in citations][1] == "（一）身份证；"
    # Items too long to read on one line stay a list under their lead-in.
    long_items = [f"（{n}）{'申请人应当如实填写申请表并由所在社区居民委员会出具书面证明材料' * 4}；" for n in "一二三"]
    text = "第三条 申请时应当提交下列材料：\n" + "\n".join(long_items)
    chunk = one_passage(text, "apply2.txt", "某市登记办法")
    intro = candidate_sentences([Hit(chunk, 1.0)])[0]
    items = list_items(intro, None, ComposeOptions())
    answer, _ = compose(query, [intro, *items], lambda d: text, as_list=True, best_first=[intro])
    assert answer.splitlines()[0] == "答：第三条 申请时应当提交下列材料：[1]" and answer.count("\n- （") == 3


def test_a_list_asked_for_is_said_on_its_lead_in_s_line_when_longer_ones_would_not_be():
    middle = [f"（{n}）{'申请人应当如实填写申请表并由所在社区居民委员会出具书面证明材料'}；" for n in "一二三四"]
    text = "第三条 申请时应当提交下列材料：\n" + "\n".join(middle)
    chunk = one_passage(text, "apply3.txt", "某市登记办法")
    intro = candidate_sentences([Hit(chunk, 1.0)])[0]
    items = list_items(intro, None, ComposeOptions())
    assert 120 < sum(len(i.text) for i in items) <= 300
    asked, _ = compose(analyse("申请要提交哪些材料？", [], lambda w: True), [intro, *items], lambda d: text,
                       as_list=True, best_first=[intro])
    assert asked.splitlines()[0].endswith("（四）申请人应当如实填写申请表并由所在社区居民委员会出具书面证明材料；[5]")
    other, _ = compose(analyse("申请时的材料有什么规定？", [], lambda w: True), [intro, *items], lambda d: text,
                       as_list=False, best_first=[intro])
    assert other.splitlines()[0] == "答：第三条 申请时应当提交下列材料：[1]"


def test_an_item_leading_with_its_lead_in_brings_the_rest_of_a_short_list_onto_the_line():
    text = "第三条 申请时应当提交下列材料：\n（一）本人身份证；\n（二）本人户口簿；\n（三）本人结婚证明。\n第四条 材料齐全的当场受理。"
    chunk = one_passage(text, "apply.txt", "某市登记办法")
    intro, *items, _ = candidate_sentences([Hit(chunk, 1.0)])
    assert items[0].intro is not None
    query = analyse("申请要带身份证吗？", [], lambda w: True)
    answer, _ = compose(query, [intro, *items], lambda d: text, best_first=[items[0]])
    # The item leads with its lead-in, and the short list it belongs to is said whole, in order.
    assert answer == "答：第三条 申请时应当提交下列材料：[1]（一）本人身份证；[2]（二）本人户口簿；[3]（三）本人结婚证明。[4]"


def test_the_lead_in_names_an_article_only_when_every_sentence_under_it_stands_in_it():
    text = ("第五条 补贴按月发放。\n发放前应当公示。\n第六条 补贴资金由区财政承担。\n"
            "第七条 本办法自发布之日起施行。")
    chunk = one_passage(text, "pay.txt", "某区补贴办法")
    chunk = type(chunk)(**{**chunk.__dict__, "heading": "第五条"})
    monthly, notice, funds, _ = candidate_sentences([Hit(chunk, 1.0)])
    query = analyse("补贴怎么发？", [], lambda w: True)
    answer, citations = compose(query, [monthly, notice, funds], lambda d: text, best_first=[monthly])
    # The passage's heading is its first article's; the third sentence stands in the next one.
    assert [c.heading for c in citations] == ["第五条", "第五条", "第六条"]
    assert answer.splitlines()[1].startswith("根据《某区补贴办法》：")
    answer, _ = compose(query, [monthly, notice], lambda d: text, best_first=[monthly])
    assert answer.splitlines()[1].startswith("根据《某区补贴办法》 第五条：")


def test_a_section_label_leads_with_the_headings_of_its_items_and_their_paragraphs_follow():
    text = ("第三部分 主要措施\n（一）完善补贴发放\n补贴按季度发放到个人账户，发放前公示七天。\n"
            "（二）加强资金监管\n区财政局每半年检查一次资金使用情况。\n第四部分 组织保障\n（一）压实工作责任\n"
            "各街道主要负责人负总责。")
    chunk = one_passage(text, "plan.txt", "某区补贴工作方案")
    found = candidate_sentences([Hit(chunk, 1.0)])
    label = found[0]
    items = list_items(label, None, ComposeOptions())
    query = analyse("补贴工作有哪些主要措施？", [], lambda w: True)
    answer, citations = compose(query, [label, *items], lambda d: text, as_list=True, best_first=[label])
    first, *body = answer.splitlines()
    assert first == "答：第三部分 主要措施[1]：（一）完善补贴发放[2]；（二）加强资金监管[4]。"
    # The headings stay above their paragraphs below the summary; the next section is not said.
    assert "（一）完善补贴发放[2]" in body[1] and "补贴按季度发放" in body[2] and "压实工作责任" not in answer


def test_a_list_asked_is_led_by_the_sentence_announcing_the_list():
    text = ("第十二条 本市设立绿化发展基金。基金应当用于：\n（一）古树名木的养护；\n（二）社区绿地的改造；\n"
            "（三）其他绿化事项。")
    chunk = one_passage(text, "green.txt", "某市绿化条例")
    opening, intro, *items = candidate_sentences([Hit(chunk, 1.0)])
    assert intro.text.endswith("：") and len(items) == 3
    query = analyse("绿化发展基金可以用在哪些地方？", [], lambda w: True)
    assert query.intent.wants_list
    answer, citations = compose(query, [opening, intro, *items], lambda d: text, as_list=True, best_first=[opening])
    line = answer.splitlines()[0]
    cited = citations[int(line.split("[", 1)[1].split("]", 1)[0]) - 1].quote
    # The article's opening names the fund; the lead-in and its items say what was asked.
    assert cited == "基金应当用于：" and "（一）古树名木的养护；" in line
    assert "本市设立绿化发展基金。" in answer  # still quoted, below the first line
    # A question asking no list keeps the best-ranked sentence first.
    _, line, cited = _led_by(text, "本市设立了什么基金？", opening, intro, *items)
    assert cited.startswith("第十二条 本市设立绿化发展基金")
