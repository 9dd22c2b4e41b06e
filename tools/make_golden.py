#!/usr/bin/env python3
"""Golden fixtures for SparseScope's tokenizer and model tests (tests/golden/).

Needs the Hugging Face `tokenizers` and `transformers` packages and PyTorch (the GPU
machine lent by the device tool has them; the GPU itself is not used: everything runs
on the CPU, references in float64). Writes, under --out (default tests/golden):

  tokenizers/<style>/tokenizer.json, cases.json
      styles: gpt2_bytelevel (merges hand-converted to the old "a b" string form),
              split_bytelevel (Llama-3/Qwen2 Split regex + ByteLevel, BOS template),
              metaspace_bytefallback (Llama-2/SentencePiece: Prepend/Replace "▁",
              <0xNN> byte fallback, BOS <s>)
      cases.json: [{"text", "ids", "ids_no_special", "decoded", "tokens"}]
  models/<name>/  save_pretrained folder + tokenizer.json + text.txt, ids.npy (int64 [T]),
      logits.npy (float32 [T,V]), attn.npy (float32 [L,H,T,T], eager probabilities),
      sparse_mask.npy (uint8 [T,T]), sparse_logits.npy (float32 [T,V]),
      sparse_attn.npy (float32 [L,H,T,T]), pattern.json, reference.json (checks)
  summary.json   every check made and its numbers

References are computed in float64 from the stored (rounded) weights and saved as
float32, so a float32 C++ forward can be compared within 1e-4 (logits) / 1e-5 (probs).

Sparse mask semantics (shared/design.md): causal, union of a sliding window W
(i - W < j <= i), global tokens G (j < G) and the diagonal.

Usage: python3 tools/make_golden.py [--out tests/golden] [--only tokenizers|models]
"""
import argparse
import json
import os
import shutil
import sys
import traceback

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)

LLAMA3_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|"
                  r" ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")
WINDOW, GLOBAL = 8, 2
FAILURES = []
SUMMARY = {"tokenizers": {}, "models": {}}

# A little training text: English prose, code, numbers, a few accented and non-Latin
# words, so that merges exist for them; rare scripts (CJK, emoji) stay unmerged and
# exercise the byte paths.
BASE_TEXT = """The quick brown fox jumps over the lazy dog. It's a truth universally acknowledged
that a single man in possession of a good fortune must be in want of a wife.
I'm sure they've said we'll go; don't you think she'd like it? They're here.
Café, naïve, résumé, façade, über, Straße, señor, déjà vu, smörgåsbord.
Numbers: 0 1 2 3 12 42 100 365 1024 2048 4096 65536 3.14159 2.71828 1e10 -7
def main(argv):
    total = 0
    for i, arg in enumerate(argv):
        if arg.startswith("--"):
            continue
        total += int(arg) * 2  # double it
    return {"total": total, "count": len(argv)}

if __name__ == "__main__":
\tprint(main(["1", "2", "--x"]))
{"name": "sparse", "values": [1, 2, 3], "ok": true, "ratio": 0.25}
Ελληνικά κείμενα και русский текст для проверки.
"""

COMMON_CASES = [
    "Hello world",
    "",
    "   ",
    "\n",
    "  leading and trailing spaces   ",
    "Tabs\tand\nnewlines\r\n\n  indented\n\n\n",
    "Multiple     spaces    and\u00a0no-break\u3000ideographic space",
    "Café naïve résumé — Zoë's façade",
    "Combining: e\u0301 a\u0308 n\u0303 vs \u00e9 \u00e4 \u00f1",
    "日本語のテキストと中文字符",
    "Emoji: 😀👍🏽 family 👨\u200d👩\u200d👧 flags 🇩🇪",
    "Numbers 0 12 345 6789 1234567890 3.14159 -42 1e10",
    "def f(x):\n    return x**2 + 1  # square\n\nif __name__ == '__main__':\n\tprint(f(3))",
    "I'm sure they've said we'll go; DON'T, she'd... it's O'Neil's",
    "{\"key\": [1, 2, 3], \"nested\": {\"a\": null}}",
    "Ελληνικά και русский текст, عربى, עברית, हिन्दी",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "ǅ ﬁ Å Ω ½ ²",
]
SPECIAL_CASES = {
    "gpt2_bytelevel": ["Hello<|endoftext|>world <|endoftext|> again", "<|endoftext|>", "<|endoftext"],
    "split_bytelevel": ["<|begin_of_text|>Hi there<|end_of_text|>", "a <|end_of_text|> b"],
    "metaspace_bytefallback": ["<s> hello </s> world", "Literal <0x41> and <unk> tokens", "x</s>"],
}

