"""Hybrid search: dense (Chroma) ∥ BM25 → score fusion → place and year priors → de-duplication → diversity."""

from __future__ import annotations

import shutil
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING

from core.records import Chunk, Hit
from core.char_index import spaced
from core.store import Store
from core.places import PLACE_MARKERS, is_place, place_within
from retrieval.fusion import OFF_PLACE_FACTOR, OFF_YEAR_FACTOR, deduped, demote, diversify, fuse
from retrieval.keyword import KeywordIndex, build_from_store
from retrieval.query import Query, analyse, search_text
from retrieval.transliterate import Transliterator, gazetteer_places
from retrieval.word_vectors import WordNeighbours, corpus_words

if TYPE_CHECKING:
    from retrieval.langchain_retriever import PolicyRetriever


@dataclass(frozen=True)
class SearchOptions:
    """Each stage can be switched off, for ablations (`policyqa eval --ablation`)."""

    dense: bool = True
    bm25: bool = True
    expand_english: bool = True
    # "convex": weighted sum of min-max normalised scores; "rrf": reciprocal rank fusion.
    # Convex fusion keeps how far ahead a retriever's best match is, which rank fusion throws
    # away (Bruch et al., 2023). The BM25 weight was swept on dev (26 answerable items) and dev2
    # (120, 46 documents) together (`policyqa eval --fusion-sweep`): 0.4 has the best joint hit@5
    # (dev 1.00, dev2 0.91) with MRR within 0.01 of the best; 0.7, fitted on dev alone, lost 0.04
    # hit@5 and 0.09 MRR on dev2 (English 0.74 vs 0.89 hit@5).
    fusion: str = "convex"
    bm25_weight: float = 0.4
    place_prior: bool = True
    year_prior: bool = True
    dedupe: bool = True
    diversity: bool = True
    candidates: int = 40  # per retriever, before fusion


class _Vocabulary:
    """Whether the corpus uses a word (as a token, or inside a longer word), and in how many
    passages as a token: query analysis ranks dictionary renderings by it."""

    def __init__(self, keyword, contains, neighbours=None) -> None:
        self._keyword, self._contains = keyword, contains
        if neighbours is not None:
            self.neighbours = neighbours  # an English word → its nearest corpus words

    def __call__(self, word: str) -> bool:
        return self._keyword.has(word) or self._contains(word)

    def frequency(self, word: str) -> int:
        return self._keyword.df.get(word, 0)


