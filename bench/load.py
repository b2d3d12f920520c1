"""Load test: N concurrent chat clients against the real server on 127.0.0.1.

    .venv/bin/python bench/load.py [--clients 20] [--seconds 60] [--upload-loop] [--store DIR]

One run, two phases on the same server process: one client alone (the baseline), then N
clients at once, each sending mixed questions (Simplified, Traditional, English; from the dev
gold set when present) back to back for the same bounded time. With --upload-loop an admin
client uploads and deletes a document in a loop during the concurrent phase. Prints
throughput, p50/p95/p99 latency, errors per phase, the server's RSS growth and the ratio of
N-client to one-client throughput; ends by stopping the server and checking the index
(vectors = manifest chunks, no orphans, no stray originals). Exit status 1 on errors or an
inconsistent index. The machine may be shared: read ratios, not absolute figures.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
ADMIN = "bench-admin-token"
QUESTIONS = [
    "社区党组织的经费怎么保障？",
    "柳園鎮2016年為多少人申請了大病救助？",
    "How should a community party branch be funded?",
    "How many livelihood service stations did Changchun set up?",
    "长春实施黑楼道亮化工程投入了多少钱？",
    "五华区对社区工作者的待遇有什么规定？",
]
UPLOAD = ("关于压力测试临时文件的通知\n一、本文件用于并发上传与删除测试，每轮上传后立即删除。\n"
          "二、测试经费由区财政统一保障，每年不少于二万元。\n")


def questions(gold: Path) -> list[str]:
    qs = list(QUESTIONS)
    if gold.is_file():
        qs += [json.loads(line)["question"] for line in gold.open(encoding="utf-8") if line.strip()]
    return qs


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> tuple[float, float]:
    """(current RSS, peak RSS) of a process in MiB, from /proc."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (all its threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] * 1000


class Phase:
    def __init__(self, name: str) -> None:
        self.name = name
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self.lock = threading.Lock()
        self.elapsed = 0.0
        self.server_cpu = 0.0  # CPU seconds the server used during the phase

    def add(self, seconds: float, error: str | None) -> None:
        with self.lock:
            if error:
                self.errors.append(error)
            else:
                self.latencies.append(seconds)

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0

    def line(self) -> str:
        lat = self.latencies
        cores = self.server_cpu / self.elapsed if self.elapsed else 0.0
        return (f"{self.name:<22}{len(lat):>7}{len(self.errors):>7}{self.throughput:>10.2f}"
                f"{pct(lat, 0.5):>10.0f}{pct(lat, 0.95):>10.0f}{pct(lat, 0.99):>10.0f}"
                f"{(statistics.mean(lat) * 1000 if lat else float('nan')):>10.0f}{cores:>12.2f}")


def ask_loop(base: str, qs: list[str], phase: Phase, deadline: float, seed: int,
             max_requests: int) -> None:
    rng = random.Random(seed)
    with httpx.Client(base_url=base, timeout=120) as client:
        n = 0
        while time.monotonic() < deadline and n < max_requests:
            q = rng.choice(qs)
            t0 = time.perf_counter()
            try:
                r = client.post("/api/ask", json={"question": q})
                error = None if r.status_code == 200 and "answer" in r.json() else f"HTTP {r.status_code}: {r.text[:120]}"
            except httpx.HTTPError as e:
                error = f"{type(e).__name__}: {e}"
            phase.add(time.perf_counter() - t0, error)
            n += 1


def upload_loop(base: str, phase: Phase, deadline: float) -> None:
    headers = {"X-Admin-Token": ADMIN}
    with httpx.Client(base_url=base, timeout=300) as client:
        i = 0
        while time.monotonic() < deadline:
            name = f"load-test-{i % 3}.txt"
            t0 = time.perf_counter()
            try:
                r = client.post("/api/documents", headers=headers,
                                files={"file": (name, (UPLOAD + f"三、第{i}轮。\n").encode(), "text/plain")})
                error = None if r.status_code == 200 else f"upload HTTP {r.status_code}: {r.text[:120]}"
                if error is None:
                    r = client.delete(f"/api/documents/{name}", headers=headers)
                    error = None if r.status_code == 200 else f"delete HTTP {r.status_code}: {r.text[:120]}"
            except httpx.HTTPError as e:
                error = f"{type(e).__name__}: {e}"
            phase.add(time.perf_counter() - t0, error)
            i += 1


def run_phase(name: str, base: str, qs: list[str], clients: int, seconds: float,
              max_requests: int, upload: Phase | None = None, server_pid: int = 0) -> Phase:
    phase = Phase(name)
    cpu0 = cpu_seconds(server_pid) if server_pid else 0.0
    deadline = time.monotonic() + seconds
    threads = [threading.Thread(target=ask_loop, args=(base, qs, phase, deadline, i, max_requests))
               for i in range(clients)]
    if upload is not None:
        threads.append(threading.Thread(target=upload_loop, args=(base, upload, deadline)))
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    phase.elapsed = time.perf_counter() - t0
    phase.server_cpu = cpu_seconds(server_pid) - cpu0 if server_pid else 0.0
    if upload is not None:
        upload.elapsed = phase.elapsed
    return phase


