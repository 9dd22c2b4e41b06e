"""Measurements of the default model: held-out loss / bits per byte, induction, passkey retrieval."""
import json
import math
import os

import numpy as np
import torch
import torch.nn.functional as F

from lm_tasks import FILLER, passkey_strings


@torch.no_grad()
def token_losses(logits_fn, ids):
    """Per-position next-token losses (nats) of ids[1:] given ids[:-1]."""
    x = torch.tensor(ids, dtype=torch.long)[None]
    lg = logits_fn(x)[0, :-1].float()
    return F.cross_entropy(lg, x[0, 1:].to(lg.device), reduction="none").cpu().double().numpy()


def heldout_eval(logits_fn, tok, text, ctx, unigram_lp):
    ids = tok.encode(text)
    text_bytes = len(text.encode("utf-8"))
    nats, n, step = 0.0, 0, ctx - 1
    for s in range(0, len(ids), step):
        w = ids[s: s + step]
        nats += float(token_losses(logits_fn, [tok.eot] + w).sum())
        n += len(w)
    uni = float(-unigram_lp[np.array(ids)].sum())
    r = {"tokens": n, "loss_nats_per_token": nats / n, "unigram_nats_per_token": uni / n}
    r.update({"bytes": text_bytes, "bpb": nats / math.log(2) / text_bytes,
              "unigram_bpb": uni / math.log(2) / text_bytes})
    return r


def induction_eval(logits_fn, vocab, length, trials, seed):
    rng = np.random.default_rng(seed)
    first, second, per, ids0 = [], [], [], None
    for t in range(trials):
        span = rng.integers(1, vocab, length).tolist()
        ids = [0] + span + span
        if t == 0:
            ids0 = ids
        lo = token_losses(logits_fn, ids)  # lo[i] predicts ids[i+1]
        a, b = lo[:length].mean(), lo[length:].mean()
        first.append(a)
        second.append(b)
        per.append(b / a)
    return {"length": length, "trials": trials, "seed": seed, "bos_id": 0,
            "tokens": "BOS + R + R, R uniform in [1, vocab)",
            "first_copy_loss": float(np.mean(first)), "second_copy_loss": float(np.mean(second)),
            "ratio": float(np.mean(second) / np.mean(first)), "per_trial_ratio_max": float(np.max(per)),
            "trial0_ids": ids0}


@torch.no_grad()
def passkey_eval(logits_fn, tok, filler_tokens, trials, seed, ctx):
    unit = len(tok.encode(FILLER))
    n_units = max(1, int(round(filler_tokens / unit)))
    rng = np.random.default_rng(seed)
    rows, ok = [], 0
    for i in range(trials):
        depth = i / (trials - 1) if trials > 1 else 0.5
        key = int(rng.integers(10000, 100000))
        prompt, ans = passkey_strings(n_units, depth, key)
        p_ids = tok.encode(prompt, bos=True)
        full = tok.encode(prompt + ans, bos=True)
        assert full[: len(p_ids)] == p_ids
        a_ids = full[len(p_ids):]
        full = full[-ctx:]
        x = torch.tensor(full, dtype=torch.long)[None]
        pred = logits_fn(x)[0].argmax(-1).cpu().tolist()
        got = pred[len(full) - len(a_ids) - 1: len(full) - 1]
        hit = got == a_ids
        ok += hit
        rows.append({"depth": depth, "key": key, "retrieved": bool(hit), "answer_tokens": len(a_ids)})
    return {"filler_units": n_units, "filler_tokens": n_units * unit, "unit_tokens": unit,
            "prompt_tokens": len(p_ids), "trials": trials, "seed": seed, "depths": "i/(trials-1)",
            "accuracy": ok / trials, "rows": rows}




def load_hf(folder, attn, device):
    from transformers import LlamaForCausalLM
    try:
        m = LlamaForCausalLM.from_pretrained(folder, dtype=torch.float32, attn_implementation=attn)
    except TypeError:
        m = LlamaForCausalLM.from_pretrained(folder, torch_dtype=torch.float32, attn_implementation=attn)
    return m.to(device).eval()