MODEL_TEXT = ("Grüße aus Köln! naïve café — 日本 😀 done.\n"
              "def f(x):\n\treturn x * 42  # 3.14159\n"
              "I'm here,   they'll   see: 1234567 items; OK?\n")


def fail(what, err):
    FAILURES.append(f"{what}: {err}")
    print(f"FAIL {what}: {err}", flush=True)


def training_texts():
    texts = BASE_TEXT.split("\n") * 3
    p = os.path.join(REPO, ".devdata", "tinyshakespeare.txt.gz")
    if os.path.exists(p):
        import gzip
        with gzip.open(p, "rt", encoding="utf-8") as f:
            texts += f.read()[:150_000].split("\n\n")
    return texts


# ---------------------------------------------------------------- tokenizers
def build_gpt2_bytelevel(texts):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    tr = trainers.BpeTrainer(vocab_size=511, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                             special_tokens=[], show_progress=False)
    tok.train_from_iterator(texts, tr)
    # GPT-2 keeps <|endoftext|> as the last id, outside the merges' vocabulary.
    tok.add_special_tokens(["<|endoftext|>"])
    return tok


def build_split_bytelevel(texts):
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(LLAMA3_PATTERN), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
    ])
    tok.decoder = decoders.ByteLevel()
    tr = trainers.BpeTrainer(vocab_size=700, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                             special_tokens=[], show_progress=False)
    tok.train_from_iterator(texts, tr)
    tok.add_special_tokens(["<|begin_of_text|>", "<|end_of_text|>"])
    bos = tok.token_to_id("<|begin_of_text|>")
    # Llama-3's tokenizer.json: Sequence[ByteLevel, TemplateProcessing(BOS $A)].
    tok.post_processor = processors.Sequence([
        processors.ByteLevel(trim_offsets=False),
        processors.TemplateProcessing(single="<|begin_of_text|> $A",
                                      pair="<|begin_of_text|> $A <|begin_of_text|> $B:1",
                                      special_tokens=[("<|begin_of_text|>", bos)]),
    ])
    return tok


def build_metaspace_bytefallback(texts):
    from tokenizers import AddedToken, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
    norm = normalizers.Sequence([normalizers.Prepend("▁"), normalizers.Replace(" ", "▁")])
    # Train on "▁word" pieces (SentencePiece never merges across a word start) ...
    t = Tokenizer(models.BPE())
    t.normalizer = norm
    t.pre_tokenizer = pre_tokenizers.Split("▁", behavior="merged_with_next")
    tr = trainers.BpeTrainer(vocab_size=340, limit_alphabet=70, special_tokens=[], show_progress=False)
    t.train_from_iterator(texts, tr)
    m = json.loads(t.to_str())["model"]
    # ... then lay the vocabulary out like Llama-2: <unk> <s> </s> <0x00>..<0xFF> pieces.
    vocab = {"<unk>": 0, "<s>": 1, "</s>": 2}
    for b in range(256):
        vocab[f"<0x{b:02X}>"] = 3 + b
    for piece, _ in sorted(m["vocab"].items(), key=lambda kv: kv[1]):
        if piece not in vocab:
            vocab[piece] = len(vocab)
    merges = [tuple(x) if isinstance(x, list) else tuple(x.split(" ")) for x in m["merges"]]
    tok = Tokenizer(models.BPE(vocab=vocab, merges=merges, unk_token="<unk>", byte_fallback=True, fuse_unk=True))
    tok.normalizer = norm  # no pre-tokenizer: the whole normalized text is one BPE word
    tok.decoder = decoders.Sequence([decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse(),
                                     decoders.Strip(content=" ", left=1, right=0)])
    tok.add_special_tokens([AddedToken("<unk>", special=True, normalized=False),
                            AddedToken("<s>", special=True, normalized=False),
                            AddedToken("</s>", special=True, normalized=False)])
    tok.post_processor = processors.TemplateProcessing(single="<s> $A", pair="<s> $A <s> $B:1",
                                                       special_tokens=[("<s>", 1)])
    return tok


