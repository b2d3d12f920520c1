"""Decision: answer or decline, in code, before any wording or LLM call.

A few general signals of the chosen evidence — above all the learned ranker's probability that
the lead holds the answer — are combined by a logistic model fitted on the fitting folds of the
reading-comprehension and policy sets, with leave-one-document-out, year-shifted and
place-swapped unanswerable items (`python -m eval.train` writes it into
`retrieval/data/answer_model.json`, with its threshold, the embedder and what it was fitted on).
The decision carries its score and, when declining, the reason: the signal that pulled the
score down most.
"""

from __future__ import annotations

import math

from core.records import Decision, Hit
from core.figures import years_named
from core.headings import SECTION_RE
from core.places import places_named
from core.script import normalise, to_simplified
from retrieval.query import Query
from retrieval.scoring import Scored, TermWeights, about_places

# Years a document may name when it names any (its own date and the years around it).
DOCUMENT_YEARS = range(1949, 2061)

# An English question meets Chinese text through dictionary renderings and a cross-lingual
# similarity; `english` lets the decision shift for it. Separate English weights for the other
# signals were measured and dropped: the fitting folds hold about fifty English questions, too few
# to fit them (one of them outweighed every other signal for an English question).
FEATURES = ("lead_prob", "second_prob", "other_doc_prob", "coverage_all", "key_terms", "absent_share",
            "dense_best", "figure_missing", "year_missing", "unknown_name", "english", "place_missing",
            "rarest_missing_in_doc", "place_missing_local_rule", "figure_missing_in_rule")


def features(query: Query, weights: TermWeights, chosen: list[Scored], hits: list[Hit],
             mentions=None, scored: list[Scored] | None = None) -> dict[str, float]:
    """The decision's signals, each in [0, 1] except dense similarity (a raw cosine). A year the
    question names must occur in the evidence or elsewhere in its document (its header, its
    revision note): `mentions(doc, term)`."""
    kinds = query.intent.quantity
    together = frozenset().union(*(s.covered for s in chosen)) if chosen else frozenset()
    years = set(query.intent.asked_years)
    lead = max(chosen, key=lambda s: s.score) if chosen else None
    lead_doc = lead.evidence.chunk.doc if lead else None
    # A year asked is looked for in the lead's document: the answer's first line states what that
    # document says, and another document naming the year does not make it that year's figure.
    in_lead_doc = [s for s in chosen if s.evidence.chunk.doc == lead_doc]
    evidence_text = " ".join(s.evidence.chunk.text + " " + s.evidence.chunk.title + " "
                             + s.evidence.chunk.meta.get("date", "") for s in in_lead_doc)
    rest = sorted((s.score for s in (scored or chosen) if s is not lead), reverse=True)
    about = about_places(query, mentions)
    x = {
        "lead_prob": lead.score if lead else 0.0,
        "second_prob": rest[0] if rest else 0.0,
        # An answer stands out; a topic many documents share in part does not.
        "other_doc_prob": max((s.score for s in (scored or chosen) if s.evidence.chunk.doc != lead_doc),
                              default=0.0),
        "coverage_all": weights.share(together),
        "key_terms": weights.key_share(together),
        "absent_share": weights.absent_share(),
        "dense_best": max((s.dense for s in chosen), default=0.0),
        "figure_missing": float(bool(kinds) and not any(s.figure_fit for s in chosen)),
        # A follow-up is judged on its own names: the earlier turn's were asked (and answered) then.
        "unknown_name": float(any(u.lower() in query.question.lower() for u in query.unknown)),
        "year_missing": _year_missing(years, evidence_text, {lead_doc} if lead else set(), in_lead_doc, mentions,
                                      query.intent.asks_version_year),
        "english": float(query.lang == "en"),
        # The question names places and the lead's document mentions none of them.
        "place_missing": float(about is not None and lead is not None and not about(lead_doc)),
        # What is most specific to the question is nowhere in the lead's document: another
        # document uses the word, and this one answers something near it.
        "rarest_missing_in_doc": float(bool(lead) and _rarest_missing(weights, lead_doc, evidence_text, mentions)),
    }
    # A local rule binds where it was enacted: an article of a rule titled for another place does
    # not answer for the place asked about. A national law (no place in its title) or an article
    # of an encyclopaedia (no numbered articles) is left to `place_missing` alone.
    x["place_missing_local_rule"] = float(x["place_missing"] == 1.0 and _local_rule(lead))
    # A rule states the sums and time limits it sets in its articles: a figure asked that no chosen
    # article states is one the rule leaves to others. An encyclopedia article (no numbered
    # articles) often states it in words or elsewhere, so `figure_missing` alone weighs little.
    x["figure_missing_in_rule"] = float(x["figure_missing"] == 1.0 and _in_article(lead))
    return x


def _in_article(lead: Scored) -> bool:
    chunk = lead.evidence.chunk
    return any(SECTION_RE.match(part.strip()) for part in (chunk.heading or "").split(" › "))


def _local_rule(lead: Scored) -> bool:
    return _in_article(lead) and bool(places_named(to_simplified(normalise(lead.evidence.chunk.title))))


def rarest_word(weights: TermWeights) -> tuple[str, ...]:
    """The question's rarest word the corpus uses (its renderings, for an English word)."""
    return max(weights.present, key=weights.present.get, default=())


def _rarest_missing(weights: TermWeights, doc: str, evidence_text: str, mentions) -> bool:
    rarest = rarest_word(weights)
    return bool(rarest) and not any(t in evidence_text or (mentions is not None and mentions(doc, t))
                                    for t in rarest)


