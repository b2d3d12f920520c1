"""Incremental ingest: files → Documents → chunks → vectors → store.

A file whose content hash is already indexed under its name, prepared under the same rules
(`ingest.fingerprint`), is skipped; a changed file, or one prepared by older rules, replaces its
old chunks; one broken file is reported and never stops the others. Documents are prepared
one by one but embedded and written in batches across files (`BatchOptions`): the model and the
store pay their per-call overhead once per batch, not once per small file. Passage vectors go
into the persistent embedding cache too, where the answer stage reads them back; sentences are
never embedded.
"""

from __future__ import annotations

import os
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from tqdm import tqdm

from ingest.clean import clean, fidelity
from ingest.fingerprint import rules_fingerprint
from ingest.loaders import LoadError, load_bytes, read_file, supported
from ingest.metadata import extract_metadata
from ingest.split import split
from core.records import Chunk, Document

if TYPE_CHECKING:  # a store is handed in, never built here: the rules fingerprint leaves its code out
    from core.store import Store


@dataclass(frozen=True)
class BatchOptions:
    """Measured with bench/compare.py on 2 shared cores (sample corpus + law distractors)."""

    chunks_per_write: int = 512  # chunks gathered across files before one embed + store write
    docs_per_write: int = 200  # …or this many documents (tiny files)


@dataclass
class FileResult:
    path: str
    doc: str
    status: str  # indexed | updated | unchanged | duplicate | failed | skipped
    chunks: int = 0
    reason: str = ""
    fidelity: str = ""  # characters kept by the cleaner (`policyqa ingest -v`)
    # What went wrong, for interfaces that say it in their own language (policyqa/messages.py):
    # a LoadError's kind, or unsupported, io, write_failed, original_missing, missing, same_name.
    kind: str = ""
    other: str = ""  # the other document of a duplicate


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


def printable(path: Path | str) -> str:
    """A path as the report can print it: control characters, undecodable bytes (surrogate
    escapes) and other unprintable characters shown as escapes, never written raw."""
    out = []
    for ch in str(path):
        if ch.isprintable():
            out.append(ch)
        elif 0xDC80 <= ord(ch) <= 0xDCFF:  # a byte the file system name did not decode
            out.append(f"\\x{ord(ch) - 0xDC00:02x}")
        else:
            out.append(ch.encode("unicode_escape").decode("ascii"))
    return "".join(out)


def _refusal(path: Path, reason: str) -> FileResult:
    return FileResult(printable(path), printable(path.name), "skipped", reason=reason)


def find_files(paths: Iterable[Path]) -> tuple[list[Path], list[FileResult]]:
    """Regular files to ingest, and a report line for everything not read.

    A file named on the command line is read (through its link, if it is one: the user named
    it). Inside a folder only regular files are read: symbolic links (to files or folders,
    inside or outside), FIFOs, sockets and devices are reported and skipped, as are hidden
    names (starting with '.') and names the report cannot print. Folders are walked without
    following links, so nothing outside the given folders is ever opened."""
    files: list[Path] = []
    refused: list[FileResult] = []
    for given in paths:
        given = Path(given)
        if not given.is_dir():
            files.append(given.resolve() if given.is_symlink() else given)
            continue
        root = given.resolve()
        stack = [given]
        while stack:
            folder = stack.pop()
            try:
                entries = sorted(os.scandir(folder), key=lambda e: e.name)
            except OSError as e:
                refused.append(_refusal(folder, f"folder cannot be read ({e.strerror})"))
                continue
            subfolders = []
            for entry in entries:
                path = Path(entry.path)
                if not entry.name.isprintable():
                    refused.append(_refusal(path, "name contains unprintable characters or bytes "
                                                  "that are not text; rename the file to ingest it"))
                elif entry.name.startswith("."):
                    kind = "folder" if entry.is_dir(follow_symlinks=False) else "file"
                    refused.append(_refusal(path, f"hidden {kind} (name starts with '.'): not read"))
                elif entry.is_symlink():
                    refused.append(_refusal(path, _link_reason(path, root)))
                elif entry.is_dir(follow_symlinks=False):
                    subfolders.append(path)
                elif entry.is_file(follow_symlinks=False):
                    files.append(path)
                else:
                    refused.append(_refusal(path, "not a regular file (FIFO, socket or device): not read"))
            stack.extend(reversed(subfolders))
    return files, refused