def make_cases(tok, texts):
    cases = []
    for text in texts:
        e = tok.encode(text, add_special_tokens=True)
        ids_ns = tok.encode(text, add_special_tokens=False).ids
        cases.append({"text": text, "ids": e.ids, "ids_no_special": ids_ns,
                      "decoded": tok.decode(e.ids, skip_special_tokens=False), "tokens": e.tokens})
    return cases


def merges_to_strings(tokenizer_json_text):
    """The pre-0.20 `tokenizers` form of merges: "a b" strings instead of [a, b] pairs."""
    d = json.loads(tokenizer_json_text)
    merges = d["model"]["merges"]
    out = []
    for mg in merges:
        a, b = mg if isinstance(mg, list) else mg.split(" ")
        assert " " not in a and " " not in b, (a, b)
        out.append(f"{a} {b}")
    d["model"]["merges"] = out
    return json.dumps(d, ensure_ascii=False, indent=2)


def make_tokenizers(out):
    from tokenizers import Tokenizer
    texts = training_texts()
    builders = {"gpt2_bytelevel": build_gpt2_bytelevel, "split_bytelevel": build_split_bytelevel,
                "metaspace_bytefallback": build_metaspace_bytefallback}
    toks = {}
    for style, build in builders.items():
        try:
            tok = build(texts)
            d = os.path.join(out, "tokenizers", style)
            os.makedirs(d, exist_ok=True)
            js = tok.to_str(pretty=True)
            merges_form = "pairs"
            if style == "gpt2_bytelevel":
                js = merges_to_strings(js)
                merges_form = "strings"
            with open(os.path.join(d, "tokenizer.json"), "w", encoding="utf-8") as f:
                f.write(js)
            cases_text = COMMON_CASES + SPECIAL_CASES[style]
            cases = make_cases(tok, cases_text)
            reloaded = Tokenizer.from_file(os.path.join(d, "tokenizer.json"))
            again = make_cases(reloaded, cases_text)
            same = all(a["ids"] == b["ids"] and a["ids_no_special"] == b["ids_no_special"]
                       and a["decoded"] == b["decoded"] for a, b in zip(cases, again))
            if not same:
                fail(f"tokenizer {style}", "saved file does not reproduce the in-memory tokenizer")
            stored = json.loads(js)["model"]["merges"]
            if merges_form == "strings" and not isinstance(stored[0], str):
                fail(f"tokenizer {style}", "merges not in string form")
            with open(os.path.join(d, "cases.json"), "w", encoding="utf-8") as f:
                json.dump(cases, f, ensure_ascii=False, indent=1)
            byte_fallback_hits = sum(any(t.startswith("<0x") for t in c["tokens"]) for c in cases)
            SUMMARY["tokenizers"][style] = {
                "vocab_size": reloaded.get_vocab_size(with_added_tokens=True),
                "merges": len(stored), "merges_form": merges_form, "cases": len(cases),
                "reload_identical": same, "cases_with_byte_fallback": byte_fallback_hits}
            toks[style] = reloaded
            print(f"tokenizer {style}: vocab {reloaded.get_vocab_size(True)}, merges {len(stored)} ({merges_form})",
                  flush=True)
        except Exception as e:  # keep going: report every failure at once
            traceback.print_exc()
            fail(f"tokenizer {style}", repr(e))
    return toks


# ---------------------------------------------------------------- models
def sparse_mask(T, window=WINDOW, n_global=GLOBAL):
    i = np.arange(T)[:, None]
    j = np.arange(T)[None, :]
    keep = (j <= i) & ((i - window < j) | (j < n_global) | (j == i))
    return keep.astype(np.uint8)


_ACTIVE = {"add": None}  # additive [1,1,T,T] mask used by the masked attention paths


