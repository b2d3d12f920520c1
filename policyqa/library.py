"""The knowledge bases of a deployment as Assistants: the one object the CLI and the server ask
and write through when a deployment has several bases (`kb.py`).

Each base is its own Store (Chroma collection, manifest, originals, keyword index) served by its
own `Assistant`, opened on first use and kept. A question asked of one base is that base's
answer, streamed as it is produced. A question asked of several bases is answered by each, and
the answer whose decision score (`support`) is highest is given — an answer over a decline —
with its citations, passages and suggestions from that base only: evidence of two bases is never
mixed in one answer. Writes (upload, delete, reindex) and changes of bases are recorded in the
audit log (`audit.py`) with who made them and the result.
"""

from __future__ import annotations

import logging
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from policyqa.assistant import Assistant, Stage, _sentences
from core.settings import Settings
from policyqa.deployment import DeploymentDB
from policyqa.errors import UserError
from policyqa.kb import KnowledgeBase, KnowledgeBases, unknown
from core.records import Answer

log = logging.getLogger("policyqa")


@dataclass(frozen=True)
class Asked:
    """The final answer to a question and the base it came from."""

    kb: KnowledgeBase
    answer: Answer


def base_settings(settings: Settings, kb: KnowledgeBase) -> Settings:
    """The deployment's settings pointed at one base: its folder and collection; the passage
    vector cache stays the deployment's (every base embeds with the same model)."""
    root = Path(settings.store)
    cache = settings.embed_cache or root / "embed_cache.sqlite3"
    return settings.model_copy(update={"store": root / kb.root if kb.root else root,
                                       "collection": kb.collection, "embed_cache": cache})


