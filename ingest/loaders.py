"""Reading files: bounded reads, text decoding, zip checks and the registry of loaders (one
function per file format, each returning a `Document` with the original text). Plain text is
loaded here; each other family of formats has its own module: `pdf`, `word` (.docx),
`worddoc` (.doc/.wps), `web` (.html), `sheets` (.xlsx/.xls/.et), `ofd`, `scan` (OCR of images)."""

from __future__ import annotations

import errno
import importlib
import hashlib
import io
import os
import re
import stat
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from charset_normalizer import from_bytes

from core.records import Document


class LoadError(Exception):
    """A file that cannot be read as a document; the message says why, in plain words (English,
    for the CLI and logs). `kind` names the problem (empty, corrupt, password, needs_ocr…) so an
    interface can say it in its own language: `policyqa/messages.py` keeps the catalogue."""

    def __init__(self, message: str, kind: str = "unreadable") -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class LoadLimits:
    """Bounds on the work one input file may cause. Calibrated on this repository's test
    corpora: real .docx files of ../shared/ inflate 3-12x and hold < 300 parts; a hostile
    .docx (a 495 KB zip bomb declaring 1.2 GB) must be refused before any inflation."""

    max_file_bytes: int = 50 * 1024 * 1024
    # .docx (zip): refused by declared sizes before inflating, and every part is read
    # through a bounded stream that stops at its declared size (a lying header is caught).
    max_zip_members: int = 5000
    max_zip_uncompressed: int = 200 * 1024 * 1024
    max_zip_ratio: float = 200.0  # per part larger than zip_ratio_floor
    zip_ratio_floor: int = 1024 * 1024
    # UTF-8 with damage: at most this share of the decoded non-ASCII characters may be
    # invalid byte runs (a GB18030 or Big5 file fails UTF-8 on most of its characters).
    max_utf8_damage: float = 0.02
    max_utf8_damage_runs: int = 64
    # Prose breaks into clauses: over ../shared/ (sample, dev2 and 3,452 law texts) the longest
    # stretch without a sentence or clause mark or line break is 405 characters. A stretch 25x
    # that is not a document's text (a dump, a generated line) and would cost thousands of chunks.
    max_unbroken_chars: int = 10_000
    # Work per file, any format: the text kept (the longest national law, the Civil Code, is
    # about 110,000 characters; a 200,000-line table dump of 3.4 MB, ~3 M characters, cost a
    # cold ingest over 10 minutes of embedding). Beyond it the text is cut at a line break and
    # the report says where.
    max_chars: int = 600_000
    # PDFs: pages read per file (a 4,000-page PDF took 471 s and ~1 GB), and the seconds text
    # extraction may take per file; pages past either bound are cut and the report says so.
    max_pdf_pages: int = 1000
    max_pdf_seconds: float = 120.0


LIMITS = LoadLimits()
MAX_FILE_BYTES = LIMITS.max_file_bytes

# Single-byte-pair legacy encodings tried after UTF-8; UTF-16 only with a BOM or NUL bytes:
# any even-length byte string "decodes" as UTF-16, so it is never a fallback guess.
_CANDIDATES = ("gb18030", "big5")
# C0/C1 control characters that never appear in real text (tab, newlines, form feed are fine).
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f\ufffd]")


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str
    repaired: tuple[int, ...] = ()  # byte offsets of invalid UTF-8 runs replaced by U+FFFD


def decode_bytes(data: bytes) -> str:
    """Decode UTF-8 (with or without BOM), UTF-16 (BOM or NULs), GBK/GB18030 or Big5 text;
    refuse binary data. Invalid UTF-8 runs in otherwise UTF-8 text become U+FFFD."""
    return decode_report(data).text


