#!/usr/bin/env python3
"""Train SparseScope's bundled default model (resources/model/) and measure it.

A small Llama (LlamaForCausalLM layout, RoPE rotate_half, GQA, SwiGLU, tied embeddings)
with its own byte-level BPE tokenizer (GPT-2 regex, 4096 tokens, <|endoftext|> as BOS
via TemplateProcessing), trained at context 2048 on licence-clean text plus synthetic
long-range tasks:
  - passkey retrieval in the exact format of TEAM.md (filler up to ~2000 tokens, any depth),
    also with natural text as the haystack;
  - key-value lookup tables;
  - repeated random token spans (induction; no loss on the first copy).
Text: .devdata/ made by tools/prepare_corpus.py (tinyshakespeare, King James Bible,
Python stdlib sources); the last 5 % of each (every 20th code file) is held out.

The model is trained with a plain PyTorch module whose parameter names are those of
transformers' LlamaForCausalLM (so it also runs on Debian's python3-torch 1.13 on the
CPU for a smoke test); when `transformers` is importable the weights are loaded into
LlamaForCausalLM, checked against the training module, and written with
save_pretrained; otherwise a hand-written safetensors/config.json is used.

Measured at the end, with the saved (F16-rounded) weights in float32:
  held-out loss and bits per byte per corpus vs a unigram model's bits per byte,
  induction (random tokens repeated twice: loss on the 2nd copy / loss on the 1st),
  passkey retrieval at 1500 tokens of filler (50 trials, dense attention, teacher-forced
  argmax equals every answer token).
Writes resources/model/{config.json, generation_config.json, model.safetensors,
tokenizer.json, training_report.json} and tests/golden/default_model/ (expected.json,
reference ids/logits computed in float64, held-out text slices, unigram log-probs).

Usage (GPU):   python3 tools/train_default_model.py --budget 240   (the recipe of resources/model)
Smoke (CPU):   python3 tools/train_default_model.py --smoke --budget 20 --out-model /tmp/m --out-golden /tmp/g
"""

import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lm_eval import induction_eval, measure_and_write, passkey_eval  # noqa: E402
from lm_model import TinyLlama, loss_fn  # noqa: E402
from lm_tasks import (MIXTURE, Batcher, ByteTokenizer, HFTokenizer, Synth, chunk_text, encode_docs,  # noqa: E402
                      load_corpora, passkey_strings, train_tokenizer)

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)

FULL = dict(vocab=4096, dim=256, layers=6, heads=8, kv_heads=4, head_dim=32, ffn=688, theta=10000.0,
            eps=1e-5, max_pos=2048)
SMOKE = dict(vocab=512, dim=64, layers=2, heads=4, kv_heads=2, head_dim=16, ffn=172, theta=10000.0,
             eps=1e-5, max_pos=512)


def get_tokenizer(args, corpora, vocab, log):
    try:
        from tokenizers import Tokenizer
    except ImportError:
        log("tokenizers missing: byte stand-in tokenizer (smoke only)")
        return ByteTokenizer()
    cached = os.path.join(args.cache, "tokenizer.json") if args.cache else None
    if cached and os.path.exists(cached):
        tok = HFTokenizer(Tokenizer.from_file(cached))
        log(f"tokenizer from {cached}, vocab {tok.vocab_size}")
        return tok
    rng = np.random.default_rng(7)
    extra = []
    for _ in range(300):  # so digits, the filler and the passkey sentences get merges
        p, a = passkey_strings(int(rng.integers(1, 6)), float(rng.random()), int(rng.integers(10000, 100000)))
        extra.append(p + a)
    texts = [p for docs, _ in corpora.values() for d in docs for p in chunk_text(d)] + extra
    tok = train_tokenizer(texts, vocab)
    log(f"tokenizer trained, vocab {tok.vocab_size}")
    if args.cache:
        os.makedirs(args.cache, exist_ok=True)
        tok.save(cached)
    return tok


