"""From the retrievers' rankings to the hits: score fusion, the place and year priors,
de-duplication and diversity."""

from __future__ import annotations

import heapq
from functools import lru_cache
from typing import TYPE_CHECKING, Iterable, Iterator

from core.records import Chunk, Hit
from retrieval.tokens import figures

if TYPE_CHECKING:
    from retrieval.search import SearchOptions

RRF_K = 60  # the constant of Cormack et al.; damps the head of each ranking
# A passage from a document that mentions none of the places the question names is unlikely
# to answer it ("五华区…" is not answered by Changchun's report); it is demoted, not dropped.
OFF_PLACE_FACTOR = 0.5
# Likewise a year the question names (2023年施政报告): a document that never mentions it, in its
# text or its date, is about another year. Same factor as places (not tuned separately).
OFF_YEAR_FACTOR = OFF_PLACE_FACTOR


def demote(fused: dict[str, float], chunks: dict[str, Chunk], factor: float, key, matches) -> None:
    """Scale down the passages whose document does not match the question's place or year; the
    check runs once per `key(chunk)` (per document, not per passage: each check reads the store)."""
    seen: dict = {}
    for cid, chunk in chunks.items():
        k = key(chunk)
        if k not in seen:
            seen[k] = matches(chunk)
        if not seen[k]:
            fused[cid] *= factor


def _min_max(scores: dict[str, float]) -> dict[str, float]:
    if not scores:
        return {}
    lo, hi = min(scores.values()), max(scores.values())
    return {k: (v - lo) / (hi - lo) if hi > lo else 1.0 for k, v in scores.items()}


def fuse(rankings: dict[str, list[tuple[str, float]]], options: SearchOptions) -> dict[str, float]:
    """One score per chunk id from the retrievers' (id, score) lists, best first."""
    fused: dict[str, float] = {}
    weights = {"bm25": options.bm25_weight, "dense": 1.0 - options.bm25_weight}
    if len(rankings) == 1:
        weights = dict.fromkeys(rankings, 1.0)
    for name, ranked in rankings.items():
        if options.fusion == "rrf":
            contributions = {cid: 1.0 / (RRF_K + rank) for rank, (cid, _) in enumerate(ranked, 1)}
        else:
            contributions = {cid: weights[name] * v for cid, v in _min_max(dict(ranked)).items()}
        for cid, v in contributions.items():
            fused[cid] = fused.get(cid, 0.0) + v
    return fused


def _shingles(text: str, n: int = 4) -> set[str]:
    t = "".join(text.split())
    return {t[i:i + n] for i in range(max(1, len(t) - n + 1))}


@lru_cache(maxsize=20_000)
def _signature(text: str, index_text: str) -> tuple[frozenset[str], dict]:
    """Shingles and figures of a passage, computed once per passage, not once per query."""
    return frozenset(_shingles(text)), figures(index_text)


def deduped(hits: Iterable[Hit], threshold: float = 0.8) -> Iterator[Hit]:
    """Hits without those whose text mostly repeats a better one (overlapping or duplicated
    passages), unless their figures differ: a revised document's changed figures must stay
    findable. Lazy: each hit is compared with the better ones kept only when it is asked for
    (a search stops asking once no later hit can reach its top k)."""
    kept: list[tuple[frozenset[str], dict]] = []
    for h in hits:
        sh, numbers = _signature(h.chunk.text, h.chunk.index_text)
        if any(numbers == n and len(sh & s) / max(1, min(len(sh), len(s))) >= threshold
               for s, n in kept):
            continue
        kept.append((sh, numbers))
        yield h


def diversify(hits: Iterable[Hit], decay: float = 0.93, k: int | None = None) -> list[Hit]:
    """Re-rank so that each further passage from an already-represented document pays a small
    penalty: a question about two documents gets passages from both near the top.
    With `k`, only the best k are returned, and hits (best first) are read only while one could
    still enter them: a penalty only lowers a score, so a hit scoring below the k-th rescored
    score, and every hit after it, stays out; the result is that of the full re-ranking."""
    seen: dict[str, int] = {}
    rescored: list[tuple[float, Hit]] = []
    kth = float("-inf")  # the k-th best rescored score so far
    for h in hits:
        if k is not None and len(rescored) >= k and h.score < kth:
            break
        n = seen.get(h.chunk.doc, 0)
        seen[h.chunk.doc] = n + 1
        rescored.append((h.score * decay ** n, h))
        if k is not None and len(rescored) >= k:
            kth = heapq.nlargest(k, (s for s, _ in rescored))[-1]
    rescored.sort(key=lambda x: -x[0])
    return [Hit(h.chunk, s, h.found_by) for s, h in rescored[:k]]
