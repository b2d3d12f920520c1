"""Is the knowledge base consistent? Vectors = manifest chunks (no orphans, none missing),
every document's chunk count as recorded, every kept original named by a document and no
original left behind. Used by bench/load.py and the crash tests."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Integrity:
    vectors: int
    chunks: int
    documents: int
    orphan_vectors: list[str] = field(default_factory=list)  # in Chroma, owned by no chunk
    missing_vectors: list[str] = field(default_factory=list)  # chunks without a vector
    miscounted: list[str] = field(default_factory=list)  # documents whose n_chunks is wrong
    missing_originals: list[str] = field(default_factory=list)
    stray_originals: list[str] = field(default_factory=list)  # kept files no document names

    @property
    def ok(self) -> bool:
        """The index is the last committed state. (An original kept by a write that was then
        killed may remain: harmless, reused by the next ingest of the same content.)"""
        return not (self.orphan_vectors or self.missing_vectors or self.miscounted
                    or self.missing_originals) and self.vectors == self.chunks

    @property
    def strict_ok(self) -> bool:
        """`ok` and no stray original (after a run without crashes)."""
        return self.ok and not self.stray_originals

    def summary(self) -> str:
        return (f"{'OK' if self.ok else 'INCONSISTENT'}: {self.vectors} vectors, {self.chunks} "
                f"manifest chunks, {self.documents} documents; orphans {len(self.orphan_vectors)}, "
                f"missing vectors {len(self.missing_vectors)}, miscounted documents "
                f"{len(self.miscounted)}, missing originals {len(self.missing_originals)}, stray "
                f"originals {len(self.stray_originals)}")


def check(store) -> Integrity:
    """Compare Chroma with the SQLite manifest of an open `core.store.Store`."""
    vector_ids = set(store.vectors.ids())
    chunk_ids = set(store.chunk_ids_in_order())
    counts = store.chunk_counts()
    docs = store.documents()
    miscounted = [d["doc"] for d in docs if counts.get(d["doc"], 0) != d["chunks"]]
    miscounted += [d for d in counts if d not in {row["doc"] for row in docs}]
    sources = {d["source"] for d in docs if d["source"]}
    kept = {p.name for p in store.files.iterdir() if p.is_file() and not p.name.endswith(".tmp")}
    return Integrity(
        vectors=len(vector_ids), chunks=len(chunk_ids), documents=len(docs),
        orphan_vectors=sorted(vector_ids - chunk_ids), missing_vectors=sorted(chunk_ids - vector_ids),
        miscounted=sorted(miscounted), missing_originals=sorted(sources - kept),
        stray_originals=sorted(kept - sources))
