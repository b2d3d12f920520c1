"""An English question's lead in English (retrieval/english_lead.py)."""

from __future__ import annotations

from answer_inputs import DOC, embedder, fixtures

from core.records import Hit
from core.figures import find_figures, find_quantities
from core.script import normalise
from retrieval.answer import AnswerOptions, extractive_answer
from retrieval.english_lead import english_statement, english_value
from retrieval.query import analyse


def test_an_english_lead_gives_the_value_in_english_beside_the_figure():
    chunks, by_pos, keyword, _ = fixtures()
    vocabulary = lambda w: w in normalise(DOC)  # noqa: E731
    query = analyse("What is the fine for walking a dog without a leash?", [], vocabulary)
    assert query.lang == "en"
    hits = [Hit(c, 1.0) for c in chunks]
    answer = extractive_answer(query, hits, keyword, embedder(), lambda d: DOC,
                               AnswerOptions(threshold=0.0), in_corpus=vocabulary)
    # What is counted, the figure as written with its value in English, the clause it comes from
    # (with the condition it applies under).
    assert answer.text.splitlines()[0] == ("Answer: The fine is 二百元以上五百元以下 (200 to 500 yuan): "
                                           "违反本条例规定，携犬出户未束犬链的，由公安机关责令改正，处二百元以上五百元以下罚款 [1].")


def test_an_english_lead_says_what_a_multiple_multiplies_and_what_a_figure_is_counted_per():
    query = analyse("What is the fine for selling fake tickets?", [], lambda w: True)
    kinds = frozenset({"money", "ratio"})
    clause = "可以并处违法所得二倍以上五倍以下罚款"
    figs = [f for f in find_quantities(normalise(clause)) if f.kind in kinds]
    assert english_statement(clause, figs, query, kinds) == "The fine is 二倍以上五倍以下 (2 to 5 times the illegal gains)"
    clause = "中低收入戶每人每月核發新臺幣六千五百元"
    figs = [f for f in find_quantities(normalise(clause)) if f.kind in kinds]
    assert english_statement(clause, figs, query, kinds).endswith("六千五百元 (NT$6,500) per person per month")


def test_values_in_english_words():
    def value(text: str) -> str:
        norm = normalise(text)
        return english_value(find_quantities(norm)[0], norm)

    assert value("处二万元罚款") == "20,000 yuan"
    assert value("十五日内办结") == "15 days"
    assert value("一分钟内发出指令") == "1 minute" and value("一个工作日内答复") == "1 working day"
    assert value("每月港币三百元") == "HK$300"


def test_a_figure_with_duo_or_yu_is_a_lower_bound_in_english():
    text = "全市共派出300多名干部，收回问卷2000余份，补助资金二万元。"
    values = [english_value(f, text) for f in find_figures(text)]
    assert values == ["more than 300", "more than 2,000", "20,000 yuan"]


def test_a_range_whose_lower_bound_goes_without_its_unit_is_stated_whole():
    query = analyse("What monthly allowance do certified grid workers get?", [], lambda w: True)
    clause = "对持证上岗的网格员每月发放300至500元的岗位补贴"
    figs = [f for f in find_quantities(normalise(clause)) if f.kind == "money"]
    text = english_statement(clause, figs, query, frozenset({"money"}))
    assert text == "The allowance is 300至500元 (300 to 500 yuan) per month"


def test_a_share_english_writes_alike_is_not_repeated():
    query = analyse("By how much is the allowance raised in remote areas?", [], lambda w: True)
    clause = "偏远地区补贴标准提高20%"
    figs = find_quantities(normalise(clause))
    assert english_statement(clause, figs, query, frozenset({"ratio"})) == "The allowance is 20%"


def test_two_figures_the_document_writes_apart_are_no_range():
    query = analyse("What is the new monthly threshold?", [], lambda w: True)
    clause = "起征点由每月三千五百元提高至五千元"  # a change: from one sum to another
    figs = [f for f in find_quantities(normalise(clause)) if f.kind == "money"]
    text = english_statement(clause, figs, query, frozenset({"money"}))
    assert "3,500 to 5,000" not in text
    assert "三千五百元 (3,500 yuan); 五千元 (5,000 yuan)" in text


def test_a_sum_in_another_currency_keeps_its_currency_in_english():
    for text, said in (("资助NT$25,000", "NT$25,000"), ("每人500欧元", "€500"), ("每人600港币", "HK$600")):
        f = next(f for f in find_quantities(text) if f.kind == "money")
        assert english_value(f, text) == said, text
