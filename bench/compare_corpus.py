"""The corpus of bench/compare.py: the sample corpus, plus law texts from the shared set as
distractors until it reaches about the asked number of chunks (built once per size under WORK)."""

from __future__ import annotations

import shutil
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAWS = ROOT.parent / "shared" / "scale" / "laws.tar.xz"


def build_corpus(work: Path, chunks: int | None) -> Path:
    """The sample corpus, plus law texts (sorted, deterministic) until ~`chunks` chunks."""
    from ingest.loaders import load_bytes
    from ingest.pipeline import prepare

    corpus = work / f"corpus-{chunks or 'sample'}"
    if (corpus / ".complete").exists():
        return corpus
    shutil.rmtree(corpus, ignore_errors=True)
    corpus.mkdir(parents=True)
    for f in sorted((ROOT / "sample_corpus").iterdir()):
        shutil.copy(f, corpus / f.name)
    if chunks:
        laws = work / "laws"
        if not laws.exists():
            with tarfile.open(LAWS) as tar:
                tar.extractall(work, filter="data")
        total = sum(len(prepare(load_bytes(f.name, f.read_bytes()), 200)[1])
                    for f in corpus.iterdir())
        for f in sorted(p for p in laws.rglob("*.md") if p.is_file()):
            if total >= chunks:
                break
            try:
                n = len(prepare(load_bytes(f.name, f.read_bytes()), 200)[1])
            except Exception:  # noqa: BLE001 — a file the loader refuses is just not used
                continue
            name = f"law-{len(list(corpus.iterdir())):05d}{f.suffix}"
            shutil.copy(f, corpus / name)
            total += n
    (corpus / ".complete").write_text("")
    return corpus