class Library:
    def __init__(self, settings: Settings, assistant: Assistant | None = None) -> None:
        """`assistant`: an Assistant already open on the default base (the store folder's own)."""
        from policyqa.access import Keys
        from policyqa.audit import AuditLog

        self.settings = settings
        self.db = DeploymentDB(Path(settings.store))
        self.bases = KnowledgeBases(self.db, settings)
        self.keys = Keys(self.db)
        self.audit = AuditLog(self.db)
        self._assistants: dict[str, Assistant] = {}
        self._lock = threading.RLock()
        if assistant is not None:
            self._assistants[assistant.settings.collection] = assistant
        self._embeddings = assistant.store.embeddings.inner if assistant is not None else None
        self.question_log = None  # opt-in (POLICYQA_QUESTION_LOG): set_question_log
        from policyqa.curation import Curation

        self.curation = Curation(self)  # curated answers, served first (`stream`)

    def set_question_log(self, question_log) -> None:
        """Every base's Assistant records its questions (with the base) in `question_log`."""
        with self._lock:
            self.question_log = question_log
            for assistant in self._assistants.values():
                assistant.question_log = question_log

    # ------------------------------------------------------------------ bases
    def default_assistant(self) -> Assistant | None:
        kb = self.bases.default()
        return self.assistant(kb) if kb else None

    def assistant(self, kb: KnowledgeBase) -> Assistant:
        with self._lock:
            found = self._assistants.get(kb.collection)
            if found is None:
                found = self._assistants[kb.collection] = self._open(kb)
            return found

    def _open(self, kb: KnowledgeBase, reset: bool = False) -> Assistant:
        from core.embeddings import get_embeddings
        from core.store import Store

        if self._embeddings is None:
            self._embeddings = get_embeddings(self.settings.embed_model)
        settings = base_settings(self.settings, kb)
        assistant = Assistant(settings, Store(settings, self._embeddings, reset=reset))
        assistant.question_log = self.question_log
        return assistant

    def base_folders(self) -> list[Path]:
        return [Path(base_settings(self.settings, kb).store) for kb in self.bases.list()]

    def create_base(self, name: str, public: bool = False, who: str = "") -> KnowledgeBase:
        with self.audit.action(who, "kb.create", name) as entry:
            kb = self.bases.create(name, public)
            self.assistant(kb)  # its store, collection and folder exist from now on
            entry.detail = "public" if public else "private"
            return kb

    def rename_base(self, old: str, new: str, who: str = "") -> KnowledgeBase:
        with self.audit.action(who, "kb.rename", old) as entry:
            kb = self.bases.rename(old, new)
            entry.detail = f"→ {kb.name}"
            return kb

    def set_public(self, name: str, public: bool, who: str = "") -> KnowledgeBase:
        with self.audit.action(who, "kb.public" if public else "kb.private", name):
            return self.bases.set_public(name, public)

    def delete_base(self, name: str, who: str = "") -> int:
        """Remove a base: its documents, vectors, originals, keyword index, folder and row.
        Returns how many documents went with it."""
        with self.audit.action(who, "kb.delete", name) as entry:
            kb = self.bases.get(name)
            with self._lock:
                assistant = self.assistant(kb)
                store = assistant.store
                docs = [d["doc"] for d in store.documents()]
                if not kb.root:  # the store folder's own base: remove what is its own only
                    for doc in docs:
                        store.delete_document(doc)
                try:
                    store.vectors.client.delete_collection(kb.collection)
                except Exception as e:  # noqa: BLE001 - already gone is fine
                    log.warning("could not delete collection %s: %s", kb.collection, type(e).__name__)
                store.close()
                self._assistants.pop(kb.collection, None)
                self.curation.store.remove_base(kb.collection)
                self.bases.remove(kb)
                folder = Path(base_settings(self.settings, kb).store)
                if kb.root:
                    shutil.rmtree(folder, ignore_errors=True)
                else:
                    for suffix in ("", "-wal", "-shm"):
                        (folder / f"{kb.collection}.manifest.sqlite3{suffix}").unlink(missing_ok=True)
                    for old in (folder / "keyword").glob(f"{kb.collection}-g*"):
                        shutil.rmtree(old, ignore_errors=True)
            entry.detail = f"{len(docs)} documents"
            return len(docs)

    def resolve(self, names: str | list[str] | None) -> list[KnowledgeBase]:
        """The bases named (a name, a comma-separated list or a list), in the order given;
        None or empty = the default base. An unknown name is an error."""
        if isinstance(names, str):
            names = [n for n in names.split(",")]
        names = [n.strip() for n in names or [] if isinstance(n, str) and n.strip()]
        if len(names) > 20:
            raise UserError("一次最多询问 20 个知识库。", "at most 20 knowledge bases per question")
        if not names:
            kb = self.bases.default()
            if kb is None:
                raise UserError("请指定知识库（kb）：默认知识库已删除。",
                                "name a knowledge base (kb): the default one was deleted")
            return [kb]
        out: list[KnowledgeBase] = []
        for name in dict.fromkeys(names):
            kb = self.bases.find(name)
            if kb is None:
                raise unknown(name)
            out.append(kb)
        return out

    # ------------------------------------------------------------------ questions
    def ask(self, question: str, kbs: list[KnowledgeBase], history: list[dict] | None = None,
            filters: dict | None = None) -> Asked:
        final = None
        for part in self.stream(question, kbs, history, filters):
            if isinstance(part, Asked):
                final = part
        assert final is not None
        return final

    def stream(self, question: str, kbs: list[KnowledgeBase], history: list[dict] | None = None,
               filters: dict | None = None) -> Iterator[Stage | str | Asked]:
        """As `Assistant.stream`, the final item an `Asked`. A still-valid curated answer to a
        question that means the same comes first (marked reviewed); otherwise one base: its
        stream as produced; several: each answers, the best answer is then given sentence by
        sentence."""
        if not kbs:
            raise UserError("没有可提问的知识库。", "there is no knowledge base to ask", status=403)
        reviewed = self._curated(question, kbs, history, filters)
        if reviewed is not None:  # an administrator's answer to this question comes first
            yield Stage("search")
            yield Stage("answer")
            yield from _sentences(reviewed.answer.text)
            yield reviewed
            return
        if len(kbs) == 1:
            for part in self.assistant(kbs[0]).stream(question, history, filters):
                yield Asked(kbs[0], part) if isinstance(part, Answer) else part
            return
        yield Stage("search")
        answers = [Asked(kb, self.assistant(kb).ask(question, history, filters)) for kb in kbs]
        best = max(answers, key=lambda a: (not a.answer.declined, a.answer.support))
        yield Stage("answer")
        yield from _sentences(best.answer.text)
        yield best

    def _curated(self, question: str, kbs: list[KnowledgeBase], history, filters) -> Asked | None:
        """The still-valid curated answer of the asked bases whose question is nearest in meaning
        to this one (above the bound), if any: the one place every answer route looks it up."""
        found = [Asked(kb, a) for kb in kbs if (a := self.curation.lookup(kb, question, history, filters))]
        return max(found, key=lambda a: a.answer.reviewed.similarity) if found else None

    # ------------------------------------------------------------------ writes (audited)
    def ingest(self, kb: KnowledgeBase, paths: list[Path], who: str = "", progress: bool = False):
        with self.audit.action(who, "ingest", kb.name, target=", ".join(str(p) for p in paths)) as entry:
            report = self.assistant(kb).ingest(paths, progress=progress)
            entry.detail = report.summary()
            if report.count("failed") and not report.count("indexed", "updated", "unchanged"):
                entry.result = "failed"
            return report

    def upload(self, kb: KnowledgeBase, data: bytes, name: str, who: str = ""):
        with self.audit.action(who, "upload", kb.name, target=name) as entry:
            result = self.assistant(kb).ingest_upload(data, name)
            entry.target = result.doc
            entry.detail = f"{result.status}, {result.chunks} chunks" + (f": {result.reason}" if result.reason else "")
            if result.status in ("failed", "skipped"):
                entry.result = "failed"
            return result

    def delete(self, kb: KnowledgeBase, doc: str, who: str = "") -> int:
        with self.audit.action(who, "delete", kb.name, target=doc) as entry:
            try:
                n = self.assistant(kb).delete(doc)
            except KeyError:
                entry.result = "failed"
                entry.detail = "no such document"
                raise
            entry.detail = f"{n} chunks"
            return n

    def reindex(self, kb: KnowledgeBase, who: str = "", progress: bool = False, reset: bool = False,
                docs: list[str] | None = None):
        """Rebuild a base (or only the documents `docs`) from its kept originals. `reset` (the
        CLI: e.g. after changing the embedder) empties the base first and opens it afresh;
        otherwise it is rebuilt in place under its write lock, so that whoever holds its
        Assistant (the UI) keeps a live one."""
        with self.audit.action(who, "reindex", kb.name, target=", ".join(docs or [])) as entry:
            if reset:
                with self._lock:
                    old = self._assistants.pop(kb.collection, None)
                    if old is not None:
                        old.store.close()
                    assistant = self._assistants[kb.collection] = self._open(kb, reset=True)
                report = assistant.reindex(progress=progress)
            else:
                report = self.assistant(kb).reindex(docs, progress=progress)
            entry.detail = report.summary()
            if report.results and all(r.status == "failed" for r in report.results):
                entry.result = "failed"
            return report

    # ------------------------------------------------------------------ keys (audited)
    def create_key(self, name: str, roles: list[str] | dict, who: str = "", identity: bool = False) -> str | None:
        """A new access key (its token, shown once) or proxy identity (None), with its roles."""
        from policyqa.access import parse_grants

        with self.audit.action(who, "key.create", target=name) as entry:
            grants = parse_grants(roles, self.bases)
            names = {kb.collection: kb.name for kb in self.bases.list()}
            entry.detail = ("identity; " if identity else "") + "; ".join(
                f"{names.get(scope, scope)}:{','.join(sorted(r))}" for scope, r in grants.items())
            return self.keys.create(name, grants, who, identity=identity)

    def revoke_key(self, name: str, who: str = "") -> None:
        with self.audit.action(who, "key.revoke", target=name):
            self.keys.revoke(name)

    def close(self) -> None:
        with self._lock:
            for assistant in self._assistants.values():
                assistant.store.close()
            self._assistants.clear()
            self.db.close()