def _year_missing(years: set[str], evidence_text: str, docs: set[str], chosen: list[Scored],
                  mentions, version: bool = False) -> float:
    """1 when the question names a year that neither the evidence nor its documents mention, while
    they are dated or name other years; 0.5 when they name no year at all (an undated web page
    cannot tell). A version asked by its year is matched by the date of the lead's document alone:
    another document of that year, chosen for a few words it shares, is not the version asked."""
    lead = max(chosen, key=lambda s: s.score) if chosen else None
    dates = {lead.evidence.chunk.meta.get("date", "")[:4]} - {""} if lead else set()
    if years and version and dates:
        return 0.0 if dates & years else 1.0
    if not years or any(y in evidence_text or (mentions is not None and mentions(d, y))
                        for y in years for d in docs):
        return 0.0
    dated = any(s.evidence.chunk.meta.get("date") for s in chosen) or bool(years_named(evidence_text))
    if not dated and mentions is not None:
        dated = any(mentions(d, str(y)) for d in docs for y in DOCUMENT_YEARS)
    return 1.0 if dated else 0.5


def probability(x: dict[str, float], model: dict) -> float:
    z = model["intercept"] + sum(c * (x[f] - m) / s for f, c, m, s in zip(
        model["features"], model["coef"], model["mean"], model["scale"]))
    return 1.0 / (1.0 + math.exp(-z))


# Why a decline happened, per signal, in each language; {terms} names what was missing.
_REASONS = {
    "zh-Hans": {
        "lead_prob": "现有文档中没有明确回答这个问题的句子",
        "second_prob": "现有文档中没有明确回答这个问题的句子",
        "other_doc_prob": "几份文档都只部分相符，没有一份明确回答这个问题",
        "coverage_all": "现有文档中最相关的段落与问题只部分相符",
        "key_terms": "相关段落没有涉及问题的关键内容",
        "absent_share": "文档中没有出现问题里的关键词（{terms}）",
        "dense_best": "现有文档中没有与问题意思相近的段落",
        "figure_missing": "相关段落中没有问题所问的数额或期限",
        "figure_missing_in_rule": "相关条文没有规定问题所问的数额或期限",
        "place_missing": "现有文档没有涉及问题所说的地方（{terms}）",
        "place_missing_local_rule": "最相关的条文是其他地方的规定，没有涉及{terms}",
        "rarest_missing_in_doc": "最相关的文档没有提到{terms}",
        "unknown_name": "文档中没有提到{terms}",
        "year_missing": "文档中没有{terms}年的相关内容",
        "english": "现有文档中最相关的段落与问题只部分相符",
        "empty": "没有检索到相关段落",
        "no_documents": "知识库中还没有文档，请先导入文件",
    },
    "en": {
        "lead_prob": "no sentence in the documents clearly answers the question",
        "second_prob": "no sentence in the documents clearly answers the question",
        "other_doc_prob": "several documents match in part, none answers it clearly",
        "coverage_all": "the closest passages match the question only in part",
        "key_terms": "the related passages do not cover what is specific to the question",
        "absent_share": "the documents never use the question's key words ({terms})",
        "dense_best": "no passage is close in meaning to the question",
        "figure_missing": "the related passages give no figure of the kind asked for",
        "figure_missing_in_rule": "the related articles set no figure of the kind asked for",
        "place_missing": "no document answering it is about the place asked for ({terms})",
        "place_missing_local_rule": "the closest article is another place's rule and does not cover {terms}",
        "rarest_missing_in_doc": "the closest document never mentions {terms}",
        "unknown_name": "the documents never mention {terms}",
        "year_missing": "no document covers {terms}",
        "english": "the closest passages match the question only in part",
        "empty": "no related passage was found",
        "no_documents": "the knowledge base holds no documents yet: add documents first",
    },
}


def _reason(signal: str, query: Query, weights: TermWeights) -> str:
    from core.script import to_traditional

    lang = "en" if query.lang == "en" else "zh-Hans"
    terms = {"absent_share": "、".join(list(weights.absent)[:3]),
             "unknown_name": "、".join(query.unknown[:3]),
             "year_missing": "、".join(query.intent.asked_years),
             "place_missing": "、".join(query.places[:3]),
             "place_missing_local_rule": "、".join(query.places[:3]),
             "rarest_missing_in_doc": "、".join(rarest_word(weights)[:3])}.get(signal, "")
    text = _REASONS[lang][signal].format(terms=terms)
    return to_traditional(text) if query.lang == "zh-Hant" else text


def decide(query: Query, weights: TermWeights, chosen: list[Scored], hits: list[Hit],
           threshold: float | None = None, model: dict | None = None, mentions=None,
           scored: list[Scored] | None = None, indexed: bool = True) -> Decision:
    """`model`: the `decision` part of the answer model (retrieval/ranker.py); `indexed`: whether
    the knowledge base holds any passage (an empty one is told apart from one without a match)."""
    if model is None:
        from retrieval import ranker

        model = ranker.load()["decision"]
    cut = model["threshold"] if threshold is None else threshold
    if not chosen:
        return Decision(False, 0.0, cut, _reason("empty" if indexed else "no_documents", query, weights))
    x = features(query, weights, chosen, hits, mentions, scored)
    p = probability(x, model)
    signals = tuple((f, round(x[f], 4)) for f in FEATURES)
    if p >= cut:
        return Decision(True, p, cut, "", signals)
    # The signal that lowers the score most, against an average answerable question.
    pulls = {f: c * (x[f] - m) / s for f, c, m, s in zip(
        model["features"], model["coef"], model["mean"], model["scale"]) if f != "english"}
    worst = min(pulls, key=pulls.get)
    return Decision(False, p, cut, _reason(worst, query, weights), signals)
