"""Incremental ingest: files → Documents → chunks → vectors → store, one document at a time.

A file whose content hash is already indexed under its name is skipped; a changed file replaces
its old chunks; one broken file is reported and never stops the others.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from tqdm import tqdm

from ingest.clean import clean, fidelity
from ingest.loaders import LoadError, load, supported
from ingest.metadata import extract_metadata
from ingest.split import split
from policyqa.records import Chunk, Document
from policyqa.store import Store

EMBED_BATCH = 32


@dataclass
class FileResult:
    path: str
    doc: str
    status: str  # indexed | updated | unchanged | duplicate | failed | skipped
    chunks: int = 0
    reason: str = ""
    fidelity: str = ""  # characters kept by the cleaner (`policyqa ingest -v`)


@dataclass
class IngestReport:
    results: list[FileResult] = field(default_factory=list)

    def count(self, *statuses: str) -> int:
        return sum(1 for r in self.results if r.status in statuses)

    @property
    def chunks(self) -> int:
        return sum(r.chunks for r in self.results if r.status in ("indexed", "updated"))

    def summary(self) -> str:
        return (f"{len(self.results)} files: {self.count('indexed')} indexed, "
                f"{self.count('updated')} updated, {self.count('unchanged', 'duplicate')} unchanged/"
                f"duplicate, {self.count('skipped')} skipped, {self.count('failed')} failed; "
                f"{self.chunks} chunks written")


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Files as given, folders walked recursively (hidden files ignored), sorted."""
    out: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            out.extend(sorted(f for f in p.rglob("*") if f.is_file()
                              and not any(part.startswith(".") for part in f.relative_to(p).parts)))
        else:
            out.append(p)
    return out


def prepare(document: Document, max_tokens: int) -> tuple[Document, list[Chunk]]:
    """Clean, extract metadata and split one loaded document."""
    cleaned = clean(document.text)
    if not cleaned.text.strip():
        raise LoadError("no text left after removing page furniture and noise")
    kept = fidelity(document.text, cleaned)
    meta = {**extract_metadata(document.title, cleaned.text, file_name=document.doc), **document.meta,
            "fidelity": {"chars": kept.chars, "kept": kept.kept, "prose": kept.prose,
                         "prose_kept": kept.prose_kept}}
    title = meta.pop("title", "") or document.title  # the document's own title line
    document = Document(doc=document.doc, title=title, text=document.text, meta=meta,
                        content_hash=document.content_hash)
    return document, split(document, cleaned, max_tokens=max_tokens)


def ingest_document(store: Store, document: Document, data: bytes, suffix: str,
                    max_tokens: int) -> FileResult:
    previous = store.document_hash(document.doc)
    if previous == document.content_hash:
        return FileResult("", document.doc, "unchanged", reason="already indexed, content unchanged")
    twin = store.doc_with_hash(document.content_hash)
    if twin and twin != document.doc:
        return FileResult("", document.doc, "duplicate", reason=f"same content as '{twin}', already indexed")
    document, chunks = prepare(document, max_tokens)
    existing = store.chunk_ids(document.doc)
    todo = [c for c in chunks if c.id not in existing]
    vectors: dict[str, list[float]] = {}
    for i in range(0, len(todo), EMBED_BATCH):
        batch = todo[i:i + EMBED_BATCH]
        for c, v in zip(batch, store.embeddings.embed_documents([c.index_text for c in batch])):
            vectors[c.id] = v
    source = store.keep_original(document.content_hash, suffix, data)
    store.upsert_document(document, chunks, vectors, source=source.name)
    f = document.meta["fidelity"]
    return FileResult("", document.doc, "updated" if previous else "indexed", chunks=len(chunks),
                      fidelity=f"kept {f['kept']}/{f['chars']} chars, prose "
                               f"{100 * f['prose_kept'] / max(f['prose'], 1):.1f}%")


def ingest_file(store: Store, path: Path, name: str | None = None, max_tokens: int = 200) -> FileResult:
    """Ingest one file; never raises for a bad file, the result says what went wrong."""
    doc_name = name or path.name
    try:
        if not supported(Path(doc_name)):
            return FileResult(str(path), doc_name, "skipped",
                              reason=f"unsupported file type '{Path(doc_name).suffix or '(none)'}'")
        document = load(path, name=name)
        result = ingest_document(store, document, path.read_bytes(), Path(doc_name).suffix, max_tokens)
    except LoadError as e:
        return FileResult(str(path), doc_name, "failed", reason=str(e))
    except (OSError, UnicodeError, ValueError) as e:
        return FileResult(str(path), doc_name, "failed", reason=f"{type(e).__name__}: {e}")
    result.path = str(path)
    return result


def ingest_paths(store: Store, paths: Iterable[Path], max_tokens: int = 200,
                 progress: bool = True) -> IngestReport:
    report = IngestReport()
    files = expand_paths(paths)
    names: dict[str, Path] = {}
    for path in tqdm(files, desc="ingest", unit="file", disable=not progress or len(files) < 2):
        if not path.exists():
            report.results.append(FileResult(str(path), path.name, "failed", reason="no such file"))
            continue
        if path.name in names:
            # The document name is its identity: two files of one name would overwrite each other.
            report.results.append(FileResult(str(path), path.name, "skipped",
                                             reason=f"another file named '{path.name}' was ingested "
                                                    f"in this run ({names[path.name]})"))
            continue
        names[path.name] = path
        report.results.append(ingest_file(store, path, max_tokens=max_tokens))
    return report


def reindex(store: Store, max_tokens: int = 200, progress: bool = True) -> IngestReport:
    """Rebuild every document from its kept original (after a store reset or a new embedder)."""
    report = IngestReport()
    docs = store.documents()
    for d in tqdm(docs, desc="reindex", unit="doc", disable=not progress or len(docs) < 2):
        src = store.files / d["source"]
        if not d["source"] or not src.exists():
            report.results.append(FileResult(d["doc"], d["doc"], "failed",
                                             reason="the kept original file is missing"))
            continue
        store.forget_hash(d["doc"])
        report.results.append(ingest_file(store, src, name=d["doc"], max_tokens=max_tokens))
    return report
