"""Policy questions written for fitting: the laws they are asked of, unpacked from the scale corpus.

`eval/data/policy_probes.jsonl` holds questions in the gold schema about thirty regulations of
`../shared/scale/laws.tar.xz` (local and national rules on parking, waste, smoking, markets,
old-age care, rentals, property, noise, dogs, parks…): Simplified, Traditional and English, about
half of them in everyday wording, a quarter unanswerable. They were written for this project by
sessions that saw no gold item, to measure what the reading-comprehension sets cannot (how an
official or a citizen asks about a rule), and they are a fitting set of `python -m eval.train`
(all fit, no validation fold: `eval/splits/probes.json`). Each source names a file of the
archive; this module writes those files, unchanged, into a corpus folder:

    python -m eval.policy_probes --laws ../shared/scale/laws.tar.xz --out /tmp/policy_probes
    python -m eval.train … --set probes=eval/data/policy_probes.jsonl:/tmp/policy_probes
"""

from __future__ import annotations

import argparse
import re
import tarfile
from pathlib import Path

from eval.metrics import load_jsonl

PROBES_PATH = Path(__file__).parent / "data" / "policy_probes.jsonl"
# The archive's file names: nothing else is read from it, so no member can name a path elsewhere.
_LAW_NAME = re.compile(r"law_[0-9a-f]{8}\.md")


def law_names(probes: Path = PROBES_PATH) -> list[str]:
    """The archive files the probes' sources name, sorted."""
    names = sorted({s["doc"] for item in load_jsonl(probes) for s in item.get("sources") or []})
    bad = [n for n in names if not _LAW_NAME.fullmatch(n)]
    if bad:
        raise ValueError(f"not a file name of the laws archive: {bad[0]!r}")
    return names


def extract(laws: Path, out: Path, probes: Path = PROBES_PATH) -> list[Path]:
    """Write the laws the probes are asked of from the archive `laws` into the folder `out`."""
    wanted = set(law_names(probes))
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with tarfile.open(laws, "r:*") as archive:
        for member in archive:
            name = member.name.rsplit("/", 1)[-1]
            if name in wanted and member.isfile():
                data = archive.extractfile(member).read()
                (out / name).write_bytes(data)
                written.append(out / name)
                wanted.discard(name)
    if wanted:
        raise FileNotFoundError(f"{len(wanted)} laws the probes name are not in {laws}: {sorted(wanted)[:3]}")
    return sorted(written)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--laws", required=True, type=Path, help="the scale corpus archive (laws.tar.xz)")
    ap.add_argument("--out", required=True, type=Path, help="folder to write the laws into")
    args = ap.parse_args(argv)
    written = extract(args.laws, args.out)
    print(f"wrote {len(written)} laws to {args.out}")
    print(f"  --set probes={PROBES_PATH}:{args.out}")


if __name__ == "__main__":
    main()