def masked_eager_attention(module, query, key, value, attention_mask, scaling=None, dropout=0.0, **kwargs):
    """Eager attention whose mask is _ACTIVE['add'] (causal already included)."""
    add = _ACTIVE["add"]
    n_rep = query.shape[1] // key.shape[1]
    if n_rep > 1:  # GQA: query head h reads kv head h // n_rep (transformers' repeat_kv)
        key = key.repeat_interleave(n_rep, dim=1)
        value = value.repeat_interleave(n_rep, dim=1)
    if scaling is None:
        scaling = query.shape[-1] ** -0.5
    scores = torch.matmul(query, key.transpose(2, 3)) * scaling
    tq, tk = scores.shape[-2:]
    scores = scores + add[..., :tq, :tk].to(scores.dtype)
    probs = torch.softmax(scores.to(torch.float64 if scores.dtype == torch.float64 else torch.float32), dim=-1)
    probs = probs.to(query.dtype)
    out = torch.matmul(probs, value).transpose(1, 2).contiguous()
    return out, probs


def patch_eager_modules():
    """Route C: wrap every loaded model family's eager_attention_forward to add the mask."""
    import importlib
    patched = []
    for name in ("gpt2", "llama", "mistral", "qwen2"):
        mod = importlib.import_module(f"transformers.models.{name}.modeling_{name}")
        if not hasattr(mod, "eager_attention_forward"):
            continue
        orig = getattr(mod, "_sparsescope_orig_eager", None) or mod.eager_attention_forward
        mod._sparsescope_orig_eager = orig

        def wrapper(module, query, key, value, attention_mask, *a, _orig=orig, **kw):
            add = _ACTIVE["add"]
            if add is not None:
                tq, tk = query.shape[-2], key.shape[-2]
                extra = add[..., :tq, :tk].to(query.dtype)
                if attention_mask is None:
                    attention_mask = extra
                elif attention_mask.dtype == torch.bool:
                    attention_mask = extra.masked_fill(~attention_mask, float("-inf"))
                else:
                    attention_mask = attention_mask[..., :tq, :tk] + extra
            return _orig(module, query, key, value, attention_mask, *a, **kw)

        mod.eager_attention_forward = wrapper
        patched.append(name)
    return patched


def unpatch_eager_modules():
    import importlib
    for name in ("gpt2", "llama", "mistral", "qwen2"):
        mod = importlib.import_module(f"transformers.models.{name}.modeling_{name}")
        if hasattr(mod, "_sparsescope_orig_eager"):
            mod.eager_attention_forward = mod._sparsescope_orig_eager


def additive(mask_u8, dtype):
    m = torch.zeros(mask_u8.shape, dtype=dtype)
    m[torch.from_numpy(mask_u8) == 0] = float("-inf")
    return m[None, None]


def run(model, ids, **kw):
    with torch.no_grad():
        out = model(input_ids=torch.from_numpy(ids)[None], output_attentions=True, use_cache=False, **kw)
    logits = out.logits[0]
    attn = torch.stack([a[0] for a in out.attentions])
    return logits, attn


def load(cls, d, dtype=torch.float32, attn="eager"):
    try:
        m = cls.from_pretrained(d, attn_implementation=attn, dtype=dtype)
    except TypeError:
        m = cls.from_pretrained(d, attn_implementation=attn, torch_dtype=dtype)
    return m.eval()


def make_config(cfg_cls, theta, **kw):
    if theta is None:
        return cfg_cls(**kw)
    cfg = cfg_cls(rope_theta=theta, rope_parameters={"rope_type": "default", "rope_theta": theta}, **kw)
    return cfg


def check_theta(model, theta, head_dim):
    if theta is None:
        return None
    inv = model.model.rotary_emb.inv_freq.double()
    want = 1.0 / (theta ** (torch.arange(0, head_dim, 2, dtype=torch.float64) / head_dim))
    return float((inv - want).abs().max() / want.abs().max())


def init_weights(model, std, seed):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.ndim >= 2:
                p.copy_(torch.randn(p.shape, generator=g, dtype=torch.float64).to(p.dtype) * std)
            elif name.endswith("bias"):
                p.copy_(torch.randn(p.shape, generator=g, dtype=torch.float64).to(p.dtype) * 0.1)
            else:  # norm gains: around 1 but not 1, so a forgotten gain shows
                p.copy_(1.0 + 0.1 * torch.randn(p.shape, generator=g, dtype=torch.float64).to(p.dtype))


