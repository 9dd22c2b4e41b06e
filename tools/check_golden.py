#!/usr/bin/env python3
"""Independent check of tests/golden/models/ with numpy alone (no torch, no transformers).

Re-implements the forward passes (GPT-2; Llama/Mistral/Qwen2 with GQA, q/k/v bias,
tied or untied head, RoPE rotate_half) in float64 from the stored weights and the
config.json, and compares with the fixtures written by make_golden.py: logits, eager
attention probabilities, and the logits/probabilities under sparse_mask.npy. This is the
arithmetic the C++ forward must reproduce; it doubles as a readable reference.

Usage: python3 tools/check_golden.py [tests/golden/models]
"""
import json
import math
import os
import struct
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def read_safetensors(path):
    with open(path, "rb") as f:
        b = f.read()
    n = struct.unpack("<Q", b[:8])[0]
    header = json.loads(b[8:8 + n])
    out = {}
    for name, v in header.items():
        if name == "__metadata__":
            continue
        s, e = v["data_offsets"]
        raw = b[8 + n + s: 8 + n + e]
        if v["dtype"] == "BF16":
            a = (np.frombuffer(raw, dtype=np.uint16).astype(np.uint32) << 16).view(np.float32)
        else:
            a = np.frombuffer(raw, dtype={"F16": np.float16, "F32": np.float32}[v["dtype"]])
        out[name] = a.reshape(v["shape"]).astype(np.float64)
    return out


def load_weights(folder):
    idx = os.path.join(folder, "model.safetensors.index.json")
    if os.path.exists(idx):
        with open(idx) as f:
            files = sorted(set(json.load(f)["weight_map"].values()))
        w = {}
        for fn in files:
            w.update(read_safetensors(os.path.join(folder, fn)))
        return w
    return read_safetensors(os.path.join(folder, "model.safetensors"))


def softmax(s):
    s = s - s.max(-1, keepdims=True)
    e = np.exp(s)
    return e / e.sum(-1, keepdims=True)


def attention(q, k, v, keep):
    """q [h,n,d], k/v [hkv,n,d]; head i reads kv head i // (h/hkv). keep [n,n] bool."""
    rep = q.shape[0] // k.shape[0]
    k, v = np.repeat(k, rep, axis=0), np.repeat(v, rep, axis=0)
    s = q @ k.transpose(0, 2, 1) / math.sqrt(q.shape[-1])
    s = np.where(keep[None], s, -np.inf)
    p = softmax(s)
    return p @ v, p


def rms(x, w, eps):
    return x / np.sqrt((x * x).mean(-1, keepdims=True) + eps) * w


def layer_norm(x, w, b, eps):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


def gelu_new(x):
    return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


def rope_theta(cfg):
    rp = cfg.get("rope_parameters")
    if isinstance(rp, dict) and "rope_theta" in rp:
        return rp["rope_theta"]
    return cfg.get("rope_theta", 10000.0)


def llama_forward(cfg, w, ids, keep):
    n, h, hkv = len(ids), cfg["num_attention_heads"], cfg["num_key_value_heads"]
    d = cfg.get("head_dim") or cfg["hidden_size"] // h
    eps = cfg["rms_norm_eps"]
    inv = 1.0 / rope_theta(cfg) ** (np.arange(0, d, 2) / d)
    ang = np.arange(n)[:, None] * inv[None]
    cos, sin = np.cos(np.concatenate([ang, ang], -1)), np.sin(np.concatenate([ang, ang], -1))

    def rope(x):  # x [heads, n, d]; rotate_half layout
        x1, x2 = x[..., : d // 2], x[..., d // 2:]
        return x * cos + np.concatenate([-x2, x1], -1) * sin

    x = w["model.embed_tokens.weight"][ids]
    probs = []
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}."
        a = rms(x, w[p + "input_layernorm.weight"], eps)

        def proj(name, heads):
            y = a @ w[p + f"self_attn.{name}.weight"].T
            if p + f"self_attn.{name}.bias" in w:
                y = y + w[p + f"self_attn.{name}.bias"]
            return y.reshape(n, heads, d).transpose(1, 0, 2)

        q, k, v = rope(proj("q_proj", h)), rope(proj("k_proj", hkv)), proj("v_proj", hkv)
        o, pr = attention(q, k, v, keep)
        probs.append(pr)
        x = x + o.transpose(1, 0, 2).reshape(n, h * d) @ w[p + "self_attn.o_proj.weight"].T
        m = rms(x, w[p + "post_attention_layernorm.weight"], eps)
        g, u = m @ w[p + "mlp.gate_proj.weight"].T, m @ w[p + "mlp.up_proj.weight"].T
        x = x + (g / (1 + np.exp(-g)) * u) @ w[p + "mlp.down_proj.weight"].T
    x = rms(x, w["model.norm.weight"], eps)
    head = w.get("lm_head.weight", w["model.embed_tokens.weight"])  # tied when absent
    return x @ head.T, np.stack(probs)