def start_server(store: Path, port: int, workers: int | None) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICYQA_")}
    env.update({"POLICYQA_STORE": str(store), "POLICYQA_ADMIN_TOKEN": ADMIN,
                "POLICYQA_RATE_LIMIT": "0",  # every client of the bench shares 127.0.0.1
                "POLICYQA_MAX_PENDING": "1000", "ANONYMIZED_TELEMETRY": "False",
                "PYTHONPATH": str(ROOT)})
    env.pop("OMP_NUM_THREADS", None)  # the server sets threads per worker itself
    if workers:
        env["POLICYQA_WORKERS"] = str(workers)
    # Its own session: with the kernel's autogroup scheduling the server is then one group of
    # its own, not sharing the bench clients' CPU share.
    return subprocess.Popen([sys.executable, "-m", "policyqa.cli", "serve", "--port", str(port)],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)


def wait_ready(base: str, proc: subprocess.Popen, timeout: float = 600) -> None:
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if proc.poll() is not None:
            raise SystemExit(f"server exited: {proc.stderr.read()[-2000:]}")
        try:
            if httpx.get(base + "/api/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.5)
    raise SystemExit("server did not become ready")


def check_index(store: Path) -> "object":
    code = ("import sys, json\nfrom pathlib import Path\nfrom core.settings import load_settings\n"
            "from core.embeddings import get_embeddings\nfrom core.store import Store\n"
            "from core.integrity import check\n"
            "s = load_settings(store=Path(sys.argv[1]))\n"
            "r = check(Store(s, get_embeddings(s.embed_model)))\n"
            "print(json.dumps({'ok': r.strict_ok, 'summary': r.summary()}))")
    out = subprocess.run([sys.executable, "-c", code, str(store)], cwd=ROOT, capture_output=True,
                         text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=600)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=60, help="length of each phase")
    ap.add_argument("--max-requests", type=int, default=100_000, help="per client and phase")
    ap.add_argument("--upload-loop", action="store_true", help="upload/delete during the N-client phase")
    ap.add_argument("--store", type=Path, help="a store to copy (default: the sample corpus, ingested)")
    ap.add_argument("--workers", type=int, help="server answer workers (default: one per core)")
    ap.add_argument("--gold", type=Path, default=ROOT.parent / "shared" / "gold" / "dev.jsonl")
    args = ap.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="policyqa-load-"))
    store = tmp / "store"
    if args.store:
        shutil.copytree(args.store, store)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = start_server(store, port, args.workers)
    try:
        wait_ready(base, proc)  # an empty store ingests the sample corpus on first start
        qs = questions(args.gold)
        run_phase("warm-up", base, qs, 2, min(10.0, args.seconds), 20)
        rss0, _ = rss_mb(proc.pid)
        one = run_phase("1 client", base, qs, 1, args.seconds, args.max_requests, server_pid=proc.pid)
        upload = Phase("upload+delete") if args.upload_loop else None
        many = run_phase(f"{args.clients} clients", base, qs, args.clients, args.seconds,
                         args.max_requests, upload, server_pid=proc.pid)
        rss1, peak = rss_mb(proc.pid)
        health = httpx.get(base + "/api/health", timeout=30).json()
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    index = check_index(store)
    shutil.rmtree(tmp, ignore_errors=True)

    print(f"server on 127.0.0.1, {os.cpu_count()} CPUs, {len(qs)} distinct questions, "
          f"{args.seconds:.0f} s per phase; store {health['documents']} documents / {health['chunks']} chunks")
    print(f"{'phase':<22}{'ok':>7}{'errors':>7}{'req/s':>10}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}{'mean ms':>10}{'server CPUs':>12}")
    for phase in (one, many, *([upload] if upload else [])):
        print(phase.line())
    ratio = many.throughput / one.throughput if one.throughput else float("nan")
    errors = len(one.errors) + len(many.errors) + (len(upload.errors) if upload else 0)
    for e in (one.errors + many.errors + (upload.errors if upload else []))[:5]:
        print(f"  error: {e}")
    print(f"throughput ratio {args.clients} clients / 1 client: {ratio:.2f}x; "
          f"p95 ratio {pct(many.latencies, 0.95) / pct(one.latencies, 0.95):.2f}x")
    print(f"server CPU in use (cores busy): 1 client {one.server_cpu / one.elapsed:.2f}, "
          f"{args.clients} clients {many.server_cpu / many.elapsed:.2f} of {os.cpu_count()} "
          f"(load average now {os.getloadavg()[0]:.1f}: other processes share the machine)")
    print(f"server RSS: {rss0:.0f} MiB after warm-up -> {rss1:.0f} MiB (growth {rss1 - rss0:+.0f} MiB), "
          f"peak {peak:.0f} MiB")
    print(f"index check: {index['summary']}")
    print(json.dumps({"clients": args.clients, "seconds": args.seconds, "errors": errors,
                      "throughput_1": round(one.throughput, 3),
                      "throughput_n": round(many.throughput, 3), "ratio": round(ratio, 3),
                      "p50_ms": round(pct(many.latencies, 0.5)), "p95_ms": round(pct(many.latencies, 0.95)),
                      "p99_ms": round(pct(many.latencies, 0.99)), "rss_growth_mb": round(rss1 - rss0),
                      "server_cores_1": round(one.server_cpu / one.elapsed, 2),
                      "server_cores_n": round(many.server_cpu / many.elapsed, 2),
                      "index_ok": index["ok"]}))
    return 0 if errors == 0 and index["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
