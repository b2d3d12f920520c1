"""Unit tests of the answer stages on tiny synthetic passages, with a deterministic fake
embedder (character-bigram hashing): evidence, scoring, decision, composition, citations."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
from langchain_core.embeddings import Embeddings

from core.records import Chunk, Hit
from core.zh import normalise
from retrieval.answer import AnswerOptions, extractive_answer
from retrieval.compose import ComposeOptions, compose
from retrieval.context_sentences import list_items
from retrieval.decision import decide, features
from retrieval.evidence import candidate_sentences
from retrieval.keyword import KeywordIndex
from retrieval.query import analyse
from retrieval.scoring import TermWeights, score_sentences, term_weights


class BigramEmbeddings(Embeddings):
    """Deterministic: a unit vector of hashed character bigrams of the normalised text."""

    def _one(self, text: str) -> list[float]:
        v = np.zeros(256)
        t = normalise(text)
        for i in range(len(t) - 1):
            v[int(hashlib.md5(t[i:i + 2].encode()).hexdigest(), 16) % 256] += 1
        n = np.linalg.norm(v)
        return (v / n if n else v).tolist()

    def embed_documents(self, texts):
        return [self._one(t) for t in texts]

    def embed_query(self, text):
        return self._one(text)


DOC = ("某市养犬管理条例\n2021年8月26日\n第十五条 违反本条例规定，携犬出户未束犬链的，由公安机关责令改正，"
       "处二百元以上五百元以下罚款。\n第十六条 养犬人应当遵守下列规定：\n（一）为犬只办理登记；\n"
       "（二）按时接种狂犬病疫苗；\n（三）及时清除犬粪。\n第十七条 本条例自公布之日起施行。")


def chunks_of(text: str, cut: int, doc: str = "dogs.txt", title: str = "某市养犬管理条例") -> list[Chunk]:
    parts = [(0, cut), (cut, len(text))]
    return [Chunk(id=f"{doc}-{i}", doc=doc, title=title, text=text[a:b], index_text=normalise(text[a:b]),
                  start=a, end=b, position=i, meta={"date": "2021-08-26"}) for i, (a, b) in enumerate(parts)]


def one_passage(text: str, doc: str, title: str, meta: dict | None = None) -> Chunk:
    """A document of one passage."""
    return Chunk(id=doc, doc=doc, title=title, text=text, index_text=normalise(text), start=0,
                 end=len(text), position=0, meta=meta or {})


def fixtures(cut: int | None = None):
    cut = cut or DOC.index("（二）")
    chunks = chunks_of(DOC, cut)
    by_pos = {c.position: c for c in chunks}
    keyword = KeywordIndex(chunks)
    vocabulary = lambda w: keyword.has(w) or w in normalise(DOC)  # noqa: E731
    return chunks, by_pos, keyword, vocabulary


def ask(question: str, threshold: float = 0.0):
    chunks, by_pos, keyword, vocabulary = fixtures()
    query = analyse(question, [], vocabulary)
    hits = [Hit(c, 1.0 - 0.1 * i) for i, c in enumerate(chunks)]
    return extractive_answer(query, hits, keyword, BigramEmbeddings(), lambda d: DOC,
                             AnswerOptions(threshold=threshold),
                             next_chunk=lambda c: by_pos.get(c.position + 1),
                             in_corpus=lambda t: t in normalise(DOC))


def test_evidence_leaves_out_datelines_and_title_and_neutralises_markers():
    chunk = Chunk(id="x", doc="d.txt", title="某市养犬管理条例", start=0, end=60, position=0,
                  text="某市养犬管理条例\n2021年8月26日\n见上文[1]所述的登记办法，应当按期办理。",
                  index_text="")
    texts = [e.text for e in candidate_sentences([Hit(chunk, 1.0)])]
    assert texts == ["见上文［1］所述的登记办法，应当按期办理。"]


def test_a_sentence_cut_at_the_passage_boundary_is_completed_from_the_next():
    cut = DOC.index("处二百元")
    chunks, by_pos, *_ = fixtures(cut)
    evidence = candidate_sentences([Hit(chunks[0], 1.0)], next_chunk=lambda c: by_pos.get(c.position + 1))
    last = evidence[-1]
    assert last.text.endswith("处二百元以上五百元以下罚款。")
    start, end = last.source_span()
    assert DOC[start:end] == last.text


def test_words_the_corpus_lacks_count_as_uncovered():
    _, _, keyword, vocabulary = fixtures()
    query = analyse("国庆节放假几天？", [], vocabulary)
    weights = term_weights(query, keyword, lambda t: t in normalise(DOC))
    assert weights.absent_share() == 1.0 and not weights.present


def test_figures_of_the_asked_kind_are_preferred():
    chunks, _, keyword, vocabulary = fixtures()
    query = analyse("未束犬链罚多少钱？", [], vocabulary)
    weights = term_weights(query, keyword, lambda t: t in normalise(DOC))
    scored = score_sentences(query, candidate_sentences([Hit(c, 1.0) for c in chunks]), weights,
                             BigramEmbeddings())
    best = max(scored, key=lambda s: s.score)
    assert "二百元以上五百元以下" in best.evidence.text and best.figure_fit


def test_the_decision_declines_with_the_reason_that_pulled_the_score_down():
    chunks, _, keyword, vocabulary = fixtures()
    model = {"features": ["absent_share", "lead_prob"], "coef": [-3.0, 1.0], "intercept": 0.0,
             "mean": [0.0, 0.0], "scale": [1.0, 1.0], "threshold": 0.5}
    query = analyse("国庆节放假几天？", [], vocabulary)
    weights = term_weights(query, keyword, lambda t: t in normalise(DOC))
    scored = score_sentences(query, candidate_sentences([Hit(c, 1.0) for c in chunks]), weights,
                             BigramEmbeddings())
    decision = decide(query, weights, scored[:1], [], model=model)
    assert not decision.answer and "国庆节" in decision.reason
    assert dict(decision.features)["absent_share"] == 1.0
    assert set(features(query, weights, scored[:1], [])) >= {"lead_prob", "dense_best", "figure_missing"}


def _signals(question: str, docs_text: str = DOC):
    chunks, _, keyword, vocabulary = fixtures()
    query = analyse(question, [], vocabulary)
    weights = term_weights(query, keyword, lambda t: t in normalise(docs_text))
    scored = score_sentences(query, candidate_sentences([Hit(c, 1.0) for c in chunks]), weights,
                             BigramEmbeddings())
    chosen = sorted(scored, key=lambda s: -s.score)[:2]
    return features(query, weights, chosen, [], mentions=lambda doc, term: term in normalise(docs_text))


def test_an_asked_figure_is_found_whatever_sentence_it_stands_in():
    # The fine is asked for: its sentence covers the question's words and holds the figure.
    fine = _signals("携犬出户未束犬链的罚多少钱？")
    # A vaccination fee is asked for: the passage's only money figure stands beside other words;
    # whether it answers is the ranker's call (its coverage and similarity), not a rule's.
    fee = _signals("接种狂犬病疫苗要交多少钱？")
    assert fine["figure_missing"] == 0.0 and fine["coverage_all"] == pytest.approx(1.0)
    # Both chosen passages hold every word of its question the documents use (coverage 1.0 for
    # both, equal up to the order a frozenset sums its weights in, which the hash seed decides);
    # what sets the fee question apart is a word no document uses (要交).
    assert fee["absent_share"] > fine["absent_share"]
    assert fee["figure_missing"] == 0.0  # a money figure exists, just not about the vaccine


def test_a_figure_said_of_another_kind_of_sum_does_not_answer_a_money_question():
    text = "某市宠物管理办法\n第三条 未绝育犬只登记费每只三百元。\n第四条 主管机关可以补助流浪猫绝育手术的费用。"
    chunk = one_passage(text, "pets.txt", "某市宠物管理办法")
    keyword = KeywordIndex([chunk])
    query = analyse("流浪猫做绝育手术补助多少钱？", [], lambda w: keyword.has(w) or w in normalise(text))
    weights = term_weights(query, keyword, lambda t: t in normalise(text))
    scored = score_sentences(query, candidate_sentences([Hit(chunk, 1.0)]), weights, BigramEmbeddings())
    fee = next(s for s in scored if "登记费" in s.evidence.text)
    assert not fee.figure_fit  # the fee is money, but not the subsidy asked for
    assert features(query, weights, scored, [])["figure_missing"] == 1.0
    fee_query = analyse("犬只登记费每只多少钱？", [], lambda w: keyword.has(w) or w in normalise(text))
    fee_scored = score_sentences(fee_query, candidate_sentences([Hit(chunk, 1.0)]),
                                 term_weights(fee_query, keyword, lambda t: t in normalise(text)), BigramEmbeddings())
    assert next(s for s in fee_scored if "登记费" in s.evidence.text).figure_fit


def test_a_sentence_referring_to_the_paragraph_before_carries_its_figure():
    chunks = list_chunks([(0, len(LISTS))])
    keyword = KeywordIndex(chunks)
    query = analyse("赞助要达多少元才给予通报表扬？", [], lambda w: keyword.has(w) or w in normalise(LISTS))
    weights = term_weights(query, keyword, lambda t: t in normalise(LISTS))
    scored = score_sentences(query, candidate_sentences([Hit(chunks[0], 1.0)]), weights, BigramEmbeddings())
    assert next(s for s in scored if s.evidence.text.startswith("赞助达前项")).figure_fit


def _status_answer(question: str, meta: dict):
    text = "某县停车收费管理办法\n法规类别：废止法规\n第一条 为规范停车收费，制定本办法。\n第二条 本办法自发布日施行。"
    chunk = one_passage(text, "parking.txt", "某县停车收费管理办法", meta)
    keyword = KeywordIndex([chunk])
    query = analyse(question, [], lambda w: keyword.has(w) or w in normalise(text))
    return extractive_answer(query, [Hit(chunk, 1.0)], keyword, BigramEmbeddings(), lambda d: text,
                             AnswerOptions(threshold=0.0), in_corpus=lambda t: t in normalise(text))


def test_a_validity_question_leads_with_the_documents_status_cited_by_the_sentence_stating_it():
    repealed = _status_answer("某县停车收费管理办法如今是否有效？", {"date": "2024-03-08", "repealed": "2024-03-08"})
    assert repealed.text.startswith("答：《某县停车收费管理办法》已废止（2024-03-08）。[1]")
    assert repealed.citations[0].quote == "法规类别：废止法规"
    in_force = _status_answer("某县停车收费管理办法如今是否有效？", {"date": "2020-01-01", "effective": "2020-01-01"})
    assert in_force.text.startswith("答：《某县停车收费管理办法》自2020-01-01起施行")
    cited = in_force.citations[int(in_force.text.split("[", 1)[1][0]) - 1]
    assert "施行" in cited.quote
    # Neither recorded: no status is claimed.
    assert not _status_answer("某县停车收费管理办法如今是否有效？", {"date": "2020-01-01"}).text.startswith("答：《")


def test_a_validity_question_about_a_text_with_a_newer_version_says_it_was_superseded():
    old_text = "某县停车收费管理办法\n第一条 为规范停车收费，制定本办法。\n第二条 本办法自发布日施行。"
    new_text = "某县停车收费管理办法（2023年修订）\n第一条 停车收费标准每两年评估一次。\n第二条 本办法自发布日施行。"
    old = one_passage(old_text, "parking2018.txt", "某县停车收费管理办法", {"date": "2018-05-01", "effective": "2018-05-01"})
    new = one_passage(new_text, "parking2023.txt", "某县停车收费管理办法（2023年修订）", {"date": "2023-07-01", "effective": "2023-07-01"})
    keyword = KeywordIndex([old, new])
    both = old_text + new_text
    query = analyse("某县停车收费管理办法如今是否有效？", [], lambda w: keyword.has(w) or w in normalise(both))
    answer = extractive_answer(query, [Hit(old, 1.0), Hit(new, 0.9)], keyword, BigramEmbeddings(),
                               lambda d: old_text if d == "parking2018.txt" else new_text,
                               AnswerOptions(threshold=0.0), in_corpus=lambda t: t in normalise(both))
    first = answer.text.splitlines()[0]
    assert "未见其废止" not in first and "较新的版本《某县停车收费管理办法（2023年修订）》（2023-07-01）" in first
    # The newer version alone: in force, no repeal recorded.
    alone = extractive_answer(query, [Hit(new, 1.0)], keyword, BigramEmbeddings(), lambda d: new_text,
                              AnswerOptions(threshold=0.0), in_corpus=lambda t: t in normalise(both))
    assert "未见其废止" in alone.text.splitlines()[0]


def test_a_year_the_dated_document_never_names_counts_as_missing():
    assert _signals("2021年未束犬链罚多少钱？")["year_missing"] == 0.0
    assert _signals("2035年未束犬链罚多少钱？")["year_missing"] == 1.0


def test_a_version_asked_by_its_year_is_matched_by_the_document_date_only():
    # The text names 2019 (as a revision note of another version would); its date is 2021.
    text = DOC + "\n本条例2019年曾作修改。"
    assert _signals("2019年未束犬链罚多少钱？", text)["year_missing"] == 0.0
    assert _signals("2019年版条例对未束犬链罚多少钱？", text)["year_missing"] == 1.0
    assert _signals("2021年版条例对未束犬链罚多少钱？", text)["year_missing"] == 0.0


def test_a_version_year_is_matched_by_the_leads_document_not_by_another_chosen_one():
    from retrieval.scoring import Scored

    old = _dated("fines-2017.txt", "2017-11-04", "情节严重的，对单位处五千元以上十万元以下的罚款。")
    other = _dated("parking-2022.txt", "2022-08-22", "情节严重的，处一万元以上五万元以下罚款。")
    keyword = KeywordIndex([old, other])
    query = analyse("2022年修订的条例，情节严重的罚款最高多少？", [], keyword.has)
    weights = term_weights(query, keyword, keyword.has)
    evidence = candidate_sentences([Hit(old, 1.0), Hit(other, 0.9)])
    scored = score_sentences(query, evidence, weights, BigramEmbeddings())
    lead = next(s for s in scored if s.evidence.chunk is old)
    side = next(s for s in scored if s.evidence.chunk is other)
    chosen = [Scored(lead.evidence, 1.0, lead.coverage, lead.covered, lead.dense, lead.figure_fit),
              Scored(side.evidence, 0.5, side.coverage, side.covered, side.dense, side.figure_fit)]
    assert features(query, weights, chosen, [])["year_missing"] == 1.0  # the 2017 version leads


def test_words_qualifying_the_asked_quantity_are_answered_by_the_figure():
    chunks, _, keyword, vocabulary = fixtures()
    query = analyse("携犬出户未束犬链最高罚多少钱？", [], vocabulary)
    weights = term_weights(query, keyword, lambda t: t in normalise(DOC) or t == "最高")
    assert not any("最高" in g for g in weights.present) and "最高" not in weights.absent
    plain = analyse("最高人民法院在哪里？", [], vocabulary)  # no quantity asked: a word like any other
    assert any("最高" in g for g in term_weights(plain, keyword, lambda t: t == "最高").present)


def test_a_follow_up_is_not_declined_for_a_name_only_its_earlier_turn_used():
    chunks, _, keyword, vocabulary = fixtures()
    history = [{"role": "user", "content": "What did Zorblax Quentin say about dogs?"},
               {"role": "assistant", "content": "Dogs must be leashed."}]
    follow_up = analyse("And what about the fine?", history, vocabulary)
    asked = analyse("What fine did Zorblax Quentin set?", [], vocabulary)
    assert follow_up.unknown and asked.unknown  # the rewrite carries the name along
    weights = term_weights(follow_up, keyword, lambda t: t in normalise(DOC))
    scored = score_sentences(follow_up, candidate_sentences([Hit(c, 1.0) for c in chunks]), weights,
                             BigramEmbeddings())
    assert features(follow_up, weights, scored[:1], [])["unknown_name"] == 0.0
    weights = term_weights(asked, keyword, lambda t: t in normalise(DOC))
    scored = score_sentences(asked, candidate_sentences([Hit(c, 1.0) for c in chunks]), weights,
                             BigramEmbeddings())  # scored against the asked question's own words
    assert features(asked, weights, scored[:1], [])["unknown_name"] == 1.0


def test_the_best_sentence_of_another_document_is_a_signal_of_its_own():
    chunks, _, keyword, vocabulary = fixtures()
    other = Chunk(id="cats-0", doc="cats.txt", title="某市养猫须知", text="养猫人应当为猫接种疫苗。",
                  index_text=normalise("养猫人应当为猫接种疫苗。"), start=0, end=12, position=0)
    query = analyse("携犬出户未束犬链的罚多少钱？", [], vocabulary)
    weights = term_weights(query, keyword, lambda t: t in normalise(DOC))
    scored = score_sentences(query, candidate_sentences([Hit(c, 1.0) for c in chunks + [other]]),
                             weights, BigramEmbeddings())
    best = max((s for s in scored if s.evidence.chunk.doc == "dogs.txt"), key=lambda s: s.score)
    rival = max(s.score for s in scored if s.evidence.chunk.doc == "cats.txt")
    x = features(query, weights, [best], [], scored=scored)
    assert x["lead_prob"] == best.score and x["other_doc_prob"] == rival


def test_a_quantity_answer_leads_with_the_clause_holding_the_figure():
    answer = ask("携犬出户未束犬链的罚多少钱？")
    assert answer.text.startswith("答：处二百元以上五百元以下罚款。[1]")
    c = answer.citations[0]
    assert DOC[c.start:c.end] == c.quote and "二百元以上五百元以下" in c.display


def test_an_english_lead_gives_the_value_in_english_beside_the_figure():
    chunks, by_pos, keyword, _ = fixtures()
    vocabulary = lambda w: w in normalise(DOC)  # noqa: E731
    query = analyse("What is the fine for walking a dog without a leash?", [], vocabulary)
    assert query.lang == "en"
    hits = [Hit(c, 1.0) for c in chunks]
    answer = extractive_answer(query, hits, keyword, BigramEmbeddings(), lambda d: DOC,
                               AnswerOptions(threshold=0.0), in_corpus=vocabulary)
    # What is counted, the figure as written with its value in English, the clause it comes from.
    assert answer.text.splitlines()[0] == \
        "Answer: The fine is 二百元以上五百元以下 (200 to 500 yuan): 处二百元以上五百元以下罚款 [1]."


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


def test_compose_cites_every_sentence_once_in_order():
    chunks, *_ = fixtures()
    evidence = candidate_sentences([Hit(c, 1.0) for c in chunks])[:2]
    query = analyse("养犬", [], lambda w: True)
    text, citations = compose(query, evidence, lambda d: DOC)
    assert [c.n for c in citations] == [1, 2] and text.count("[1]") == 1 and text.count("[2]") == 1


# ------------------------------------------------------------------ lists and references
LISTS = ("某市献血条例\n第二条 献血者须符合下列条件：\n一、年龄：\n（一）十八周岁以上、六十周岁以下者，可以献血。\n"
         "（二）未满十八周岁者，应经监护人同意。\n（三）超过六十周岁者，应经医师同意。\n二、体重：\n"
         "（一）男性五十公斤以上。\n第三条 献血者的亲属用血，按照下列规定免交费用：\n"
         "（一）配偶和子女，按照献血量的两倍免交费用；\n（二）兄弟姐妹，享受第一项规定的待遇。\n"
         "第四条 本办法所称一定数额，系指一千二百元以上。\n赞助达前项数额的，给予通报表扬。\n"
         "第五条 执行机关提拨罚款总额的百分之五以上，百分之二十以下作为奖金。")


def list_chunks(cuts: list[tuple[int, int]]) -> list[Chunk]:
    return [Chunk(id=f"blood-{i}", doc="blood.txt", title="某市献血条例", text=LISTS[a:b],
                  index_text=normalise(LISTS[a:b]), start=a, end=b, position=i, meta={"date": "2020-01-01"})
            for i, (a, b) in enumerate(cuts)]


def test_list_items_run_on_into_an_overlapping_passage_without_repeats():
    mid = LISTS.index("（二）未满")
    overlap = LISTS.index("（一）十八")
    chunks = list_chunks([(0, mid), (overlap, len(LISTS))])
    by_pos = {c.position: c for c in chunks}
    lead = next(e for e in candidate_sentences([Hit(chunks[0], 1.0)]) if e.text.startswith("（一）十八")).intro
    assert lead.text == "一、年龄："
    items = list_items(lead, lambda c: by_pos.get(c.position + 1), ComposeOptions())
    # The items of 「一、年龄：」 only: 「二、体重：」 is the next item of the outer list.
    assert [i.text[:5] for i in items] == ["（一）十八", "（二）未满", "（三）超过"]
    for i in items:
        start, end = i.chunk.source_span(i.a, i.b)
        assert LISTS[start:end] == i.text


def test_a_list_item_is_scored_and_quoted_with_the_labels_introducing_it():
    chunks = list_chunks([(0, len(LISTS))])
    evidence = candidate_sentences([Hit(chunks[0], 1.0)])
    item = next(e for e in evidence if e.text.startswith("（二）未满"))
    assert item.intro.text == "一、年龄：" and item.intro.intro.text.endswith("下列条件：")
    query = analyse("几岁可以献血？", [], lambda w: w in normalise(LISTS))
    answer = extractive_answer(query, [Hit(chunks[0], 1.0)], KeywordIndex(chunks), BigramEmbeddings(),
                               lambda d: LISTS, AnswerOptions(threshold=0.0),
                               in_corpus=lambda t: t in normalise(LISTS))
    # Whichever item leads, the whole 年龄 list is quoted, and the answer line is about age.
    for part in ("十八周岁以上、六十周岁以下", "未满十八周岁", "超过六十周岁"):
        assert part in answer.text
    assert "周岁" in answer.text.splitlines()[0] and "公斤" not in answer.text.splitlines()[0]


def test_a_label_without_a_colon_announces_the_items_after_it():
    text = "主要预期目标\n●地区生产总值增长5%以上\n●城镇新增就业110万人以上\n其他工作另行部署。"
    chunk = one_passage(text, "r.txt", "报告")
    lead = candidate_sentences([Hit(chunk, 1.0)])[0]
    assert lead.text == "主要预期目标"
    items = list_items(lead, None, ComposeOptions())
    assert [i.text for i in items] == ["●地区生产总值增长5%以上", "●城镇新增就业110万人以上"]


def test_a_sentence_comes_with_the_item_or_paragraph_it_refers_to():
    from retrieval.context_sentences import referenced

    chunks = list_chunks([(0, len(LISTS))])
    evidence = candidate_sentences([Hit(chunks[0], 1.0)])
    sibling = next(e for e in evidence if e.text.startswith("（二）兄弟"))
    assert [r.text[:5] for r in referenced(sibling, None, ComposeOptions())] == ["（一）配偶"]
    paragraph = next(e for e in evidence if e.text.startswith("赞助达前项"))
    assert [r.text for r in referenced(paragraph, None, ComposeOptions())] == ["第四条 本办法所称一定数额，系指一千二百元以上。"]


def test_shares_written_unit_first_are_quantities():
    from core.zh import find_quantities

    found = find_quantities(normalise("提拨罚款总额的百分之五以上，百分之二十以下"))
    assert [(f.value, f.kind) for f in found] == [(5.0, "ratio"), (20.0, "ratio")]


# ------------------------------------------------------------------ clauses and comparisons
LAW = ("第四十二条 授意他人伪造会计凭证的，给予警告，可以并处二十万元以上一百万元以下的罚款；"
       "情节严重的，可以并处一百万元以上五百万元以下的罚款；属于公职人员的，还应当依法给予处分。")


def test_a_quantity_answer_quotes_the_rest_of_its_legal_sentence_when_it_holds_the_asked_figure():
    from retrieval.context_sentences import next_clauses
    from core.zh import MAX_SENTENCE_CHARS, asked_quantity

    text = LAW.replace("处分。", "处分" + "，并记入信用记录" * (MAX_SENTENCE_CHARS // 8) + "。")  # cut clause by clause
    chunk = one_passage(text, "law.txt", "会计法")
    first = candidate_sentences([Hit(chunk, 1.0)])[0]
    assert first.text.endswith("二十万元以上一百万元以下的罚款；")
    kinds = asked_quantity("罚款是多少")
    assert [c.text for c in next_clauses(first, kinds)] == ["情节严重的，可以并处一百万元以上五百万元以下的罚款；"]
    assert next_clauses(first, None) == []


def _dated(doc: str, date: str, text: str) -> Chunk:
    return one_passage(text, doc, "某市补贴办法", meta={"date": date})


def test_a_question_naming_two_years_quotes_each_years_document():
    from retrieval.answer import comparison_sides, compared_evidence
    from retrieval.scoring import Scored

    old = _dated("old.txt", "2019-03-01", "每月补贴三百元。")
    new = _dated("new.txt", "2024-09-01", "每月补贴五百元。")
    other = _dated("other.txt", "2024-01-01", "办理地点在市民中心。")
    query = analyse("2019年和2024年每月补贴各是多少？", [], lambda w: True)
    hits = [Hit(new, 1.0), Hit(other, 0.9), Hit(old, 0.8)]
    sides = comparison_sides(query, hits, None)
    assert sides == [frozenset({"old.txt"}), frozenset({"new.txt", "other.txt"})]
    scored = [Scored(e, 1.0 - 0.1 * i, 0.5, frozenset(), 0.9, "元" in e.text)
              for i, e in enumerate(candidate_sentences(hits))]
    chosen = [s for s in scored if s.evidence.chunk.doc == "new.txt"]
    added = compared_evidence(query, chosen, scored, sides, AnswerOptions())
    assert [s.evidence.chunk.doc for s in added] == ["old.txt"]


def test_an_item_naming_a_sibling_by_number_brings_it_from_the_retrieved_passages():
    from retrieval.context_sentences import referenced

    first = LISTS.index("（一）配偶")
    chunks = list_chunks([(0, first), (first, LISTS.index("（二）兄弟")), (LISTS.index("（二）兄弟"), len(LISTS))])
    pool = candidate_sentences([Hit(c, 1.0) for c in chunks])
    sibling = next(e for e in pool if e.text.startswith("（二）兄弟"))
    assert sibling.intro is None  # its list's intro is in another passage
    assert [r.text[:5] for r in referenced(sibling, None, ComposeOptions(), pool)] == ["（一）配偶"]


def test_each_part_of_a_quantity_question_leads_with_its_own_clause():
    from retrieval.lead import lead_line

    text = ("第八条 每次补贴一般为二百元，最多不得超过四百元。\n"
            "第九条 两次申领间隔期不得少于六个月。\n（二）未满十八周岁者，应经监护人同意。")
    chunk = one_passage(text, "b.txt", "某市临时救助办法")
    evidence = candidate_sentences([Hit(chunk, 1.0)])
    query = analyse("一次补贴多少？两次申领要隔多久？", [], lambda w: True)
    lead = lead_line(query, evidence, evidence)
    assert lead == "答：每次补贴一般为二百元，最多不得超过四百元。[1]两次申领间隔期不得少于六个月。[2]\n"


def test_the_lead_clause_is_the_one_naming_what_is_counted_and_a_figure_keeps_its_thousands_comma():
    from retrieval.lead import lead_line

    text = "每月發放2,400元交通津貼，每年合共2.88萬元津貼，領取期限為六個月。"
    chunk = one_passage(text, "c.txt", "交通津貼")
    evidence = candidate_sentences([Hit(chunk, 1.0)])
    query = analyse("全年合共多少？", [], lambda w: True)
    assert lead_line(query, evidence, evidence).startswith("答：每年合共2.88萬元津貼")
    query = analyse("每月發多少？", [], lambda w: True)
    assert lead_line(query, evidence, evidence).startswith("答：每月發放2,400元交通津貼")


def test_a_penalty_question_answered_by_a_duty_brings_the_article_punishing_its_breach():
    from retrieval.penalty import penalty_for

    text = ("第三十三条 单位和个人应当按照下列规定停放共享单车：\n（一）停放在指定区域内；\n"
            "第三十四条 运营企业应当及时清理。\n第六十七条 个人违反本条例第三十三条规定的，处20元以上50元以下罚款。\n"
            "单位违反本条例第三十三条规定，处800元罚款。\n第六十八条 违反本条例第三十四条规定的，处2000元罚款。")
    cut = text.index("第六十七条")
    chunks = [Chunk(id=f"w{i}", doc="w.txt", title="某市非机动车管理条例", text=text[a:b],
                    index_text=normalise(text[a:b]), start=a, end=b, position=i, heading="第三十三条" if i == 0 else "")
              for i, (a, b) in enumerate([(0, cut), (cut, len(text))])]
    duty = candidate_sentences([Hit(chunks[0], 1.0)])[0]
    query = analyse("单位不按规定停放共享单车，怎么罚？", [], lambda w: True)
    assert query.intent.penalty
    found = penalty_for(duty, query, lambda c: chunks[c.position + 1] if c.position + 1 < len(chunks) else None)
    assert [p.text for p in found] == ["单位违反本条例第三十三条规定，处800元罚款。"]


def test_a_heading_like_list_item_comes_with_the_sentences_under_it():
    text = ("三、工作思路\n（一）坚持发展思路\n按照要求，实现“五有”服务目标，形成“双联”机制。\n"
            "（二）推进示范走廊建设\n围绕五个评价体系开展工作。")
    chunk = one_passage(text, "h.txt", "某区实施意见")
    query = analyse("发展思路具体指哪些内容？", [], lambda w: w in normalise(text))
    answer = extractive_answer(query, [Hit(chunk, 1.0)], KeywordIndex([chunk]), BigramEmbeddings(),
                               lambda d: text, AnswerOptions(threshold=0.0), in_corpus=lambda t: t in normalise(text))
    assert "“五有”服务目标" in answer.text


def test_a_sentence_wrapped_by_a_fixed_width_layout_is_quoted_whole():
    from retrieval.evidence import rejoined

    text = ("第 8 條\n執行機關應就每年實收罰鍰總金額，提撥百分之五以上，百分之二十以下\n"
            "作為檢舉人獎金，並應依據前條所定獎勵標準發給獎金。\n第 9 條\n同一案件不得重複獎勵。")
    chunk = one_passage(text, "w.txt", "獎勵辦法")
    pieces = candidate_sentences([Hit(chunk, 1.0)])
    first = next(e for e in pieces if e.text.startswith("執行機關"))
    whole = rejoined(first)
    assert whole.text == "執行機關應就每年實收罰鍰總金額，提撥百分之五以上，百分之二十以下作為檢舉人獎金，並應依據前條所定獎勵標準發給獎金。"
    start, end = whole.source_span()
    assert text[start:end].startswith("執行機關") and text[start:end].endswith("發給獎金。")
    last = next(e for e in pieces if e.text.startswith("同一案件"))
    assert rejoined(last) == last  # a heading line is no wrapped line


def test_an_english_lead_says_what_a_multiple_multiplies_and_what_a_figure_is_counted_per():
    from core.zh import find_quantities
    from retrieval.english_lead import english_statement

    query = analyse("What is the fine for selling grave plots?", [], lambda w: True)
    kinds = frozenset({"money", "ratio"})
    clause = "可以并处违法所得一倍以上三倍以下罚款"
    figs = [f for f in find_quantities(normalise(clause)) if f.kind in kinds]
    assert english_statement(clause, figs, query, kinds) == "The fine is 一倍以上三倍以下 (1 to 3 times the illegal gains)"
    clause = "低收入戶每人每月核發新臺幣八千二百元"
    figs = [f for f in find_quantities(normalise(clause)) if f.kind in kinds]
    assert english_statement(clause, figs, query, kinds).endswith("八千二百元 (NT$8,200) per person per month")


def test_a_headline_standing_alone_is_no_quotable_answer():
    from retrieval.evidence import is_headline

    text = ("利民纾困措施 2018接踵而来\n本文来源 政府新闻网\n张建宗说，已移居广东省的长者也可领取每月1,325元高龄津贴。\n"
            "主要预期目标\n●城镇新增就业110万人以上")
    chunk = one_passage(text, "n.txt", "争分夺秒 落实惠民措施")
    flags = {e.text: is_headline(e) for e in candidate_sentences([Hit(chunk, 1.0)])}
    assert flags["利民纾困措施 2018接踵而来"] and flags["本文来源 政府新闻网"]
    assert not flags["张建宗说，已移居广东省的长者也可领取每月1,325元高龄津贴。"]
    assert not flags["主要预期目标"]  # it announces the list after it


def test_the_document_title_heading_its_items_is_no_list_label():
    text = "某市高龄津贴通知\n一、对八十周岁以上老人每月发放高龄津贴二百元。\n二、资金由区财政保障。"
    chunk = one_passage(text, "g.txt", "某市高龄津贴通知")
    items = candidate_sentences([Hit(chunk, 1.0)])
    assert [e.text[:2] for e in items] == ["一、", "二、"] and all(e.intro is None for e in items)


def test_a_dictionary_word_covers_the_four_character_phrase_it_abbreviates():
    weights_for = lambda *words: TermWeights({(w,): 1.0 for w in words}, {})  # noqa: E731
    assert weights_for("禁放").coverage("下列区域禁止燃放烟花爆竹")[0] == 1.0
    assert weights_for("老人").coverage("老年人优待办法")[0] == 0.0  # a three-character form is another word
    assert weights_for("走后").coverage("走出门后")[0] == 0.0  # a segmentation artefact abbreviates nothing
    # Two phrases joined by a function character, or a window starting inside a word, write out no word.
    assert weights_for("费用").coverage("防止乱收费和滥用职权")[0] == 0.0
    assert weights_for("违法").coverage("违反本法规定的")[0] == 0.0
    assert weights_for("高校").coverage("普通高等学校招生")[0] == 1.0


def test_relative_years_on_the_answer_line_are_read_against_the_document_date():
    from retrieval.lead import with_dates_resolved

    dated = Chunk(id="n", doc="n.txt", title="某市通知", text="", index_text="", start=0, end=0, position=0,
                  meta={"date": "2021-05-10"})
    assert with_dates_resolved("今年补贴标准为每人800元，去年为600元。", dated) == \
        "今年（2021年）补贴标准为每人800元，去年（2020年）为600元。"
    assert with_dates_resolved("今年（2021年）起施行。", dated) == "今年（2021年）起施行。"  # said once
    undated = Chunk(id="u", doc="u.txt", title="某市通知", text="", index_text="", start=0, end=0, position=0)
    assert with_dates_resolved("今年起施行。", undated) == "今年起施行。"


def test_the_first_line_of_an_answer_is_the_lead_sentence_and_its_citation():
    text = "某区社区工作规定\n社区党组织工作经费由区财政统一保障。\n各街道应当做好宣传工作。\n社区应当公开办事流程。"
    chunk = one_passage(text, "c.txt", "某区社区工作规定")
    keyword = KeywordIndex([chunk])
    query = analyse("社区党组织工作经费由谁保障？", [], lambda w: keyword.has(w) or w in normalise(text))
    answer = extractive_answer(query, [Hit(chunk, 1.0)], keyword, BigramEmbeddings(), lambda d: text,
                               AnswerOptions(threshold=0.0), in_corpus=lambda t: t in normalise(text))
    first = answer.text.splitlines()[0]
    assert first.startswith("答：社区党组织工作经费由区财政统一保障。[")
    n = int(first.rsplit("[", 1)[1].rstrip("]"))
    cited = answer.citations[n - 1]
    assert text[cited.start:cited.end] == cited.quote == "社区党组织工作经费由区财政统一保障。"