def _link_reason(path: Path, root: Path) -> str:
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return "symbolic link with a missing or looping target: not followed"
    if target != root and root not in target.parents:
        return "symbolic link to a file outside the ingested folder: not followed"
    return "symbolic link: not followed (its target in the folder is ingested on its own)"


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """The files `find_files` would read (see there for what is skipped)."""
    return find_files(paths)[0]


def prepare(document: Document, max_tokens: int) -> tuple[Document, list[Chunk]]:
    """Clean, extract metadata and split one loaded document."""
    cleaned = clean(document.text)
    if not cleaned.text.strip():
        raise LoadError("no text left after removing page furniture and noise", kind="empty")
    kept = fidelity(document.text, cleaned)
    meta = {**extract_metadata(document.title, cleaned.text, file_name=document.doc), **document.meta,
            "ingest_rules": rules_fingerprint(),
            "fidelity": {"chars": kept.chars, "kept": kept.kept, "prose": kept.prose,
                         "prose_kept": kept.prose_kept}}
    title = meta.pop("title", "") or document.title  # the document's own title line
    document = Document(doc=document.doc, title=title, text=document.text, meta=meta,
                        content_hash=document.content_hash, ocr=document.ocr)
    return document, split(document, cleaned, max_tokens=max_tokens)


@dataclass
class _Prepared:
    result: FileResult
    document: Document
    chunks: list[Chunk]
    data: bytes
    suffix: str


def prepare_file(store: Store, path: Path, name: str | None, max_tokens: int
                 ) -> FileResult | _Prepared:
    """Load and split one file, or say why not (never raises for a bad file)."""
    doc_name = name or path.name
    shown = printable(path)
    try:
        if not supported(Path(doc_name)):
            return FileResult(shown, doc_name, "skipped", kind="unsupported",
                              reason=f"unsupported file type '{Path(doc_name).suffix or '(none)'}'")
        data = read_file(path)
        document = load_bytes(doc_name, data)
        note = document.meta.get("load_note", "")
        if note:  # said in the report, not stored as document metadata
            document = Document(doc=document.doc, title=document.title, text=document.text,
                                meta={k: v for k, v in document.meta.items() if k != "load_note"},
                                content_hash=document.content_hash, ocr=document.ocr)
        previous, rules = store.indexed_as(document.doc)
        if previous == document.content_hash and rules == rules_fingerprint():
            return FileResult(shown, document.doc, "unchanged",
                              reason="already indexed, content unchanged")
        twin = store.doc_with_hash(document.content_hash)
        if twin and twin != document.doc:
            return FileResult(shown, document.doc, "duplicate", other=twin,
                              reason=f"same content as '{twin}', already indexed")
        document, chunks = prepare(document, max_tokens)
    except LoadError as e:
        return FileResult(shown, doc_name, "failed", reason=str(e), kind=e.kind)
    except (OSError, UnicodeError, ValueError) as e:
        return FileResult(shown, doc_name, "failed", reason=f"{type(e).__name__}: {e}", kind="io")
    status = "updated" if previous else "indexed"
    f = document.meta["fidelity"]
    kept = (f"kept {f['kept']}/{f['chars']} chars, prose "
            f"{100 * f['prose_kept'] / max(f['prose'], 1):.1f}%")
    return _Prepared(FileResult(shown, document.doc, status, chunks=len(chunks), reason=note,
                                fidelity=kept),
                     document, chunks, data, Path(doc_name).suffix)


def write_batch(store: Store, batch: list[_Prepared], options: BatchOptions = BatchOptions()) -> None:
    """Embed what is new in the batch (one model call sequence) and write it in one go.
    On a failure the batch's documents are retried one by one, so one bad document fails alone."""
    if not batch:
        return
    try:
        _write(store, batch, options)
    except Exception:  # noqa: BLE001
        for item in batch:
            try:
                _write(store, [item], options)
            except Exception as e:  # noqa: BLE001 — reported per file, the others go on
                item.result.status, item.result.chunks = "failed", 0
                item.result.reason, item.result.kind = f"{type(e).__name__}: {e}", "write_failed"