def legacy_rope_config(d):
    """Rewrite config.json the way pre-5.0 transformers wrote it (top-level rope_theta)."""
    p = os.path.join(d, "config.json")
    with open(p) as f:
        cfg = json.load(f)
    rp = cfg.get("rope_parameters")
    if isinstance(rp, dict) and rp.get("rope_type", "default") == "default":
        cfg.pop("rope_parameters")
        cfg["rope_theta"] = rp["rope_theta"]
        with open(p, "w") as f:
            json.dump(cfg, f, indent=2, sort_keys=True)
        return True
    return False


def pick_text(tok, lo=40, hi=60):
    """Longest prefix of MODEL_TEXT (twice over) with lo..hi tokens, specials included."""
    base = MODEL_TEXT + MODEL_TEXT.upper()
    best = None
    for n in range(1, len(base) + 1):
        t = base[:n]
        k = len(tok.encode(t, add_special_tokens=True).ids)
        if k <= hi and not t.endswith(" "):
            best = t
        if k > hi:
            break
    k = len(tok.encode(best, add_special_tokens=True).ids)
    assert lo <= k <= hi, (k, best)
    return best


def make_model(out, name, spec, toks):
    import transformers as tf
    tok = toks[spec["tokenizer"]]
    V = tok.get_vocab_size(with_added_tokens=True)
    d = os.path.join(out, "models", name)
    if os.path.isdir(d):
        shutil.rmtree(d)
    os.makedirs(d)
    kw = dict(spec["kw"])
    for key in ("bos", "eos"):
        if key in spec:
            kw[key + "_token_id"] = tok.token_to_id(spec[key])
    cfg = make_config(getattr(tf, spec["config"]), spec.get("theta"), vocab_size=V, **kw)
    cls = getattr(tf, spec["cls"])
    torch.manual_seed(0)
    model = cls(cfg).eval()
    init_weights(model, spec.get("std", 0.15), spec["seed"])
    rep = {"class": spec["cls"], "tokenizer": spec["tokenizer"], "vocab": V, "dtype": str(spec["dtype"])}
    save_kw = {}
    if spec.get("shard"):
        save_kw["max_shard_size"] = spec["shard"]
    model.to(spec["dtype"]).save_pretrained(d, **save_kw)
    shutil.copy(os.path.join(out, "tokenizers", spec["tokenizer"], "tokenizer.json"), os.path.join(d, "tokenizer.json"))
    rep["files"] = sorted(os.listdir(d))
    if spec.get("shard"):
        n_shards = sum(f.startswith("model-") and f.endswith(".safetensors") for f in rep["files"])
        rep["shards"] = n_shards
        if n_shards < 2 or "model.safetensors.index.json" not in rep["files"]:
            fail(name, f"expected a sharded checkpoint, got {rep['files']}")

    text = pick_text(tok)
    with open(os.path.join(d, "text.txt"), "w", encoding="utf-8", newline="") as f:
        f.write(text)
    ids = np.array(tok.encode(text, add_special_tokens=True).ids, dtype=np.int64)
    T = len(ids)
    rep["tokens"] = T

    # Reference: reload what is on disk, compute in float64 on the CPU.
    ref = load(cls, d).to(torch.float64)
    hd = ref.config.hidden_size // ref.config.num_attention_heads
    hd = getattr(ref.config, "head_dim", None) or hd
    err = check_theta(ref, spec.get("theta"), hd)
    rep["rope_theta_rel_err"] = err
    if err is not None and err > 1e-6:
        fail(name, f"rope_theta not applied (rel err {err})")
    logits, attn = run(ref, ids)
    # float32 run of the same weights: the size of float32 rounding for this model
    logits32, attn32 = run(load(cls, d), ids)
    rep["f32_vs_f64_logits_maxdiff"] = float((logits32.double() - logits).abs().max())
    rep["f32_vs_f64_attn_maxdiff"] = float((attn32.double() - attn).abs().max())
    rep["logits_absmax"] = float(logits.abs().max())
    rep["attn_row_max_mean"] = float(attn.max(-1).values.mean())  # 1/T would be uniform

    if spec.get("legacy_config"):
        if legacy_rope_config(d):
            ref2 = load(cls, d).to(torch.float64)
            l2, _ = run(ref2, ids)
            diff = float((l2 - logits).abs().max())
            rep["legacy_rope_config"] = {"reload_logits_maxdiff": diff,
                                         "rope_theta_rel_err": check_theta(ref2, spec.get("theta"), hd)}
            if diff > 1e-12:
                fail(name, f"legacy rope_theta config changes logits by {diff}")
        else:
            rep["legacy_rope_config"] = "config had no rope_parameters; left as saved"

    mask = sparse_mask(T)
    causal = np.tril(np.ones((T, T), dtype=np.uint8))
    routes = {}

    def route_interface(m):
        from transformers import AttentionInterface
        AttentionInterface.register("sparsescope_masked", masked_eager_attention)
        try:  # our function ignores the library's mask; give it one anyway
            from transformers import AttentionMaskInterface
            from transformers.masking_utils import sdpa_mask
            AttentionMaskInterface.register("sparsescope_masked", sdpa_mask)
        except Exception:
            pass
        m2 = load(cls, d, attn="sparsescope_masked").to(torch.float64)
        _ACTIVE["add"] = additive(m, torch.float64)
        try:
            return run(m2, ids)
        finally:
            _ACTIVE["add"] = None

    def route_patch(m):
        patch_eager_modules()
        _ACTIVE["add"] = additive(m, torch.float64)
        try:
            return run(ref, ids)
        finally:
            _ACTIVE["add"] = None
            unpatch_eager_modules()

    def route_4d(m):
        return run(ref, ids, attention_mask=additive(m, torch.float64))

    # mask_4d first: it runs transformers' own eager code, so its sparse logits share the
    # dense reference's arithmetic exactly (Llama-family eager softmax is float32 even in a
    # float64 model, GPT-2's is not); the other routes must agree within 1e-5.
    for rname, fn in (("mask_4d", route_4d), ("patched_eager", route_patch),
                      ("attention_interface", route_interface)):
        r = {}
        try:
            dl, da = fn(causal)
            r["dense_logits_maxdiff"] = float((dl - logits).abs().max())
            r["dense_attn_maxdiff"] = float((da - attn).abs().max())
            sl, sa = fn(mask)
            m_t = torch.from_numpy(mask).bool()
            r["sparse_attn_outside_mask_max"] = float(sa[:, :, ~m_t].abs().max())
            r["sparse_attn_rowsum_err"] = float((sa.sum(-1) - 1).abs().max())
            r["sparse_vs_dense_logits_maxdiff"] = float((sl - logits).abs().max())
            r["ok"] = (r["dense_logits_maxdiff"] < 1e-5 and r["dense_attn_maxdiff"] < 1e-6
                       and r["sparse_attn_outside_mask_max"] == 0.0 and r["sparse_attn_rowsum_err"] < 1e-6
                       and r["sparse_vs_dense_logits_maxdiff"] > 1e-3)
            r["_out"] = (sl, sa)
        except Exception as e:
            traceback.print_exc()
            r = {"ok": False, "error": repr(e)}
        routes[rname] = r
    good = [k for k, r in routes.items() if r["ok"]]
    rep["sparse_routes"] = {k: {kk: vv for kk, vv in r.items() if kk != "_out"} for k, r in routes.items()}
    if not good:
        fail(name, "no sparse route passed its checks")
        return rep
    primary = good[0]
    sl, sa = routes[primary]["_out"]
    for k in good[1:]:
        ol, oa = routes[k]["_out"]
        rep["sparse_routes"][k]["vs_primary_logits_maxdiff"] = float((ol - sl).abs().max())
        rep["sparse_routes"][k]["vs_primary_attn_maxdiff"] = float((oa - sa).abs().max())
        if float((ol - sl).abs().max()) > 1e-5 or float((oa - sa).abs().max()) > 1e-6:
            fail(name, f"sparse route {k} disagrees with {primary}")
    rep["sparse_route_used"] = primary

    np.save(os.path.join(d, "ids.npy"), ids)
    np.save(os.path.join(d, "logits.npy"), logits.float().numpy())
    np.save(os.path.join(d, "attn.npy"), attn.float().numpy())
    np.save(os.path.join(d, "sparse_mask.npy"), mask)
    np.save(os.path.join(d, "sparse_logits.npy"), sl.float().numpy())
    np.save(os.path.join(d, "sparse_attn.npy"), sa.float().numpy())
    with open(os.path.join(d, "pattern.json"), "w") as f:
        json.dump({"window": WINDOW, "global": GLOBAL}, f)
    with open(os.path.join(d, "reference.json"), "w") as f:
        json.dump(rep, f, indent=1)
    print(f"model {name}: T={T} V={V} files={rep['files']} route={primary} "
          f"f32err={rep['f32_vs_f64_logits_maxdiff']:.2e} attnmax={rep['attn_row_max_mean']:.3f}", flush=True)
    return rep