class Searcher:
    """Search over the store at its current generation (read from the store's SQLite, so a write
    by another process is seen). The keyword index is loaded from its saved copy for that
    generation, or rebuilt from stored tokens and saved; mentions and vocabulary come from the
    store's character index, never from a scan of document texts."""

    def __init__(self, store: Store, background_rebuild_chunks: int = 20_000) -> None:
        self.store = store
        # Above this size a stale index keeps serving while the new one builds in a thread
        # (rebuild ≈ seconds at 100k chunks); below it, rebuilding inline is faster than a query.
        self.background_rebuild_chunks = background_rebuild_chunks
        self._lock = threading.Lock()
        self._generation = -1
        self._keyword: KeywordIndex | None = None
        self._translit: Transliterator | None = None
        self._translit_for: KeywordIndex | None = None
        self._neighbours: WordNeighbours | None = None
        self._neighbours_for: KeywordIndex | None = None
        self._neighbours_lock = threading.Lock()
        self._building: threading.Thread | None = None
        self._doc_norm: dict[str, str] = {}
        self._in_corpus: dict[str, bool] = {}
        self._doc_about: dict[str, str] = {}  # region and issuer, spaced like the texts
        self._doc_region: dict[str, str] | None = None  # doc → its region (metadata), or ""
        self._cache_generation = -1

    # ------------------------------------------------------------------ keyword index
    def _index_dir(self, generation: int) -> Path:
        return Path(self.store.settings.store) / "keyword" / f"{self.store.settings.collection}-g{generation}"

    def keyword(self) -> KeywordIndex:
        generation = self.store.generation
        with self._lock:
            if self._keyword is not None and self._generation == generation:
                return self._keyword
            if self._keyword is not None and self._building is not None and self._building.is_alive():
                return self._keyword  # a newer index is on its way
            saved = self._index_dir(generation)
            if (saved / "ids.json").exists():
                try:
                    return self._install(KeywordIndex.load(saved), generation)
                except (OSError, ValueError):
                    pass  # unreadable: rebuild below
            if self._keyword is not None and self.store.count_chunks() > self.background_rebuild_chunks:
                self._building = threading.Thread(target=self._rebuild, args=(generation,), daemon=True)
                self._building.start()
                return self._keyword
            return self._install(self._build(generation), generation)

    def _rebuild(self, generation: int) -> None:
        index = self._build(generation)
        with self._lock:
            if generation >= self._generation:
                self._install(index, generation)

    def _install(self, index: KeywordIndex, generation: int) -> KeywordIndex:
        self._keyword, self._generation = index, generation
        return index

    def _build(self, generation: int) -> KeywordIndex:
        index = build_from_store(self.store, self.store.chunk_ids_in_order())
        folder = self._index_dir(generation)
        try:
            index.save(folder)
            for old in folder.parent.glob(f"{self.store.settings.collection}-g*"):
                if old != folder and not old.name.endswith(".tmp"):
                    shutil.rmtree(old, ignore_errors=True)
        except OSError:
            pass  # a read-only store still works, it just rebuilds on the next start
        return index

    def transliterator(self) -> Transliterator:
        """Pinyin → corpus words, built on first use for the current keyword index."""
        keyword = self.keyword()
        if self._translit_for is not keyword:
            self._translit = Transliterator(list(keyword.df))
            self._translit_for = keyword
        return self._translit

    def word_neighbours(self, wait: bool = True) -> WordNeighbours | None:
        """The corpus words nearest an English word, for the current keyword index: its
        vocabulary's vectors, loaded from beside the index or embedded (once per generation; words
        embedded before come from the embedding cache) and saved. With `wait` False, None while
        another thread builds them: a question never waits for the warm-up's build."""
        keyword = self.keyword()
        if not self._neighbours_lock.acquire(blocking=wait):
            return None
        try:
            if self._neighbours_for is keyword and self._neighbours is not None:
                return self._neighbours
            from core.embeddings import query_vectors

            embeddings = self.store.embeddings
            name = getattr(embeddings, "name", type(embeddings).__name__)
            embed = lambda texts: query_vectors(embeddings, texts)  # noqa: E731
            index_dir = self._index_dir(self._generation)
            folder = index_dir.parent.parent / "wordvec" / index_dir.name
            found = WordNeighbours.load(folder, name, embed)
            if found is None:
                found = WordNeighbours.build(corpus_words(keyword.df), embed)
                try:
                    found.save(folder, name)
                    for old in folder.parent.glob(f"{self.store.settings.collection}-g*"):
                        if old != folder:
                            shutil.rmtree(old, ignore_errors=True)
                except OSError:
                    pass  # a read-only store embeds them again on the next start
            self._neighbours, self._neighbours_for = found, keyword
            return found
        finally:
            self._neighbours_lock.release()

    def _neighbours_of(self, word: str) -> list[str]:
        neighbours = self.word_neighbours(wait=False)
        return neighbours(word) if neighbours is not None else []

    # ------------------------------------------------------------------ mentions
    def _fresh_caches(self) -> None:
        generation = self.store.generation
        if generation != self._cache_generation:
            self._doc_norm, self._in_corpus, self._doc_about = {}, {}, {}
            self._doc_region = None
            self._cache_generation = generation

    def mentions(self, doc: str, term: str) -> bool:
        """Whether the document names `term` — in its normalised text (white space aside), in its
        metadata (region, issuer), or, for a jurisdiction, through its markers (a Taiwan
        regulation says 中华民国 and 新台币, not 台湾). A place is judged by the document's region
        when it has one: Ningbo's regulation that names 台湾地区居民 is not about Taiwan."""
        self._fresh_caches()
        if is_place(term):
            region = self._regions().get(doc)
            if region:
                return place_within(term, region)
        text = self._doc_norm.get(doc)
        if text is None:
            if len(self._doc_norm) > 256:
                self._doc_norm.clear()
            if doc not in self._doc_about:
                self._doc_about = {d["doc"]: spaced(" ".join(str(d["meta"].get(k) or "") for k in
                                                             ("region", "issuer", "date")))
                                   for d in self.store.documents()}
            text = self._doc_norm[doc] = self._doc_about.get(doc, "") + "\n" + self.store.normalised_text(doc)
        return any(spaced(t, normalised=True) in text for t in (term, *PLACE_MARKERS.get(term, ())))

    def _regions(self) -> dict[str, str]:
        if self._doc_region is None:
            self._doc_region = {d["doc"]: str(d["meta"].get("region") or "") for d in self.store.documents()}
        return self._doc_region

    def in_corpus(self, term: str) -> bool:
        """Whether any document contains the (normalised) term at all (FTS5 phrase query)."""
        self._fresh_caches()
        return self._contains(term)

    def _contains(self, term: str) -> bool:
        """`in_corpus` without the generation check, for a caller that made it (reading the
        generation is an SQLite query: an English question's analysis looks up hundreds of
        candidate renderings)."""
        found = self._in_corpus.get(term)
        if found is None:
            if len(self._in_corpus) > 100_000:
                self._in_corpus.clear()
            found = self._in_corpus[term] = self.store.any_document_contains(term)
        return found

    def analyse(self, question: str, history: list[dict] | None = None,
                standalone: str | None = None, expand: bool = True) -> Query:
        from dataclasses import replace

        keyword = self.keyword()
        if expand:
            # A rendering counts when the corpus uses it, as a token or inside a longer word.
            self._fresh_caches()  # once per question, not once per candidate rendering
            query = analyse(question, history or [], _Vocabulary(keyword, self._contains, self._neighbours_of),
                            _Lazy(self.transliterator),
                            standalone=standalone)
        else:
            query = analyse(question, history or [], lambda _t: False, None, standalone=standalone)
        # Only words that no document contains even as a substring count as unknown, and no
        # place within a document's region: a province's regulation binds its cities, whether it
        # names them or not (洛阳 under 河南省's rules).
        # A romanised name is read through the gazetteer in pinyin (Luoyang → 洛阳).
        spelled = {t: gazetteer_places(t) for t in query.unknown if t.isascii()}
        unknown = tuple(t for t in query.unknown if (query.lang == "en" or not self.in_corpus(t))
                        and not self._within_a_region(spelled.get(t) or ((t,) if is_place(t) else ())))
        # A romanised place no document writes is still a place asked about: the place prior and
        # the decision judge each document by it, as they do 洛阳 in a Chinese question.
        places = tuple(p for found in spelled.values() for p in found)
        if places:
            query = replace(query, places=tuple(dict.fromkeys(query.places + places)))
        # Only an English question's dense text uses the comparison (`search_text`): a Chinese
        # question is spared the store's full-text queries.
        apart = bool(query.expansion) and self._places_apart(query.places)
        return replace(query, unknown=unknown, compares_places=apart)

    def _within_a_region(self, places: tuple[str, ...]) -> bool:
        """Whether any of these gazetteer places lies within some document's region."""
        if not places:
            return False
        self._fresh_caches()
        regions = {r for r in self._regions().values() if r}
        return any(place_within(p, region) for p in places for region in regions)

    def _places_apart(self, places: tuple[str, ...]) -> bool:
        """Whether two of the places have no document about both (a question comparing them).
        A document is about a place as `mentions` judges it: by its region when it has one, else
        by its text (the store's character index: one query per place, only for several)."""
        if len(places) < 2:
            return False
        self._fresh_caches()
        regions = self._regions()

        def about(place: str) -> set[str]:
            named = self.store.documents_containing(place)
            if not is_place(place):  # a place the gazetteer lacks (a town): by the text alone
                return named
            return {d for d in named if not regions.get(d)} | {
                d for d, region in regions.items() if region and place_within(place, region)}

        docs = [about(p) for p in places]
        return any(a and b and not a & b for i, a in enumerate(docs) for b in docs[i + 1:])

    def search(self, query: Query, k: int = 10, where: dict | None = None,
               options: SearchOptions = SearchOptions(), trace: dict | None = None) -> list[Hit]:
        """The k best passages. `trace`, when given, receives each retriever's own ranking
        ({"dense": [(chunk id, cosine)…], "bm25": [(chunk id, BM25 score)…]}, best first) —
        what the admin console's 命中测试 shows; the search itself is the same."""
        # The dense side (embedding the query: most of a search's time) runs in a worker
        # thread while this one loads the keyword index, applies the filters and runs BM25:
        # the embedder is a ctypes call, which releases the GIL, so the two overlap on a second core.
        dense_job = None
        if options.dense:
            # Filters are applied to the committed ids; over-fetch so that enough remain.
            n = options.candidates * (5 if where else 1)
            dense_job = _dense_pool().submit(self._dense, self.dense_text(query, options), n, where)
        try:
            keyword = self.keyword()
            allowed = self.store.chunk_ids_matching(where) if where else None
            bm25 = None
            if options.bm25:
                tokens = list(query.tokens if options.expand_english else
                              [t for t in query.tokens if t not in query.expansion])
                bm25 = keyword.search(tokens, options.candidates, allowed=allowed)
        finally:
            dense = dense_job.result() if dense_job is not None else None
        rankings: dict[str, list[tuple[str, float]]] = {}
        if dense is not None:
            if allowed is not None:
                dense = [(cid, s) for cid, s in dense if cid in allowed][: options.candidates]
            rankings["dense"] = dense
        if bm25 is not None:
            rankings["bm25"] = bm25
        if trace is not None:
            trace.update(rankings)
        fused = fuse(rankings, options)
        found = {name: {cid for cid, _ in ranked} for name, ranked in rankings.items()}
        found_by = {cid: tuple(name for name, ids in found.items() if cid in ids) for cid in fused}
        chunks = self.store.chunks_by_id(fused)  # only committed chunks survive this lookup
        if options.place_prior and query.places:
            demote(fused, chunks, OFF_PLACE_FACTOR, key=lambda c: c.doc,
                    matches=lambda c: any(self.mentions(c.doc, p) for p in query.places))
        years = query.intent.years if options.year_prior else ()
        if years:
            version = query.intent.version_year

            def on_year(c: Chunk) -> bool:
                date = c.meta.get("date", "")[:4]
                return date in years if version and date else any(self.mentions(c.doc, y) for y in years)

            demote(fused, chunks, OFF_YEAR_FACTOR, key=lambda c: (c.doc, c.meta.get("date", "")[:4]),
                    matches=on_year)
        hits = [Hit(chunks[cid], score, found_by[cid])
                for cid, score in sorted(fused.items(), key=lambda x: -x[1]) if cid in chunks]
        # Lazily: passages past the k-th that no re-ranking can lift are never compared.
        ranked = deduped(hits) if options.dedupe else iter(hits)
        if options.diversity:
            return diversify(ranked, k=k)
        return list(islice(ranked, k))

    def _dense(self, text: str, n: int, where: dict | None) -> list[tuple[str, float]]:
        vector = self.store.embeddings.embed_query(text)
        return self.store.dense_search(vector, n, where=_chroma_where(where))

    @staticmethod
    def dense_text(query: Query, options: SearchOptions) -> str:
        return search_text(query) if options.expand_english else query.standalone

    def as_retriever(self, k: int = 10) -> PolicyRetriever:
        """The search as a LangChain retriever (imported only by a caller that wants one)."""
        from retrieval.langchain_retriever import PolicyRetriever

        return PolicyRetriever(searcher=self, k=k)


@lru_cache(maxsize=1)
def _dense_pool() -> ThreadPoolExecutor:
    """Worker threads for the dense side of searches, shared by every Searcher of the process.
    Enough for the server's concurrent requests; the embedder has no lock of its own."""
    return ThreadPoolExecutor(max_workers=8, thread_name_prefix="policyqa-dense")


class _Lazy:
    """A transliterator built only when a question needs one (English names)."""

    def __init__(self, make) -> None:
        self._make = make

    def __call__(self, name: str) -> list[str]:
        return self._make()(name)


def _chroma_where(where: dict | None) -> dict | None:
    """Chroma filters on the exact document name; other filters go through the allowed ids."""
    return {"doc": where["doc"]} if where and where.get("doc") else None