class UiAssistant:
    """The default base's Assistant as the Gradio UI sees it: its document tab's writes go
    through the Library (so they are in the audit log, by `admin-token`), and the chat asks which
    bases a caller may ask and the chosen one (`bases`, policyqa/ui_bases.py)."""

    def __init__(self, assistant: Assistant, library: Library, access) -> None:
        from policyqa.ui_bases import UiBases

        self._assistant = assistant
        self._library = library
        self._access = access
        self.bases = UiBases(library, access)  # the chat's 「知识库」 selector and its checks

    def __getattr__(self, name: str):
        return getattr(self._assistant, name)

    def _base(self) -> KnowledgeBase:
        kb = self._library.bases.by_collection(self._assistant.settings.collection)
        if kb is None:
            raise UserError("该知识库已删除。", "this knowledge base was deleted", 404)
        return kb

    def stream(self, question: str, history: list[dict] | None = None, filters: dict | None = None):
        """The chat's answers go through the Library: curated answers first, as on every route."""
        for part in self._library.stream(question, [self._base()], history, filters):
            yield part.answer if isinstance(part, Asked) else part

    def ask(self, question: str, history: list[dict] | None = None, filters: dict | None = None) -> Answer:
        return self._library.ask(question, [self._base()], history, filters).answer

    def ingest_upload(self, data: bytes, name: str):
        return self._library.upload(self._base(), data, name, who="admin-token")

    def delete(self, doc: str) -> int:
        return self._library.delete(self._base(), doc, who="admin-token")

    def reindex(self, docs: list[str] | None = None):
        """Rebuild the named documents (every one when None) from their kept originals, in
        place (the UI keeps this Assistant), audited."""
        return self._library.reindex(self._base(), who="admin-token", docs=docs)
