"""Fitting and validation folds, split by document.

Every gold set is split by the documents its answers come from, with a fixed seed, so no fitted
part of the answer stage (`python -m eval.train`) ever sees a validation document or any question
about one. The split files are committed (`eval/splits/<set>.json`); figures are reported and
guarded on the validation fold only.

    python -m eval.splits --set dev=../shared/gold/dev.jsonl:../shared/corpus …   # (re)write the files

An item belongs to the fold holding all of its source documents; an item whose sources straddle
both folds belongs to neither ("straddling", counted). An unanswerable item has no source: it
goes to the fold its id hashes to, in the same proportion.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
from pathlib import Path

from eval.metrics import load_jsonl

SPLITS_DIR = Path(__file__).parent / "splits"
SEED = 20261204
VALIDATION_SHARE = 0.5


def make_split(name: str, corpus: Path, seed: int = SEED, share: float = VALIDATION_SHARE) -> dict:
    docs = sorted(p.name for p in Path(corpus).iterdir() if p.is_file())
    rng = random.Random(f"{seed}:{name}")
    shuffled = docs[:]
    rng.shuffle(shuffled)
    n_val = round(len(docs) * share)
    return {"set": name, "seed": seed, "validation_share": share,
            "val": sorted(shuffled[:n_val]), "fit": sorted(shuffled[n_val:])}


def _hash_fold(item_id: str, share: float) -> str:
    h = int(hashlib.sha1(item_id.encode()).hexdigest(), 16) % 10_000
    return "val" if h < share * 10_000 else "fit"


def fold_of(item: dict, split: dict) -> str | None:
    """'fit', 'val', or None for an item whose source documents straddle both folds."""
    docs = {s["doc"] for s in item.get("sources") or []}
    if not docs:
        return _hash_fold(item["id"], split.get("validation_share", VALIDATION_SHARE))
    val = set(split["val"])
    if docs <= val:
        return "val"
    if not docs & val:
        return "fit"
    return None


def load_split(name_or_path: str | Path) -> dict:
    path = Path(name_or_path)
    if not path.suffix:
        path = SPLITS_DIR / f"{name_or_path}.json"
    return json.loads(path.read_text(encoding="utf-8"))


def items_in(gold: list[dict], split: dict, fold: str) -> list[dict]:
    return [g for g in gold if fold_of(g, split) == fold]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--set", action="append", required=True, metavar="NAME=GOLD:CORPUS")
    args = ap.parse_args(argv)
    SPLITS_DIR.mkdir(exist_ok=True)
    for spec in args.set:
        name, paths = spec.split("=", 1)
        gold_path, corpus = paths.split(":", 1)
        split = make_split(name, Path(corpus))
        gold = load_jsonl(gold_path)
        counts = {f: sum(1 for g in gold if fold_of(g, split) == f) for f in ("fit", "val", None)}
        (SPLITS_DIR / f"{name}.json").write_text(json.dumps(split, ensure_ascii=False, indent=0) + "\n",
                                                 encoding="utf-8")
        print(f"{name}: {len(split['fit'])} fitting / {len(split['val'])} validation documents; "
              f"items fit {counts['fit']}, val {counts['val']}, straddling {counts[None]}")


if __name__ == "__main__":
    main()
