"""Question words learned from questions: the words people ask with, not about.

A word that stands in a far larger share of questions than of the sentences of the documents
they are asked of (何处, 哪一年, 第几, 文中) asks for something; it names no topic a sentence
could cover, and a question that holds it is no less answered by a sentence that lacks it. The
list is counted on the fitting folds of the reading-comprehension sets (thousands of questions
written by others about documents nobody here chose), never on their validation folds, and it
is written to `retrieval/data/question_words.txt`, where the question's tokenizer reads it.

    python -m eval.question_words --set cmrc=../shared/rc/cmrc_dev --set drcd=../shared/rc/drcd_dev
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

from core.script import normalise
from eval.metrics import load_jsonl
from eval.splits import items_in, load_split
from retrieval.tokens import QUESTION_WORDS_FILE, STOPWORDS, search_cut

# A word counts when it stands in at least MIN_QUESTIONS fitting questions and its share of
# questions is at least MIN_RATIO times its share of document sentences (both shares smoothed by
# one sentence): topic words run near 1–5, the asking words of these sets at 15 and beyond.
MIN_QUESTIONS = 8
MIN_RATIO = 15.0
_SENTENCE_END = re.compile(r"[。！？!?\n]+")
_WORD = re.compile(r"\w{2,}")  # words of two characters or more; one character is left to the stopwords


def question_words(sets: dict[str, Path]) -> list[tuple[str, int, int, float]]:
    """(word, questions holding it, sentences holding it, ratio) for every learned question word."""
    in_questions: Counter = Counter()
    in_sentences: Counter = Counter()
    n_questions = n_sentences = 0
    for name, root in sets.items():
        fitting = items_in(load_jsonl(root / "gold.jsonl"), load_split(name), "fit")
        docs = set()
        for item in fitting:
            if not item.get("question", "").strip():
                continue
            n_questions += 1
            in_questions.update(set(search_cut(normalise(item["question"]))))
            docs.update(s["doc"] for s in item.get("sources") or [])
        for doc in sorted(docs):
            for sentence in _SENTENCE_END.split(normalise((root / "corpus" / doc).read_text(encoding="utf-8"))):
                if sentence.strip():
                    n_sentences += 1
                    in_sentences.update(set(search_cut(sentence)))
    rows = []
    for word, q in in_questions.items():
        if q < MIN_QUESTIONS or word in STOPWORDS or not _WORD.fullmatch(word) or word.isdigit():
            continue
        ratio = (q / n_questions) / ((in_sentences[word] + 1) / n_sentences)
        if ratio >= MIN_RATIO:
            rows.append((word, q, in_sentences[word], ratio))
    return sorted(rows, key=lambda r: -r[3])


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m eval.question_words", description=__doc__.split("\n\n")[0])
    p.add_argument("--set", action="append", required=True, metavar="NAME=FOLDER",
                   help="a reading-comprehension set: its split name and its folder (gold.jsonl, corpus/)")
    p.add_argument("--out", type=Path, default=QUESTION_WORDS_FILE)
    args = p.parse_args(argv)
    sets = {name: Path(folder) for name, folder in (s.split("=", 1) for s in args.set)}
    rows = question_words(sets)
    lines = ["# Question words learned by `python -m eval.question_words` (fitting folds of "
             + ", ".join(sets) + f"; at least {MIN_QUESTIONS} questions, share ratio ≥ {MIN_RATIO:g}).",
             "# word\tquestions\tsentences\tratio"]
    lines += [f"{w}\t{q}\t{s}\t{r:.1f}" for w, q, s, r in rows]
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(rows)} question words → {args.out}")
    for w, q, s, r in rows:
        print(f"  {w}\t{q}\t{s}\t{r:.1f}")


if __name__ == "__main__":
    main()
