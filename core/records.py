"""The records that flow between stages. Their shape never changes between stages."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields


def _known(cls, data: dict) -> dict:
    """The entries of `data` that are fields of the record class `cls`."""
    names = {f.name for f in fields(cls)}
    return {k: v for k, v in data.items() if k in names}


@dataclass(frozen=True)
class Document:
    """One source file as loaded: the original text, untouched."""

    doc: str  # file name, the document's identity in the store
    title: str
    text: str
    meta: dict = field(default_factory=dict)  # issuer, number, date, region, pages…
    content_hash: str = ""
    # Where OCR read the text: {"sizes": {page: [w, h]}, "lines": [[page, x0, y0, x1, y1, start,
    # end], …]}, each recognised line's page, box (pixels of that page's image as read) and
    # [start, end) in `text`. Kept apart from `meta`, which every chunk copies.
    ocr: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Document":
        return cls(**_known(cls, data))


@dataclass(frozen=True)
class Chunk:
    """A retrievable passage. `text` is the cleaned display text; `start`/`end` index the
    original document text, so `Document.text[start:end]` is the exact source span."""

    id: str
    doc: str
    title: str
    text: str
    index_text: str  # normalised (Simplified, half-width) text with heading path, for search
    start: int
    end: int
    position: int  # chunk number inside its document
    heading: str = ""
    page: int | None = None
    meta: dict = field(default_factory=dict)
    # (offset in text, offset in original) wherever cleaning removed characters in between.
    runs: tuple[tuple[int, int], ...] = ()

    def source_span(self, a: int, b: int) -> tuple[int, int]:
        """Original-document span [start, end) of `text[a:b]`."""
        def orig(i: int) -> int:
            base_c, base_o = 0, self.start
            for c, o in self.runs:
                if c > i:
                    break
                base_c, base_o = c, o
            return base_o + (i - base_c)
        return (orig(a), orig(b - 1) + 1) if b > a else (orig(a), orig(a))

    def to_dict(self) -> dict:
        """Every field (`runs` as pairs), as the store keeps a chunk."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Chunk":
        known = _known(cls, data)
        known["runs"] = tuple(tuple(r) for r in known.get("runs", ()))
        return cls(**known)


@dataclass(frozen=True)
class Hit:
    chunk: Chunk
    score: float
    found_by: tuple[str, ...] = ()  # which retrievers found it: "dense", "bm25"

    def to_dict(self) -> dict:
        """A retrieved passage as answers report it (`Answer.to_dict()["retrieved"]`)."""
        return {"doc": self.chunk.doc, "text": self.chunk.text, "score": round(self.score, 6),
                "chunk_id": self.chunk.id, "title": self.chunk.title}

    @classmethod
    def from_dict(cls, data: dict) -> "Hit":
        """The passage as reported: its chunk's position and search text are not part of it."""
        chunk = Chunk(id=data.get("chunk_id", ""), doc=data["doc"], title=data.get("title", ""),
                      text=data["text"], index_text="", start=0, end=0, position=0)
        return cls(chunk, data["score"])


@dataclass(frozen=True)
class Evidence:
    """A sentence of a retrieved passage that may be quoted: `chunk.text[a:b]`, completed from
    the next chunk (`tail`, up to `tail_end`) when the passage boundary cut it."""

    chunk: Chunk
    rank: int  # rank of its passage among the retrieved hits
    a: int
    b: int
    text: str  # display text (cleaned), continuation included
    tail: Chunk | None = None
    tail_end: int = 0
    # For a list item, the sentence that introduces the list (「有下列行为之一的，处…罚款：」):
    # the item's condition is only answered together with it.
    intro: "Evidence | None" = None
    # For a penalty (「违反本条例第三十三条第二项规定的，…处…罚款」), the sentences of the article
    # it cites: the conduct punished is only read there.
    cites: tuple["Evidence", ...] = ()

    def source_span(self) -> tuple[int, int]:
        """Original-document span of the whole sentence, continuation included."""
        start, end = self.chunk.source_span(self.a, self.b)
        if self.tail is not None:
            end = self.tail.source_span(0, self.tail_end)[1]
        return start, end


@dataclass(frozen=True)
class Decision:
    """Answer or decline, decided in code before any wording: a calibrated score (the modelled
    chance that the evidence answers the question), the threshold it was compared with, and the
    reason in words (shown to the user when declining)."""

    answer: bool
    score: float
    threshold: float
    reason: str
    features: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class Citation:
    n: int
    doc: str
    title: str
    quote: str  # exact span of the original document
    chunk_id: str
    start: int
    end: int
    date: str = ""
    heading: str = ""  # section or article path (「第四章 法律责任 › 第三十二条」)
    page: int | None = None
    display: str = ""  # the quote as shown: cleaned of ruby, mojibake and page markers

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Citation":
        return cls(**_known(cls, data))


@dataclass(frozen=True)
class Reviewed:
    """An answer an administrator approved (a curated answer, `policyqa/curated.py`): served
    marked 「已审核」 with who approved it and when."""

    id: int
    question: str  # the question it was approved for
    by: str
    at: str  # ISO time
    similarity: float  # of the asked question to `question`


@dataclass(frozen=True)
class Answer:
    text: str
    citations: tuple[Citation, ...]
    hits: tuple[Hit, ...]
    declined: bool
    query: str  # the standalone query actually searched
    suggestions: tuple[str, ...] = ()
    support: float = 0.0  # the decision's score (0..1): modelled chance the evidence answers
    declined_because: str = ""  # the decision's reason when declined
    decision: Decision | None = None
    reviewed: Reviewed | None = None

    def to_dict(self, retrieved_k: int = 10) -> dict:
        """The outputs schema of the gold README (minus `id`), plus citation details (and
        `reviewed` for a curated answer): what the API, `ask --json`, eval and the widget get."""
        body = {
            "answer": self.text,
            "citations": [c.to_dict() for c in self.citations],
            "retrieved": [h.to_dict() for h in self.hits[:retrieved_k]],
            "declined": self.declined,
            "query": self.query,
            "suggestions": list(self.suggestions),
            "support": round(self.support, 4),
            "declined_because": self.declined_because,
        }
        if self.reviewed is not None:
            body["reviewed"] = asdict(self.reviewed)
        return body

    @classmethod
    def from_dict(cls, data: dict) -> "Answer":
        """An answer read back from `to_dict()`'s output (its decision's features, which the
        schema does not carry, are not restored)."""
        reviewed = data.get("reviewed")
        return cls(text=data["answer"], citations=tuple(Citation.from_dict(c) for c in data.get("citations", ())),
                   hits=tuple(Hit.from_dict(h) for h in data.get("retrieved", ())),
                   declined=data.get("declined", False), query=data.get("query", ""),
                   suggestions=tuple(data.get("suggestions", ())), support=data.get("support", 0.0),
                   declined_because=data.get("declined_because", ""),
                   reviewed=Reviewed(**reviewed) if reviewed else None)