def decode_report(data: bytes) -> Decoded:
    """`decode_bytes` with what was done: encoding and the offsets of repaired bytes."""
    decoded = _decode(data)
    text = decoded.text
    # A zip or image "decoded" as some encoding shows up as control characters.
    controls = len(_CONTROL.findall(text)) - len(decoded.repaired)
    if controls > max(2, len(text) // 100):
        raise LoadError("binary file (not text in any known encoding)", kind="not_text")
    return decoded


def _utf8_damage(data: bytes) -> tuple[int, ...] | None:
    """Byte offsets of the invalid runs when `data` is UTF-8 text with a few bad bytes
    (a truncated copy, a stray Latin-1 byte); None when it is not UTF-8 at all."""
    bad: list[int] = []
    good_multibyte = 0
    pos = 0
    last_end = -1
    while pos < len(data):
        try:
            chunk = data[pos:].decode("utf-8")
            good_multibyte += len(chunk) - len(chunk.encode("ascii", "ignore"))
            break
        except UnicodeDecodeError as e:
            head = data[pos:pos + e.start].decode("utf-8")
            good_multibyte += len(head) - len(head.encode("ascii", "ignore"))
            if pos + e.start != last_end:  # adjacent bad bytes are one run
                bad.append(pos + e.start)
            last_end = pos + e.end
            if len(bad) > LIMITS.max_utf8_damage_runs:
                return None
            pos += e.end
    # One bad run is damage whatever the rest; more must be rare among real UTF-8 characters.
    if len(bad) > 1 and len(bad) > LIMITS.max_utf8_damage * good_multibyte:
        return None
    return tuple(bad)


def _decode(data: bytes) -> Decoded:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
        try:
            return Decoded(data.decode("utf-8"), "utf-8-sig")
        except UnicodeDecodeError:
            bad = _utf8_damage(data)
            if bad is None:
                raise LoadError("the file starts with a UTF-8 mark but is not UTF-8 text", kind="not_text") from None
            return Decoded(data.decode("utf-8", errors="replace"), "utf-8-sig", bad)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return Decoded(data.decode("utf-16"), "utf-16")
        except UnicodeDecodeError as e:
            raise LoadError(f"the file starts with a UTF-16 mark but is not UTF-16 text ({e.reason} "
                            f"at byte {e.start})", kind="not_text") from None
    if b"\x00" in data[:4096]:
        # UTF-16 without BOM: ASCII/CJK text has NULs in every other byte.
        for enc in ("utf-16-le", "utf-16-be"):
            try:
                return Decoded(data.decode(enc), enc)
            except UnicodeDecodeError:
                continue
        raise LoadError("binary file (contains NUL bytes), not text", kind="not_text")
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    bad = _utf8_damage(data)
    if bad is not None:
        return Decoded(data.decode("utf-8", errors="replace"), "utf-8", bad)
    best = from_bytes(data, cp_isolation=["gb18030", "big5", "cp950"]).best()
    if best is not None:
        return Decoded(str(best), best.encoding)
    for enc in _CANDIDATES:
        try:
            return Decoded(data.decode(enc), enc)
        except UnicodeDecodeError:
            continue
    raise LoadError("unknown text encoding (tried UTF-8, GB18030, Big5; UTF-16 needs a byte-order mark)", kind="not_text")


def repair_note(repaired: tuple[int, ...]) -> str:
    """What the ingest report says about repaired bytes."""
    if not repaired:
        return ""
    where = ", ".join(str(o) for o in repaired[:5]) + (" …" if len(repaired) > 5 else "")
    return (f"{len(repaired)} invalid UTF-8 byte run(s) replaced by \ufffd (byte offset {where}); "
            f"the rest of the file is intact")


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def guess_title(text: str, fallback: str) -> str:
    """The first substantial line, which in policy files is the title or close to it."""
    from ingest.clean import clean  # local: clean imports nothing from here

    first = text.lstrip("\ufeff \n").split("\n", 1)[0].strip()
    # Doc-sharing sites put the original file name first: "…实施意见.doc".
    if (m := re.match(r"^(.{4,80})\.(?:docx?|pdf|wps)$", first)):
        return m.group(1)
    cleaned = clean(text).text
    for line in cleaned.splitlines():
        line = line.strip(" \t\u3000|")
        if 6 <= len(line) <= 60 and not line.endswith(("。", "；", ";")):
            return line
    return fallback


def load_text(path: Path, data: bytes) -> Document:
    decoded = decode_report(data)
    text = decoded.text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise LoadError("the file is empty", kind="empty")
    meta = {"load_note": repair_note(decoded.repaired)} if decoded.repaired else {}
    return Document(doc=path.name, title=guess_title(text, path.stem), text=text, meta=meta,
                    content_hash=content_hash(data))


def _meta_title(value: object) -> str | None:
    """A title from file metadata, unless it is the usual junk ("Microsoft Word - x.doc", "Untitled")."""
    title = str(value or "").strip()
    title = re.sub(r"^Microsoft Word - ", "", title)
    title = re.sub(r"\.(?:docx?|wps|pdf)$", "", title, flags=re.I).strip()
    if len(title) < 2 or title.lower() in {"untitled", "title", "document", "无标题", "(anonymous)", "anonymous"}:
        return None
    return title


def check_zip(data: bytes, limits: LoadLimits = LIMITS, kind: str = ".docx") -> None:
    """Refuse an archive whose declared sizes are too large or too compressed, then stream every
    part through a bounded reader (zipfile stops at the declared size and checks the CRC), so
    a zip bomb is refused having inflated at most `max_zip_uncompressed` bytes, 1 MiB at a time."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, NotImplementedError, EOFError, OSError) as e:
        raise LoadError(f"corrupt or unreadable {kind} (not a zip archive: {e})", kind="corrupt") from e
    with archive:
        members = archive.infolist()
        if len(members) > limits.max_zip_members:
            raise LoadError(f"refused: the archive holds {len(members)} parts "
                            f"(limit {limits.max_zip_members})", kind="zip_bomb")
        total = sum(m.file_size for m in members)
        if total > limits.max_zip_uncompressed:
            raise LoadError(f"refused as a zip bomb: its parts declare {total // 1_048_576} MiB "
                            f"uncompressed (limit {limits.max_zip_uncompressed // 1_048_576} MiB)", kind="zip_bomb")
        for m in members:
            if m.file_size > limits.zip_ratio_floor and m.file_size > limits.max_zip_ratio * max(m.compress_size, 1):
                raise LoadError(f"refused as a zip bomb: part '{m.filename[:80]}' inflates "
                                f"{m.file_size // max(m.compress_size, 1)}x (limit {limits.max_zip_ratio:.0f}x)", kind="zip_bomb")
        inflated = 0
        try:
            for m in members:
                with archive.open(m) as part:
                    while piece := part.read(1 << 20):
                        inflated += len(piece)
                        if inflated > limits.max_zip_uncompressed:
                            raise LoadError("refused as a zip bomb: it inflates beyond "
                                            f"{limits.max_zip_uncompressed // 1_048_576} MiB", kind="zip_bomb")
        except LoadError:
            raise
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError,
                NotImplementedError, RuntimeError, zlib.error) as e:
            raise LoadError(f"corrupt {kind} archive ({type(e).__name__}: {e})", kind="corrupt") from e


def _elsewhere(module: str, function: str) -> Callable[[Path, bytes], Document]:
    """A loader kept in its own module (one per family of formats), imported when first used:
    those modules import this one, and their libraries load only for files that need them."""
    def load_with(path: Path, data: bytes) -> Document:
        return getattr(importlib.import_module(module), function)(path, data)
    load_with.__name__ = function
    return load_with


LOADERS: dict[str, Callable[[Path, bytes], Document]] = {
    ".txt": load_text,
    ".md": load_text,
    ".markdown": load_text,
    ".pdf": _elsewhere("ingest.pdf", "load_pdf"),
    ".docx": _elsewhere("ingest.word", "load_docx"),
    ".html": _elsewhere("ingest.web", "load_html"),
    ".htm": _elsewhere("ingest.web", "load_html"),
    ".doc": _elsewhere("ingest.worddoc", "load_doc"),
    ".wps": _elsewhere("ingest.worddoc", "load_doc"),
    ".ofd": _elsewhere("ingest.ofd", "load_ofd"),
    **{suffix: _elsewhere("ingest.scan", "load_image")
       for suffix in (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp")},
    ".xlsx": _elsewhere("ingest.sheets", "load_xlsx"),
    ".xls": _elsewhere("ingest.sheets", "load_xls"),
    ".et": _elsewhere("ingest.sheets", "load_et"),
}


def supported(path: Path) -> bool:
    return path.suffix.lower() in LOADERS


_UNBROKEN = re.compile(r"[^。！？!?；;，,.、：:\n]+")


def check_breaks(text: str, limits: LoadLimits = LIMITS) -> None:
    """Refuse text with a stretch longer than `max_unbroken_chars` without any sentence or
    clause mark or line break (linear scan)."""
    for m in _UNBROKEN.finditer(text):
        if m.end() - m.start() > limits.max_unbroken_chars:
            raise LoadError(f"not prose: {m.end() - m.start():,} characters without any punctuation "
                            f"or line break (from character {m.start():,}; limit "
                            f"{limits.max_unbroken_chars:,}); split the text into lines or sentences", kind="not_prose")


def read_file(path: Path, limits: LoadLimits = LIMITS) -> bytes:
    """The bytes of a regular file, read with a bound. A symbolic link is refused at open time
    (O_NOFOLLOW), as is anything not a regular file (a FIFO would block, a device never ends)."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise LoadError("symbolic link: not followed (only regular files are read)", kind="link") from e
        raise
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(f.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise LoadError("not a regular file (device, FIFO or socket): not read", kind="not_regular")
        if st.st_size > limits.max_file_bytes:
            raise LoadError(f"file is too large ({st.st_size // 1_048_576} MiB; limit "
                            f"{limits.max_file_bytes // 1_048_576} MiB)", kind="too_large")
        # Never more than the limit, even if the file grows while it is read.
        data = f.read(min(st.st_size, limits.max_file_bytes) + 1)
        if len(data) > st.st_size:
            data += f.read(limits.max_file_bytes + 1 - len(data))
    if len(data) > limits.max_file_bytes:
        raise LoadError(f"file is too large (over {limits.max_file_bytes // 1_048_576} MiB)", kind="too_large")
    return data


def load_bytes(name: str, data: bytes) -> Document:
    """Load a file's bytes; `name` (a base name) picks the format and is the document's name."""
    loader = LOADERS.get(Path(name).suffix.lower())
    if loader is None:
        raise LoadError(f"unsupported file type '{Path(name).suffix or '(none)'}' "
                        f"(supported: {', '.join(sorted(LOADERS))})", kind="unsupported")
    if len(data) > LIMITS.max_file_bytes:
        raise LoadError(f"file is too large ({len(data) // 1_048_576} MiB; limit "
                        f"{LIMITS.max_file_bytes // 1_048_576} MiB)", kind="too_large")
    try:
        doc = _bounded(loader(Path(name), data))
    except (LoadError, OSError, UnicodeError, ValueError):
        raise
    except Exception as e:  # noqa: BLE001 — a reader library failing on a damaged file fails that file only
        raise LoadError(f"unreadable {Path(name).suffix.lower()} file ({type(e).__name__}: {e})", kind="corrupt") from e
    check_breaks(doc.text)
    if doc.doc != name:
        doc = Document(doc=name, title=doc.title, text=doc.text, meta=doc.meta,
                       content_hash=doc.content_hash, ocr=doc.ocr)
    return doc


def _bounded(doc: Document) -> Document:
    """The document with its text cut at the last line break before `LIMITS.max_chars` (PDF
    page offsets trimmed to match), and a note naming the cut; unchanged when within it."""
    limit = LIMITS.max_chars
    if len(doc.text) <= limit:
        return doc
    cut = doc.text.rfind("\n", 0, limit + 1)
    cut = cut if cut > limit // 2 else limit
    text = doc.text[:cut].rstrip()
    kept_lines, all_lines = text.count("\n") + 1, doc.text.count("\n") + 1
    note = (f"只索引了前 {len(text):,} 个字符（共 {len(doc.text):,} 个）。Indexed the first {len(text):,} "
            f"of {len(doc.text):,} characters (lines 1–{kept_lines:,} of {all_lines:,}); the rest was cut "
            f"(limit {limit:,} characters per file).")
    meta = dict(doc.meta)
    if "page_starts" in meta:
        meta["page_starts"] = [s for s in meta["page_starts"] if s < len(text)]
        meta["pages"] = len(meta["page_starts"])
    meta["load_note"] = " ".join(x for x in (meta.get("load_note", ""), note) if x)
    ocr = dict(doc.ocr)
    if ocr:  # lines and pages past the cut go with it
        ocr["lines"] = [ln for ln in ocr["lines"] if ln[6] <= len(text)]
        kept_pages = {str(ln[0]) for ln in ocr["lines"]}
        ocr["sizes"] = {p: size for p, size in ocr["sizes"].items() if p in kept_pages}
        if not ocr["lines"]:
            ocr = {}
    return Document(doc=doc.doc, title=doc.title, text=text, meta=meta, content_hash=doc.content_hash,
                    ocr=ocr)


def load(path: Path, name: str | None = None) -> Document:
    """Load one file. `name` overrides the document name (uploads keep their client name
    as an identifier only; it is never used to build a path)."""
    name = path.name if name is None else name
    if Path(name).suffix.lower() not in LOADERS:
        return load_bytes(name, b"")  # raises the unsupported-type error without reading
    return load_bytes(name, read_file(path))
