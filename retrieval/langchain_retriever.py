"""The hybrid search as a LangChain retriever, for use in other LangChain pipelines."""

from __future__ import annotations

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document as LCDocument
from langchain_core.retrievers import BaseRetriever

from core.records import Chunk, Hit
from retrieval.search import Searcher


def to_langchain(hit: Hit) -> LCDocument:
    c: Chunk = hit.chunk
    return LCDocument(page_content=c.text, id=c.id, metadata={
        "doc": c.doc, "title": c.title, "start": c.start, "end": c.end, "heading": c.heading,
        "score": hit.score, "found_by": list(hit.found_by), **{k: v for k, v in c.meta.items()
                                                               if k != "page_starts"}})


class PolicyRetriever(BaseRetriever):
    """The hybrid search as a LangChain retriever, for use in other LangChain pipelines."""

    searcher: Searcher
    k: int = 10
    model_config = {"arbitrary_types_allowed": True}

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun
                                ) -> list[LCDocument]:
        return [to_langchain(h) for h in self.searcher.search(self.searcher.analyse(query), self.k)]
