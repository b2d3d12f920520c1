"""Tiny synthetic documents for the answer-stage tests, their passages, and a real keyword index
over them. Every text here is made up for the mechanism it exercises."""

from __future__ import annotations

from conftest import HashEmbeddings

from core.records import Chunk, Hit
from core.script import normalise
from retrieval.answer import AnswerOptions, extractive_answer
from retrieval.decision import features
from retrieval.evidence import candidate_sentences
from retrieval.keyword import KeywordIndex
from retrieval.query import analyse
from retrieval.scoring import score_sentences, term_weights

DOC = ("某市养犬管理条例\n2021年8月26日\n第十五条 违反本条例规定，携犬出户未束犬链的，由公安机关责令改正，"
       "处二百元以上五百元以下罚款。\n第十六条 养犬人应当遵守下列规定：\n（一）为犬只办理登记；\n"
       "（二）按时接种狂犬病疫苗；\n（三）及时清除犬粪。\n第十七条 本条例自公布之日起施行。")

# Nested lists, an item naming its sibling by number, a paragraph referring to the one before,
# shares written unit first.
LISTS = ("某市图书馆借阅条例\n第二条 读者须符合下列条件：\n一、年龄：\n（一）十二周岁以上、七十周岁以下者，可以办理借阅证。\n"
         "（二）未满十二周岁者，应经监护人同意。\n（三）超过七十周岁者，应经家属同意。\n二、押金：\n"
         "（一）缴纳押金一百元以上。\n第三条 读者的家属借阅，按照下列规定免交押金：\n"
         "（一）配偶和子女，按照押金的三倍免交；\n（二）兄弟姐妹，享受第一项规定的待遇。\n"
         "第四条 本办法所称一定数额，系指三千五百元以上。\n捐书达前项数额的，给予书面感谢。\n"
         "第五条 图书馆提取逾期费总额的百分之三以上，百分之十五以下作为购书经费。")


def embedder() -> HashEmbeddings:
    return HashEmbeddings()


def index_of(chunks: list[Chunk]) -> KeywordIndex:
    """The BM25 index of the chunks' tokens (an index given chunk objects as ids indexes
    nothing: every word unseen, every idf equal)."""
    keyword = KeywordIndex.from_chunks(chunks)
    assert keyword.n_docs == len(chunks) and keyword.df
    return keyword


def chunks_of(text: str, cut: int, doc: str = "dogs.txt", title: str = "某市养犬管理条例") -> list[Chunk]:
    parts = [(0, cut), (cut, len(text))]
    return [Chunk(id=f"{doc}-{i}", doc=doc, title=title, text=text[a:b], index_text=normalise(text[a:b]),
                  start=a, end=b, position=i, meta={"date": "2021-08-26"}) for i, (a, b) in enumerate(parts)]


def one_passage(text: str, doc: str, title: str, meta: dict | None = None) -> Chunk:
    """A document of one passage."""
    return Chunk(id=doc, doc=doc, title=title, text=text, index_text=normalise(text), start=0,
                 end=len(text), position=0, meta=meta or {})


def dated(doc: str, date: str, text: str) -> Chunk:
    return one_passage(text, doc, "某市补贴办法", meta={"date": date})


def list_chunks(cuts: list[tuple[int, int]]) -> list[Chunk]:
    return [Chunk(id=f"lib-{i}", doc="library.txt", title="某市图书馆借阅条例", text=LISTS[a:b],
                  index_text=normalise(LISTS[a:b]), start=a, end=b, position=i, meta={"date": "2020-01-01"})
            for i, (a, b) in enumerate(cuts)]


def fixtures(cut: int | None = None):
    """DOC in two passages (cut inside its list by default), by position, their keyword index
    and the corpus vocabulary."""
    cut = cut or DOC.index("（二）")
    chunks = chunks_of(DOC, cut)
    by_pos = {c.position: c for c in chunks}
    keyword = index_of(chunks)
    vocabulary = lambda w: keyword.has(w) or w in normalise(DOC)  # noqa: E731
    return chunks, by_pos, keyword, vocabulary


def ask(question: str, threshold: float = 0.0):
    """The extractive answer over DOC's two passages."""
    chunks, by_pos, keyword, vocabulary = fixtures()
    query = analyse(question, [], vocabulary)
    hits = [Hit(c, 1.0 - 0.1 * i) for i, c in enumerate(chunks)]
    return extractive_answer(query, hits, keyword, embedder(), lambda d: DOC,
                             AnswerOptions(threshold=threshold),
                             next_chunk=lambda c: by_pos.get(c.position + 1),
                             in_corpus=lambda t: t in normalise(DOC))


def answer_one(text: str, question: str, doc: str = "d.txt", title: str = "某市办法", meta: dict | None = None):
    """The extractive answer from a document of one passage."""
    chunk = one_passage(text, doc, title, meta)
    keyword = index_of([chunk])
    query = analyse(question, [], lambda w: keyword.has(w) or w in normalise(text))
    return extractive_answer(query, [Hit(chunk, 1.0)], keyword, embedder(), lambda d: text,
                             AnswerOptions(threshold=0.0), in_corpus=lambda t: t in normalise(text))


def scored_over(query, chunks: list[Chunk], keyword: KeywordIndex, in_corpus):
    """(term weights, every candidate sentence of the chunks scored by the ranker)."""
    weights = term_weights(query, keyword, in_corpus)
    return weights, score_sentences(query, candidate_sentences([Hit(c, 1.0) for c in chunks]), weights, embedder())


def signals(question: str, docs_text: str = DOC) -> dict[str, float]:
    """The decision's signals for the two best sentences of DOC's passages."""
    chunks, _, keyword, vocabulary = fixtures()
    query = analyse(question, [], vocabulary)
    weights, scored = scored_over(query, chunks, keyword, lambda t: t in normalise(docs_text))
    chosen = sorted(scored, key=lambda s: -s.score)[:2]
    return features(query, weights, chosen, [], mentions=lambda doc, term: term in normalise(docs_text))
