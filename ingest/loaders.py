"""One function per file format, each returning a `Document` with the original text."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Callable

from charset_normalizer import from_bytes

from policyqa.records import Document


class LoadError(Exception):
    """A file that cannot be read as a document; the message says why, in plain words."""


# Encodings policy text really arrives in, tried in this order after BOM checks.
_CANDIDATES = ("utf-8", "gb18030", "big5", "utf-16")


def decode_bytes(data: bytes) -> str:
    """Decode UTF-8 (with or without BOM), UTF-16 (BOM), GBK/GB18030 or Big5 text."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if b"\x00" in data[:4096]:
        # UTF-16 without BOM: ASCII/CJK text has NULs in every other byte.
        for enc in ("utf-16-le", "utf-16-be"):
            try:
                return data.decode(enc)
            except UnicodeDecodeError:
                continue
        raise LoadError("binary file (contains NUL bytes), not text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    best = from_bytes(data, cp_isolation=["gb18030", "big5", "cp950", "utf_16"]).best()
    if best is not None:
        return str(best)
    for enc in _CANDIDATES[1:]:
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise LoadError("unknown text encoding (tried UTF-8, GB18030, Big5, UTF-16)")


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
    text = decode_bytes(data).replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise LoadError("the file is empty")
    return Document(doc=path.name, title=guess_title(text, path.stem), text=text,
                    content_hash=content_hash(data))


LOADERS: dict[str, Callable[[Path, bytes], Document]] = {
    ".txt": load_text,
    ".md": load_text,
    ".markdown": load_text,
}

MAX_FILE_BYTES = 50 * 1024 * 1024


def supported(path: Path) -> bool:
    return path.suffix.lower() in LOADERS


def load(path: Path, name: str | None = None) -> Document:
    """Load one file. `name` overrides the document name (uploads keep their client name
    as an identifier only; it is never used to build a path)."""
    loader = LOADERS.get(path.suffix.lower() if name is None else Path(name).suffix.lower())
    if loader is None:
        raise LoadError(f"unsupported file type '{path.suffix or '(none)'}' "
                        f"(supported: {', '.join(sorted(LOADERS))})")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise LoadError(f"file is too large ({size // 1_048_576} MiB; limit "
                        f"{MAX_FILE_BYTES // 1_048_576} MiB)")
    doc = loader(path, path.read_bytes())
    if name is not None:
        doc = Document(doc=name, title=doc.title, text=doc.text, meta=doc.meta,
                       content_hash=doc.content_hash)
    return doc
