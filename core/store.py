"""The knowledge base: the SQLite manifest (the truth, core/manifest.py), its vectors in Chroma
(core/vectors.py), the kept originals, and the embedder whose vectors they are — kept in step.

Write order for one document (crash-safe at any point): embed → upsert vectors into Chroma →
one SQLite transaction replacing the document's chunk records → delete its stale vectors.
A vector whose id is not in the manifest is an orphan of an interrupted write: search
ignores it and `open` sweeps it away (when a write's `pending_writes` row outlived its
process), so the index is always the last committed state.
"""

from __future__ import annotations

from pathlib import Path

from langchain_core.embeddings import Embeddings

from core.embeddings import CachedEmbeddings
from core.faults import fault_point, stage, write_started
from core.manifest import Manifest
from core.records import Chunk, Document
from core.settings import Settings
from core.vectors import SCHEMA_VERSION, Vectors


class EmbedderMismatch(RuntimeError):
    """The collection was built by a different embedder than the one configured."""


class Store(Manifest):
    """One per process: the manifest (whose reads are the store's reads), with the Chroma
    collection and the kept originals written in the crash-safe order."""

    def __init__(self, settings: Settings, embeddings: Embeddings, reset: bool = False) -> None:
        """`reset=True` empties the knowledge base (for a re-index, e.g. with a new embedder);
        the stored source files are kept."""
        self.settings = settings
        root = Path(settings.store)
        root.mkdir(parents=True, exist_ok=True)
        if not isinstance(embeddings, CachedEmbeddings):
            # Passage vectors persist beside the store (several stores may share one file).
            cache = Path(getattr(settings, "embed_cache", None) or root / "embed_cache.sqlite3")
            embeddings = CachedEmbeddings(embeddings, cache)
        self.embeddings = embeddings
        self.embedder_name = getattr(embeddings, "name", type(embeddings).__name__)
        super().__init__(root / f"{settings.collection}.manifest.sqlite3")
        self.files = root / "files"  # originals, named by content hash, never by upload name
        self.files.mkdir(exist_ok=True)
        if reset:
            self._forget_chunks()
        recorded = self._recorded_embedder()
        if recorded is None:
            self._record_embedder(self.embedder_name, SCHEMA_VERSION)
        elif recorded != self.embedder_name:
            raise EmbedderMismatch(self._mismatch_message(recorded))
        self.vectors = Vectors(settings, self.embedder_name, reset=reset)
        if self.vectors.built_by and self.vectors.built_by != self.embedder_name:
            raise EmbedderMismatch(self._mismatch_message(self.vectors.built_by))
        self._sweep_if_a_writer_died()
        # The generation this process's view of the vectors is current for: an embedded Chroma
        # keeps its vector index in memory and does not see another process's writes until
        # it is reopened (a Chroma server has one index for every client).
        self._vectors_generation = self.generation

    def _mismatch_message(self, built_by: str) -> str:
        return (f"The knowledge base '{self.settings.collection}' in {self.settings.store} was built "
                f"with embedder '{built_by}', but '{self.embedder_name}' is configured "
                f"(POLICYQA_EMBED_MODEL). Vectors from different models cannot be compared: "
                f"re-ingest with `policyqa reindex` (or use a new --store), or set "
                f"POLICYQA_EMBED_MODEL back to the model that built it.")

    # ---------------------------------------------------------------- the vectors' freshness
    def _current_vectors(self) -> Vectors:
        """The vectors, reopened first when another process has committed a write."""
        if self.settings.chroma_host:
            return self.vectors
        generation = self.generation
        if generation != self._vectors_generation:
            with self._lock:
                if generation != self._vectors_generation:
                    self.vectors.reopen()
                    self._vectors_generation = generation
        return self.vectors

    def _committed(self, generation_before: int) -> None:
        """After our own commit: our view stays current unless someone else wrote meanwhile."""
        if self._vectors_generation == generation_before:
            self._vectors_generation = generation_before + 1

    def dense_search(self, query_vector: list[float], k: int, where: dict | None = None
                     ) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity) of the nearest committed chunks."""
        if self.count_chunks() == 0:  # SQLite: cheaper than asking Chroma to count
            return []
        return self._current_vectors().nearest(query_vector, k, where)

    # ---------------------------------------------------------------- originals
    def keep_original(self, content_hash: str, suffix: str, data: bytes) -> Path:
        """Keep the source bytes so that `reindex` can rebuild without the original paths."""
        safe_suffix = suffix.lower() if suffix.lower().lstrip(".").isalnum() else ""
        path = self.files / f"{content_hash}{safe_suffix}"
        if not path.exists():
            tmp = path.with_suffix(path.suffix + ".tmp")
            tmp.write_bytes(data)
            tmp.replace(path)
        return path

    def original(self, doc: str) -> Path | None:
        """The kept original file of a document (None when there is none): only ever a file
        directly in the store's `files` folder, named by the store, never by a caller."""
        source = self._source_of(doc)
        if not source or "/" in source or "\\" in source or source.startswith("."):
            return None
        path = self.files / source
        if path.parent.resolve() != self.files.resolve() or not path.is_file() or path.is_symlink():
            return None
        return path

    def _drop_original(self, source: str) -> None:
        """Remove a kept original once no committed document names it (delete removes every copy)."""
        if not source or "/" in source or source.startswith(".") or self._source_named(source):
            return
        (self.files / source).unlink(missing_ok=True)

    # ---------------------------------------------------------------- writes
    def upsert_document(self, document: Document, chunks: list[Chunk],
                        new_vectors: dict[str, list[float]], source: str = "") -> None:
        """Replace a document's chunks with `chunks` (crash-safe; see module doc).
        `new_vectors` holds vectors for the chunks not already stored (content-hash ids)."""
        self.upsert_documents([(document, chunks, source)], new_vectors)

    def upsert_documents(self, batch: list[tuple[Document, list[Chunk], str]],
                         new_vectors: dict[str, list[float]]) -> None:
        """Replace several documents' chunks at once: one Chroma upsert, one SQLite transaction
        (manifest + generation), one delete of stale vectors; crash-safe as for one document."""
        if not batch:
            return
        with self._writing():
            write_started()
            vectors = self._current_vectors()  # never write through a stale view
            pending = self._begin_pending_write()
            stage("pending")
            old_ids: set[str] = set()
            old_sources: dict[str, str] = {}
            for document, _, _ in batch:
                old_ids |= self.chunk_ids(document.doc)
                old_sources[document.doc] = self._source_of(document.doc)
            stage("vectors")
            vectors.upsert([c for _, chunks, _ in batch for c in chunks if c.id in new_vectors],
                           new_vectors)
            fault_point("after-vectors")  # crash tests: vectors in, manifest not committed
            self._db.execute("BEGIN IMMEDIATE")
            stage("manifest")
            try:
                for document, chunks, source in batch:
                    self._put_document(document, chunks, source)
                before = self.generation
                self._bump_generation()
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._committed(before)
            stage("committed")
            kept = {c.id for _, chunks, _ in batch for c in chunks}
            stale = sorted(old_ids - kept)
            if stale:
                vectors.delete(stale)
            stage("stale-deleted")
            for document, _, source in batch:
                if old_sources[document.doc] != source:
                    self._drop_original(old_sources[document.doc])
            stage("originals")
            self._end_pending_write(pending)
            stage("")

    def delete_document(self, doc: str) -> int:
        """Remove a document and all of its chunks; returns how many chunks went."""
        with self._writing():
            ids = [r[0] for r in self._db.execute("SELECT id FROM chunks WHERE doc=?", (doc,))]
            if not ids and self.indexed_as(doc)[0] is None:
                raise KeyError(doc)
            source = self._source_of(doc)
            vectors = self._current_vectors()
            pending = self._begin_pending_write()
            self._db.execute("BEGIN IMMEDIATE")
            self._remove_document(doc)
            before = self.generation
            self._bump_generation()
            self._db.execute("COMMIT")
            self._committed(before)
            if ids:
                vectors.delete(ids)
            self._drop_original(source)
            self._end_pending_write(pending)
            return len(ids)

    # ---------------------------------------------------------------- crash recovery
    def _sweep_if_a_writer_died(self) -> None:
        """Sweep orphan vectors when a write was interrupted (its row outlived its process) or
        when Chroma holds another number of vectors than the manifest has chunks (a commit lost
        after its vectors were written leaves no row behind) — but never while another process
        is writing. The check holds SQLite's write lock, so no writer can register meanwhile."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            dead = self._dead_writes()
            if dead is not None and (dead or self._vectors_disagree()):
                self._sweep_orphans()
                for tmp in self.files.glob("*.tmp"):  # a half-written original
                    tmp.unlink(missing_ok=True)
                self._db.executemany("DELETE FROM pending_writes WHERE id=?", [(r,) for r in dead])
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise

    def _vectors_disagree(self) -> bool:
        chunks = self._db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
        return self.vectors.count() != chunks

    def _sweep_orphans(self) -> None:
        """Delete vectors that no committed chunk owns (left by an interrupted write)."""
        committed = {r[0] for r in self._db.execute("SELECT id FROM chunks")}
        orphans = [i for i in self.vectors.ids() if i not in committed]
        if orphans:
            self.vectors.delete(orphans)