def get_streams(args, tok, corpora, log):
    cached = os.path.join(args.cache, "streams.npz") if args.cache else None
    if cached and os.path.exists(cached) and tok.kind == "bpe":
        z = np.load(cached)
        log(f"token streams from {cached}")
        return {k: z[k].astype(np.int32) for k in z.files}
    streams = {name: encode_docs(tok, docs) for name, (docs, _) in corpora.items()}
    if cached and tok.kind == "bpe":
        np.savez(cached, **{k: v.astype(np.uint16) for k, v in streams.items()})
    return streams


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=os.path.join(REPO, ".devdata"))
    ap.add_argument("--out-model", default=os.path.join(REPO, "resources", "model"))
    ap.add_argument("--out-golden", default=os.path.join(REPO, "tests", "golden", "default_model"))
    ap.add_argument("--cache", default=None, help="folder for tokenizer.json + token streams (reused if present)")
    ap.add_argument("--budget", type=float, default=240, help="training seconds, compile included")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--compile", choices=["auto", "on", "off"], default="auto")
    ap.add_argument("--smoke", action="store_true", help="tiny model and data (CPU test)")
    ap.add_argument("--bench-steps", type=int, default=0, help="only time N steps eager vs compiled")
    ap.add_argument("--no-preflight", action="store_true")
    ap.add_argument("--ckpt", default=None, help="write the trained weights (F16 state dict) here")
    ap.add_argument("--eval-only", default=None, help="skip training: measure this --ckpt file")
    ap.add_argument("--eval-trials", type=int, default=50)
    ap.add_argument("--eval-every", type=int, default=250)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--log", default=None)
    args = ap.parse_args()

    t_start = time.time()
    logf = open(args.log, "a") if args.log else None

    def log(msg):
        line = f"[{time.time() - t_start:7.1f}s] {msg}"
        print(line, flush=True)
        if logf:
            logf.write(line + "\n")
            logf.flush()

    dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if dev.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = False  # measurements in real float32
        torch.backends.cudnn.allow_tf32 = False
    torch.manual_seed(args.seed)
    try:
        import transformers  # noqa: F401
        have_hf = True
    except ImportError:
        have_hf = False

    c = dict(SMOKE if args.smoke else FULL)
    if args.smoke:
        seq_len, limit, pk_filler, ind_len, other = 256, 300_000, 150, 48, [60]
    else:
        seq_len, limit, pk_filler, ind_len, other = 2048, None, 1500, 256, [500, 1000, 1900]
    log(f"device {dev} {torch.cuda.get_device_name(0) if dev.type == 'cuda' else ''} torch {torch.__version__} "
        f"transformers {have_hf}")

    corpora, val_texts = load_corpora(args.data, limit)
    tok = get_tokenizer(args, corpora, c["vocab"], log)
    c["vocab"] = tok.vocab_size
    streams = get_streams(args, tok, corpora, log)
    for k, st in streams.items():
        log(f"stream {k}: {len(st)} tokens")
    synth = Synth(tok, streams, np.random.default_rng(args.seed), seq_len)
    bad = synth.check_concat()
    log(f"passkey piecewise-vs-whole tokenization mismatches: {bad}/20")
    if bad and tok.kind == "bpe":
        raise SystemExit("piecewise passkey tokenization differs from encoding the whole prompt")

    # validation: at most 4 windows per corpus, scored during training to pick the checkpoint
    val_ids = {k: tok.encode(v)[: 4 * (seq_len - 1)] for k, v in val_texts.items()}

    model = TinyLlama(c).to(dev)
    model.init_weights()
    n_params = sum(p.numel() for p in model.parameters())
    log(f"model {c} params {n_params}")

    def measure(quick, out_model, out_golden):
        return measure_and_write(model, c, tok, corpora, streams, out_model, out_golden, dev, have_hf, log,
                                 seq_len, pk_filler, ind_len, args.eval_trials, other, quick=quick)

    if args.eval_only:
        sd = torch.load(args.eval_only, map_location="cpu")
        model.load_state_dict({k: v.float() for k, v in sd.items()})
        results, met = measure(False, args.out_model, args.out_golden)
        log(f"targets met: {met}")
        return
    if not args.no_preflight and not args.bench_steps:
        import tempfile
        with tempfile.TemporaryDirectory() as tmp:
            measure(True, os.path.join(tmp, "m"), os.path.join(tmp, "g"))
        log("pre-flight of saving and measuring passed")
        model.train()

    batcher = Batcher(synth, args.batch, MIXTURE, args.seed + 1, dev)
    if dev.type == "cuda":
        def autocast():
            return torch.autocast("cuda", dtype=torch.bfloat16)
    else:
        def autocast():
            return torch.autocast("cpu", enabled=False)
    decay = [p for p in model.parameters() if p.ndim == 2]
    no_decay = [p for p in model.parameters() if p.ndim < 2]
    opt_kw = dict(lr=args.lr, betas=(0.9, 0.95), eps=1e-8)
    if dev.type == "cuda":
        opt_kw["fused"] = True
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1},
                             {"params": no_decay, "weight_decay": 0.0}], **opt_kw)

    def compute_loss(x, y):
        return loss_fn(model, x, y)

    can_compile = hasattr(torch, "compile") and dev.type == "cuda"
    use_compile = args.compile == "on" or (args.compile == "auto" and can_compile)
    step_loss = torch.compile(compute_loss) if use_compile else compute_loss

    def train_step(fn, lr):
        for g in opt.param_groups:
            g["lr"] = lr
        x, y = batcher.next()
        with autocast():
            loss = fn(x, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        gn = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        return loss, gn

    if args.bench_steps:
        fns = [("eager", compute_loss)] + ([("compiled", torch.compile(compute_loss))] if can_compile else [])
        for name, fn in fns:
            t0 = time.time()
            train_step(fn, 1e-4)[0].item()
            first = time.time() - t0
            t0 = time.time()
            for _ in range(args.bench_steps):
                loss, _ = train_step(fn, 1e-4)
            loss.item()
            dt = (time.time() - t0) / args.bench_steps
            mem = torch.cuda.max_memory_allocated() / 1e9 if dev.type == "cuda" else 0
            log(f"bench {name}: first step {first:.1f}s, {dt * 1000:.1f} ms/step, "
                f"{args.batch * seq_len / dt:.0f} tok/s, max mem {mem:.1f} GB, queue {batcher.q.qsize()}")
        batcher.stop = True
        return

    # ---- training: the step count is fitted to the time budget after warm-up steps
    t0 = time.time()
    warm, est_total, step, curve, probes = 0.03, None, 0, [], []
    log_every = 5 if args.smoke else 25
    best = None
    t_first = None
    while True:
        frac = step / est_total if est_total else 0.0
        if est_total is not None and (step >= est_total or time.time() - t0 > args.budget * 1.03):
            break
        if frac < warm:
            lr = args.lr * max(frac / warm, 0.02)
        else:  # cosine from the peak to 10 % of it
            lr = args.lr * (0.1 + 0.45 * (1 + math.cos(math.pi * min(1.0, (frac - warm) / (1 - warm)))))
        loss, gn = train_step(step_loss, lr)
        step += 1
        if step == 1:
            loss.item()
            t_first = time.time()
            log(f"first step (compile {use_compile}) done at {t_first - t0:.1f}s, loss {loss.item():.3f}")
        if step in (12, 60, 300):  # (re)fit the total step count to the remaining budget
            loss.item()
            per = (time.time() - t_first) / (step - 1)
            est_total = step + int(max(0.0, args.budget - (time.time() - t0)) / per)
            log(f"step {step}: {per * 1000:.1f} ms/step, {args.batch * seq_len / per:.0f} tok/s, "
                f"planned steps {est_total}, batch queue {batcher.q.qsize()}")
        if step % log_every == 0:
            curve.append({"step": step, "t": round(time.time() - t0, 1), "loss": round(loss.item(), 4),
                          "lr": round(lr, 6), "grad_norm": round(float(gn), 3)})
            if step % (log_every * 10) == 0:
                log(f"step {step}/{est_total} loss {loss.item():.4f} lr {lr:.2e} gn {float(gn):.2f}")
        if step % args.eval_every == 0 or (est_total and step >= est_total):
            # validation loss + task probes; keep the best state that already solves the tasks
            model.eval()
            with torch.no_grad(), autocast():
                fn = lambda x: model(x.to(dev))  # noqa: E731
                vl = {}
                for k, ids in val_ids.items():
                    tot, n = 0.0, 0
                    for s0 in range(0, len(ids), seq_len - 1):
                        w = ids[s0: s0 + seq_len - 1]
                        x = torch.tensor([tok.eot] + w)[None].to(dev)
                        lg = fn(x)[0, :-1].float()
                        tot += float(torch.nn.functional.cross_entropy(lg, x[0, 1:], reduction="sum"))
                        n += len(w)
                    vl[k] = tot / n
                pk = passkey_eval(fn, tok, pk_filler, 10, 99, seq_len)
                ind = induction_eval(fn, c["vocab"], ind_len, 2, 99)
            model.train()
            score = sum(vl.values()) / len(vl)
            solved = pk["accuracy"] >= 0.9 and ind["ratio"] <= 0.1
            probes.append({"step": step, "val_loss": {k: round(v, 4) for k, v in vl.items()}, "val_mean": score,
                           "passkey_acc_10_trials": pk["accuracy"], "induction_ratio": ind["ratio"]})
            if solved and (best is None or score < best[0]):
                best = (score, step, {k: v.detach().clone() for k, v in model.state_dict().items()})
            log(f"eval at step {step}: val {score:.4f} {vl}, passkey {pk['accuracy']:.2f}, "
                f"induction {ind['ratio']:.3f}{'  *best*' if best and best[1] == step else ''}")
    train_s = time.time() - t0
    batcher.stop = True
    chosen = step
    if best is not None:
        model.load_state_dict(best[2])
        chosen = best[1]
    log(f"checkpoint chosen: step {chosen} of {step} (lowest validation loss among states solving the tasks)")
    log(f"training done: {step} steps in {train_s:.1f}s, {step * args.batch * seq_len / 1e6:.1f}M tokens")
    if args.ckpt:
        os.makedirs(os.path.dirname(os.path.abspath(args.ckpt)), exist_ok=True)
        torch.save({k: v.detach().half().cpu() for k, v in model.state_dict().items()}, args.ckpt)

    results, met = measure(False, args.out_model, args.out_golden)
    report = {
        "device": torch.cuda.get_device_name(0) if dev.type == "cuda" else "cpu",
        "versions": {"torch": torch.__version__,
                     "transformers": __import__("transformers").__version__ if have_hf else None,
                     "tokenizers": __import__("tokenizers").__version__ if tok.kind == "bpe" else None},
        "config": c, "params": n_params, "seq_len": seq_len, "batch": args.batch, "lr_peak": args.lr,
        "schedule": "linear warm-up over 3 % of the steps, cosine to 10 % of the peak; AdamW betas (0.9, 0.95), "
                    "weight decay 0.1 on matrices, grad clip 1.0, bf16 autocast, fp32 master weights",
        "compile": use_compile, "steps": step, "chosen_step": chosen, "train_seconds": round(train_s, 1),
        "selection": "every --eval-every steps: mean validation loss (3 % before each test split, code files "
                     "i % 20 == 13); kept the lowest among states with passkey probe >= 0.9 (10 trials) and "
                     "induction probe <= 0.1",
        "tokens_seen": step * args.batch * seq_len, "mixture": MIXTURE,
        "corpus": {k: {"train_tokens": int(len(streams[k])), "heldout_chars": len(v[1])} for k, v in corpora.items()},
        "tokenizer": {"kind": tok.kind, "vocab": tok.vocab_size, "eot_bos_id": tok.eot},
        "curve": curve, "probes": probes, "results": results, "targets_met": met,
        "total_seconds": round(time.time() - t_start, 1),
    }
    with open(os.path.join(args.out_model, "training_report.json"), "w") as f:
        json.dump(report, f, indent=1)
    log(f"targets met: {met}; total {time.time() - t_start:.1f}s")


if __name__ == "__main__":
    main()
