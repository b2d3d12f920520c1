"""How much of the question a candidate sentence shares, read on its characters and words:
character pairs and single characters (script-neutral, zero for an English question), each unit
weighed by how few of the retrieved candidates hold it, and the question beyond the title of the
sentence's document. Signals of `retrieval.scoring.sentence_signals`."""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING

from core.records import Evidence
from core.script import HAN_RE, normalise
from retrieval.query import Query

if TYPE_CHECKING:
    from retrieval.scoring import TermWeights


def chars(norm_text: str) -> str:
    """The text's letters and digits only: punctuation and spaces say nothing of its words."""
    return re.sub(r"[\W_]+", "", norm_text)


def bigrams(norm_text: str) -> set[str]:
    text = chars(norm_text)
    return {text[i:i + 2] for i in range(len(text) - 1)}


def common_run(a: str, b: str) -> int:
    """Length of the longest run of characters `a` and `b` share."""
    from difflib import SequenceMatcher

    return SequenceMatcher(None, a, b, autojunk=False).find_longest_match(0, len(a), 0, len(b)).size


def distinctive_shares(items: list[frozenset], pools: list[list[int]], asked: dict) -> list[float]:
    """For each candidate, the share of the asked units (`asked`: question words or character
    pairs, each with its own weight — a word's corpus weight, 1 for a pair) it holds, each unit
    weighed further by how few candidates of its pool hold it, log(1 + n / df): among the
    sentences already retrieved, a question word every one of them holds tells none apart; a word
    only one holds singles it out. `pools`: the groups of candidates weighed among themselves
    (all of them as one, or one per document)."""
    out = [0.0] * len(items)
    for pool in pools:
        df: dict = {}
        for i in pool:
            for u in items[i] & asked.keys():
                df[u] = df.get(u, 0) + 1
        weight = {u: asked[u] * math.log(1 + len(pool) / n) for u, n in df.items()}
        total = math.fsum(weight.values()) or 1.0
        for i in pool:
            out[i] = math.fsum(weight[u] for u in items[i] & asked.keys()) / total
    return out


def distinct_characters(query: Query, sentences: list[Evidence], texts: list[str]
                        ) -> list[tuple[float, float, float]]:
    """For each candidate, the question's Chinese characters it holds, each weighed by how few
    candidates hold it (`distinctive_shares`): (that share, the share over the best one, the
    share of the characters its document's title does not hold). A character pair misses a word
    written another way (创立 for 创办, 竣工 for 完工); its characters are still there. An
    English question has none: zeros, as for its character pairs. `texts`: the sentences normalised."""
    asked = frozenset(HAN_RE.findall(query.normalised))
    if not asked:
        return [(0.0, 0.0, 0.0)] * len(sentences)
    items = [frozenset(HAN_RE.findall(t)) & asked for t in texts]
    pool = list(range(len(sentences)))
    shares = distinctive_shares(items, [pool], dict.fromkeys(asked, 1.0))
    best = max(shares, default=0.0) or 1.0
    beyond: dict[str, list[float]] = {}  # per title: the shares of what it does not hold
    out = []
    for i, e in enumerate(sentences):
        title = e.chunk.title
        if title not in beyond:
            left = asked - frozenset(HAN_RE.findall(normalise(title)))
            beyond[title] = distinctive_shares(items, [pool], dict.fromkeys(left, 1.0))
        out.append((shares[i], shares[i] / best, beyond[title][i]))
    return out


def pairs_beyond_title(query: Query, sentences: list[Evidence], pairs: list[frozenset]) -> list[float]:
    """For each candidate, the share of the question's character pairs it holds once its document's
    title is taken out of the question: the title names what every passage of the document is
    about, so what sets the answering sentence apart is the rest of the question (what is asked of
    the subject), not the sentence that happens to repeat the subject's name."""
    asked: dict[str, set[str]] = {}
    out = []
    for e, p in zip(sentences, pairs):
        title = normalise(e.chunk.title)
        if title not in asked:
            rest = query.normalised.replace(title, " ") if len(title) >= 2 else query.normalised
            asked[title] = bigrams(rest)
        rest_pairs = asked[title]
        out.append(len(rest_pairs & p) / len(rest_pairs) if rest_pairs else 0.0)
    return out


def words_beyond_title(weights: TermWeights, sentences: list[Evidence], said: list[frozenset]) -> list[float]:
    """For each candidate, the weighted share of the question's words its document's title does
    not hold that the sentence itself says (`said`: its covered groups, title aside): the same
    reading as `pairs_beyond_title` on words, so it holds for an English question too, whose
    words are matched through their renderings."""
    rest: dict[str, frozenset] = {}
    out = []
    for e, covered in zip(sentences, said):
        title = e.chunk.title
        if title not in rest:
            rest[title] = frozenset(weights.present) - weights.coverage(normalise(title))[1]
        total = math.fsum(weights.present[g] for g in rest[title])
        out.append(math.fsum(weights.present[g] for g in covered & rest[title]) / total if total else 0.0)
    return out