MODEL_SPECS = {
    "gpt2": dict(cls="GPT2LMHeadModel", config="GPT2Config", tokenizer="gpt2_bytelevel", dtype=torch.float32,
                 seed=1, kw=dict(n_embd=64, n_layer=2, n_head=4, n_positions=256, n_inner=None,
                                 resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0),
                 bos="<|endoftext|>", eos="<|endoftext|>"),
    "llama": dict(cls="LlamaForCausalLM", config="LlamaConfig", tokenizer="metaspace_bytefallback",
                  dtype=torch.float32, seed=2, theta=10000.0,
                  kw=dict(hidden_size=64, intermediate_size=160, num_hidden_layers=2, num_attention_heads=4,
                          num_key_value_heads=2, max_position_embeddings=256, rms_norm_eps=1e-5,
                          tie_word_embeddings=False, bos_token_id=1, eos_token_id=2)),
    "llama_bf16_sharded": dict(cls="LlamaForCausalLM", config="LlamaConfig", tokenizer="split_bytelevel",
                               dtype=torch.bfloat16, seed=3, theta=500000.0, shard="160KB",
                               bos="<|begin_of_text|>", eos="<|end_of_text|>",
                               kw=dict(hidden_size=64, intermediate_size=160, num_hidden_layers=2,
                                       num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=256,
                                       rms_norm_eps=1e-5, tie_word_embeddings=False)),
    "mistral": dict(cls="MistralForCausalLM", config="MistralConfig", tokenizer="metaspace_bytefallback",
                    dtype=torch.float16, seed=4, theta=1000000.0, legacy_config=True,
                    kw=dict(hidden_size=64, intermediate_size=160, num_hidden_layers=2, num_attention_heads=4,
                            num_key_value_heads=1, max_position_embeddings=256, rms_norm_eps=1e-5,
                            sliding_window=None, tie_word_embeddings=False, bos_token_id=1, eos_token_id=2)),
    "qwen2": dict(cls="Qwen2ForCausalLM", config="Qwen2Config", tokenizer="split_bytelevel", dtype=torch.float32,
                  seed=5, theta=1000000.0, legacy_config=True,
                  kw=dict(hidden_size=64, intermediate_size=160, num_hidden_layers=2, num_attention_heads=4,
                          num_key_value_heads=2, max_position_embeddings=256, rms_norm_eps=1e-6,
                          tie_word_embeddings=True, use_sliding_window=False)),
}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(REPO, "tests", "golden"))
    ap.add_argument("--only", choices=["tokenizers", "models"], default=None)
    args = ap.parse_args()
    torch.set_num_threads(min(8, os.cpu_count() or 1))
    import tokenizers
    SUMMARY["versions"] = {"torch": torch.__version__, "tokenizers": tokenizers.__version__}
    toks = make_tokenizers(args.out)
    if args.only != "tokenizers":
        import transformers
        SUMMARY["versions"]["transformers"] = transformers.__version__
        for name, spec in MODEL_SPECS.items():
            if spec["tokenizer"] not in toks:
                fail(name, "its tokenizer failed")
                continue
            try:
                SUMMARY["models"][name] = make_model(args.out, name, spec, toks)
            except Exception as e:
                traceback.print_exc()
                fail(name, repr(e))
    SUMMARY["failures"] = FAILURES
    with open(os.path.join(args.out, "summary.json"), "w") as f:
        json.dump(SUMMARY, f, indent=1, default=str)
    print(json.dumps(SUMMARY, indent=1, default=str)[:6000])
    if FAILURES:
        print("FAILURES:", *FAILURES, sep="\n  ")
        sys.exit(1)
    print("all golden checks passed")


if __name__ == "__main__":
    main()