def gpt2_forward(cfg, w, ids, keep):
    n, h, e = len(ids), cfg["n_head"], cfg["n_embd"]
    d, eps = e // h, cfg["layer_norm_epsilon"]
    x = w["transformer.wte.weight"][ids] + w["transformer.wpe.weight"][:n]
    probs = []
    for i in range(cfg["n_layer"]):
        p = f"transformer.h.{i}."
        a = layer_norm(x, w[p + "ln_1.weight"], w[p + "ln_1.bias"], eps)
        qkv = a @ w[p + "attn.c_attn.weight"] + w[p + "attn.c_attn.bias"]  # Conv1D: [in, out]
        q, k, v = (t.reshape(n, h, d).transpose(1, 0, 2) for t in np.split(qkv, 3, axis=-1))
        o, pr = attention(q, k, v, keep)
        probs.append(pr)
        x = x + o.transpose(1, 0, 2).reshape(n, e) @ w[p + "attn.c_proj.weight"] + w[p + "attn.c_proj.bias"]
        m = layer_norm(x, w[p + "ln_2.weight"], w[p + "ln_2.bias"], eps)
        m = gelu_new(m @ w[p + "mlp.c_fc.weight"] + w[p + "mlp.c_fc.bias"])
        x = x + m @ w[p + "mlp.c_proj.weight"] + w[p + "mlp.c_proj.bias"]
    x = layer_norm(x, w["transformer.ln_f.weight"], w["transformer.ln_f.bias"], eps)
    head = w.get("lm_head.weight", w["transformer.wte.weight"])
    return x @ head.T, np.stack(probs)


def check(folder):
    with open(os.path.join(folder, "config.json")) as f:
        cfg = json.load(f)
    w = load_weights(folder)
    ids = np.load(os.path.join(folder, "ids.npy"))
    n = len(ids)
    fwd = gpt2_forward if cfg["model_type"] == "gpt2" else llama_forward
    causal = np.tril(np.ones((n, n), dtype=bool))
    mask = np.load(os.path.join(folder, "sparse_mask.npy")).astype(bool)
    with open(os.path.join(folder, "pattern.json")) as f:
        pat = json.load(f)
    i, j = np.arange(n)[:, None], np.arange(n)[None]
    want = (j <= i) & ((i - pat["window"] < j) | (j < pat["global"]) | (j == i))
    lg, pr = fwd(cfg, w, ids, causal)
    slg, spr = fwd(cfg, w, ids, mask)
    r = {"mask_matches_pattern": bool((want == mask).all()),
         "logits": float(np.abs(lg - np.load(os.path.join(folder, "logits.npy"))).max()),
         "attn": float(np.abs(pr - np.load(os.path.join(folder, "attn.npy"))).max()),
         "sparse_logits": float(np.abs(slg - np.load(os.path.join(folder, "sparse_logits.npy"))).max())}
    sp = os.path.join(folder, "sparse_attn.npy")
    if os.path.exists(sp):
        r["sparse_attn"] = float(np.abs(spr - np.load(sp)).max())
    r["ok"] = (r["mask_matches_pattern"] and r["logits"] < 1e-4 and r["attn"] < 1e-5
               and r["sparse_logits"] < 1e-4 and r.get("sparse_attn", 0) < 1e-5)
    return r


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "tests", "golden", "models")
    bad = 0
    for name in sorted(os.listdir(root)):
        folder = os.path.join(root, name)
        if not os.path.isdir(folder):
            continue
        r = check(folder)
        bad += not r["ok"]
        print(f"{name:20s} {'ok ' if r['ok'] else 'BAD'} " + " ".join(f"{k}={v:.2e}" for k, v in r.items()
                                                                  if isinstance(v, float)))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