REF_TEXT = ("ROMEO:\nBut soft, what light through yonder window breaks?\n"
            "def add(a, b):\n    return a + b  # 42\nThe pass key is 12345.")


def measure_and_write(model, c, tok, corpora, streams, out_model, out_golden, dev, have_hf, log,
                      seq_len, pk_filler, ind_len, trials, other_lengths, quick=False):
    """Save the model, reload it as the C++ will see it (F16 weights, float32 compute),
    measure it and write the golden files. quick=True: a pre-flight run of every code
    path on few tokens and trials (catches mistakes before the long training)."""
    from lm_model import rounded_copy, save_model
    from lm_tasks import NEEDLE, PASSKEY_PREFIX, QUESTION
    model.eval()
    save_info = save_model(model, c, tok, out_model, have_hf, log)
    mine = rounded_copy(model, c, dev)
    if have_hf:
        hf = load_hf(out_model, "sdpa", dev)

        def logits_fn(x):
            with torch.no_grad():
                return hf(input_ids=x.to(dev), use_cache=False).logits.float()
    else:
        def logits_fn(x):
            with torch.no_grad():
                return mine(x.to(dev)).float()

    # the saved model must compute what the training module computes
    s = streams["shakespeare"]
    ids_par = [tok.eot] + s[1000: 1000 + (seq_len - 1)].tolist()
    with torch.no_grad():
        xp = torch.tensor(ids_par)[None].to(dev)
        parity = float((logits_fn(xp) - mine(xp).float()).abs().max())
    log(f"parity saved model vs training module (float32, F16 weights): max |dlogit| {parity:.2e}")
    if parity > 1e-2:
        raise RuntimeError(f"saved model disagrees with the training module: {parity}")

    counts = np.zeros(c["vocab"], dtype=np.float64)
    for st in streams.values():
        counts += np.bincount(st, minlength=c["vocab"])
    unigram_lp = np.log((counts + 1) / (counts + 1).sum())
    heldout = {}
    for name, (_, ho) in corpora.items():
        heldout[name] = heldout_eval(logits_fn, tok, ho[:20000] if quick else ho, seq_len, unigram_lp)
        log(f"held-out {name}: {heldout[name]}")
    ind = induction_eval(logits_fn, c["vocab"], ind_len, 2 if quick else 20, 7)
    log(f"induction ratio {ind['ratio']:.4f} (first {ind['first_copy_loss']:.3f}, second {ind['second_copy_loss']:.3f})")
    pk = passkey_eval(logits_fn, tok, pk_filler, 3 if quick else trials, 2024, seq_len)
    log(f"passkey @{pk['filler_tokens']} filler tokens: {pk['accuracy']:.3f}")
    pk_more = {}
    for ft in other_lengths:
        r = passkey_eval(logits_fn, tok, ft, 2 if quick else 20, 77, seq_len)
        pk_more[str(ft)] = {"accuracy": r["accuracy"], "filler_tokens": r["filler_tokens"], "trials": r["trials"]}
    log(f"passkey at other lengths: {pk_more}")

    # reference logits for the C++ forward: float64 on the CPU from the stored weights
    os.makedirs(out_golden, exist_ok=True)
    ref_ids = np.array(tok.encode(REF_TEXT, bos=True), dtype=np.int64)
    long_ids = np.array([tok.eot] + tok.encode(corpora["shakespeare"][1])[: min(seq_len, 2000) - 1], dtype=np.int64)
    if quick:
        long_ids = long_ids[:64]
    golden = {}
    if have_hf:
        hf64 = load_hf(out_model, "eager", torch.device("cpu")).to(torch.float64)
        with torch.no_grad():
            lg = hf64(input_ids=torch.from_numpy(ref_ids)[None], use_cache=False).logits[0]
            lg_long = hf64(input_ids=torch.from_numpy(long_ids)[None], use_cache=False).logits[0, -4:]
        golden["computed_in"] = "float64 on the CPU (transformers eager) from the stored F16 weights"
    else:
        with torch.no_grad():
            m64 = rounded_copy(model, c, torch.device("cpu")).double()
            lg = m64(torch.from_numpy(ref_ids)[None])[0]
            lg_long = m64(torch.from_numpy(long_ids)[None])[0, -4:]
        golden["computed_in"] = "float64 on the CPU (training module) from F16-rounded weights"
    lg32 = logits_fn(torch.from_numpy(ref_ids)[None])[0].double().cpu()
    golden["float32_device_vs_float64_maxdiff"] = float((lg32 - lg).abs().max())
    golden["logits_absmax"] = float(lg.abs().max())
    np.save(os.path.join(out_golden, "ids.npy"), ref_ids)
    np.save(os.path.join(out_golden, "logits.npy"), lg.float().numpy())
    np.save(os.path.join(out_golden, "long_ids.npy"), long_ids)
    np.save(os.path.join(out_golden, "long_logits_tail.npy"), lg_long.float().numpy())
    np.save(os.path.join(out_golden, "unigram_logprob.npy"), unigram_lp.astype(np.float32))
    with open(os.path.join(out_golden, "ref_text.txt"), "w", encoding="utf-8", newline="") as f:
        f.write(REF_TEXT)
    # held-out slices short enough for one forward, with their measured numbers
    slices = {}
    for name, (_, ho) in corpora.items():
        text = ho[:6000]
        while len(tok.encode(text)) > min(seq_len - 1, 1800):
            text = text[: int(len(text) * 0.9)]
        text = text[: text.rfind("\n") + 1] or text
        fn = f"heldout_{name}.txt"
        with open(os.path.join(out_golden, fn), "w", encoding="utf-8", newline="") as f:
            f.write(text)
        r = heldout_eval(logits_fn, tok, text, seq_len, unigram_lp)
        r["file"] = fn
        slices[name] = r
    log(f"held-out slices: {slices}")

    targets = {"induction_ratio_max": 0.20, "passkey_accuracy_min": 0.90}
    met = {"induction": ind["ratio"] <= targets["induction_ratio_max"],
           "passkey": pk["accuracy"] >= targets["passkey_accuracy_min"],
           "heldout_better_than_unigram": all(h["bpb"] < h["unigram_bpb"] for h in heldout.values())}
    expected = {
        "model_dir": "resources/model",
        "note": "Measured with transformers (float32, dense attention) on the saved F16 weights. "
                "Held-out: loss over [BOS]+window chunks of 2047 tokens; bpb = nats / ln 2 / UTF-8 bytes; "
                "unigram = add-one smoothed training token frequencies (unigram_logprob.npy, natural log).",
        "heldout_full": heldout, "heldout_slices": slices,
        "induction": ind, "passkey": pk, "passkey_other_lengths": pk_more,
        "passkey_format": {"prefix": PASSKEY_PREFIX, "filler": FILLER, "needle": NEEDLE, "question": QUESTION,
                           "answer": " {K}", "needle_index": "floor(depth*F + 0.5)", "bos": True},
        "reference_logits": dict(golden, text_file="ref_text.txt", ids="ids.npy", logits="logits.npy",
                                 long_ids="long_ids.npy", long_logits_tail="long_logits_tail.npy",
                                 long_tail_positions=list(range(len(long_ids) - 4, len(long_ids)))),
        "targets": targets, "targets_met": met,
    }
    with open(os.path.join(out_golden, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
    results = {"heldout": heldout, "heldout_slices": slices,
               "induction": {k: v for k, v in ind.items() if k != "trial0_ids"},
               "passkey": {k: v for k, v in pk.items() if k != "rows"}, "passkey_other_lengths": pk_more,
               "reference_logits": golden, "parity_max_abs_logit_diff": parity, "save": save_info}
    return results, met