def _embed_ahead(store: Store, chunks: list[Chunk], options: BatchOptions) -> None:
    """Embed chunks into the persistent cache without any lock."""
    store.embeddings.embed_documents([c.index_text for c in chunks])


def _write(store: Store, batch: list[_Prepared], options: BatchOptions) -> None:
    existing: set[str] = set()
    for item in batch:
        existing |= store.chunk_ids(item.document.doc)
    todo = list({c.id: c for item in batch for c in item.chunks if c.id not in existing}.values())
    vectors = dict(zip([c.id for c in todo],
                       store.embeddings.embed_documents([c.index_text for c in todo])))
    rows = []
    for item in batch:
        source = store.keep_original(item.document.content_hash, item.suffix, item.data)
        rows.append((item.document, item.chunks, source.name))
    store.upsert_documents(rows, vectors)


def ingest_file(store: Store, path: Path, name: str | None = None, max_tokens: int = 200,
                write_lock=None) -> FileResult:
    """Ingest one file; never raises for a bad file, the result says what went wrong.
    With `write_lock`, only the write holds it: loading, cleaning, splitting and embedding
    (into the persistent cache, which the write then reads) run before it is taken, so other
    writes — a delete, another upload — are not held up by a long document."""
    prepared = prepare_file(store, path, name, max_tokens)
    if isinstance(prepared, FileResult):
        return prepared
    try:
        if write_lock is not None:
            _embed_ahead(store, prepared.chunks, BatchOptions())
        with write_lock if write_lock is not None else nullcontext():
            _write(store, [prepared], BatchOptions())
    except (OSError, ValueError) as e:
        return FileResult(printable(path), prepared.document.doc, "failed", kind="write_failed",
                          reason=f"{type(e).__name__}: {e}")
    return prepared.result


def ingest_paths(store: Store, paths: Iterable[Path], max_tokens: int = 200,
                 progress: bool = True, options: BatchOptions = BatchOptions()) -> IngestReport:
    report = IngestReport()
    pending: list[_Prepared] = []
    files, refused = find_files(paths)
    report.results.extend(refused)
    names: dict[str, Path] = {}
    for path in tqdm(files, desc="ingest", unit="file", disable=not progress or len(files) < 2):
        if not path.exists():
            report.results.append(FileResult(printable(path), printable(path.name), "failed",
                                             reason="no such file"))
            continue
        if path.name in names:
            # The document name is its identity: two files of one name would overwrite each other.
            report.results.append(FileResult(printable(path), path.name, "skipped",
                                             reason=f"another file named '{path.name}' was ingested "
                                                    f"in this run ({printable(names[path.name])})"))
            continue
        names[path.name] = path
        prepared = prepare_file(store, path, None, max_tokens)
        if isinstance(prepared, FileResult):
            report.results.append(prepared)
            continue
        twin = next((p for p in pending if p.document.content_hash == prepared.document.content_hash), None)
        if twin is not None:
            report.results.append(FileResult(printable(path), prepared.document.doc, "duplicate",
                                             reason=f"same content as '{twin.document.doc}', already indexed"))
            continue
        report.results.append(prepared.result)
        pending.append(prepared)
        if (sum(len(p.chunks) for p in pending) >= options.chunks_per_write
                or len(pending) >= options.docs_per_write):
            write_batch(store, pending, options)
            pending = []
    write_batch(store, pending, options)
    return report


def reindex(store: Store, max_tokens: int = 200, progress: bool = True,
            only: Iterable[str] | None = None) -> IngestReport:
    """Rebuild every document (or those named in `only`) from its kept original (after a store
    reset or a new embedder)."""
    report = IngestReport()
    docs = store.documents()
    if only is not None:
        wanted = set(only)
        docs = [d for d in docs if d["doc"] in wanted]
    for d in tqdm(docs, desc="reindex", unit="doc", disable=not progress or len(docs) < 2):
        src = store.files / d["source"]
        if not d["source"] or not src.exists():
            report.results.append(FileResult(d["doc"], d["doc"], "failed",
                                             kind="original_missing",
                                             reason="the kept original file is missing"))
            continue
        store.forget_hash(d["doc"])
        report.results.append(ingest_file(store, src, name=d["doc"], max_tokens=max_tokens))
    return report
