#!/usr/bin/env python3
"""Time the bundled Llama-family model's forward pass in PyTorch on the CPU.

The reference side of tests/bench/bench_forward: it reads the same Hugging Face
folder (config.json + model.safetensors, F32/F16/BF16) with NumPy alone (no
transformers or safetensors package needed; Debian's python3-torch suffices), runs
the same architecture in float32 with torch, and prints one JSON line per length:
{"tokens": T, "mode": "dense"|"window", "seconds_median": s, "tokens_per_s": T/s}.

Usage: torch_forward_bench.py MODEL_DIR --tokens 1024,2048 --window W --threads N --reps R
"""
import argparse
import json
import math
import os
import statistics
import struct
import time

import numpy as np
import torch


def load_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (hlen,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + hlen])
    data = memoryview(raw)[8 + hlen:]
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        b, e = info["data_offsets"]
        buf = np.frombuffer(data[b:e], dtype={"F32": np.float32, "F16": np.float16, "BF16": np.uint16}[info["dtype"]])
        if info["dtype"] == "BF16":
            buf = (buf.astype(np.uint32) << 16).view(np.float32)
        out[name] = torch.from_numpy(buf.astype(np.float32).reshape(info["shape"]))
    return out


def rms_norm(x, w, eps):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


def forward(w, cfg, ids, mask):
    E = cfg["hidden_size"]
    H = cfg["num_attention_heads"]
    KV = cfg.get("num_key_value_heads", H)
    d = cfg.get("head_dim") or E // H
    eps = cfg.get("rms_norm_eps", 1e-6)
    T = ids.shape[0]
    inv = 1.0 / (cfg.get("rope_theta", 10000.0) ** (torch.arange(0, d, 2, dtype=torch.float32) / d))
    ang = torch.outer(torch.arange(T, dtype=torch.float32), inv)
    cos = torch.cat((ang, ang), -1).cos()
    sin = torch.cat((ang, ang), -1).sin()
    x = w["model.embed_tokens.weight"][ids]
    for l in range(cfg["num_hidden_layers"]):
        p = "model.layers.%d." % l
        h = rms_norm(x, w[p + "input_layernorm.weight"], eps)
        q = (h @ w[p + "self_attn.q_proj.weight"].T).view(T, H, d).transpose(0, 1)
        k = (h @ w[p + "self_attn.k_proj.weight"].T).view(T, KV, d).transpose(0, 1)
        v = (h @ w[p + "self_attn.v_proj.weight"].T).view(T, KV, d).transpose(0, 1)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k = k.repeat_interleave(H // KV, 0)
        v = v.repeat_interleave(H // KV, 0)
        s = (q @ k.transpose(1, 2)) / math.sqrt(d) + mask
        o = torch.softmax(s, -1) @ v
        x = x + o.transpose(0, 1).reshape(T, H * d) @ w[p + "self_attn.o_proj.weight"].T
        h = rms_norm(x, w[p + "post_attention_layernorm.weight"], eps)
        g = h @ w[p + "mlp.gate_proj.weight"].T
        u = h @ w[p + "mlp.up_proj.weight"].T
        x = x + (torch.nn.functional.silu(g) * u) @ w[p + "mlp.down_proj.weight"].T
    x = rms_norm(x, w["model.norm.weight"], eps)
    head = w.get("lm_head.weight", w["model.embed_tokens.weight"])
    return x @ head.T


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--tokens", default="1024,2048")
    ap.add_argument("--window", type=int, default=0)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--reps", type=int, default=3)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    cfg = json.load(open(os.path.join(a.model, "config.json")))
    w = load_safetensors(os.path.join(a.model, "model.safetensors"))
    vocab = cfg["vocab_size"]
    for T in [int(t) for t in a.tokens.split(",")]:
        ids = torch.from_numpy(np.random.default_rng(0).integers(0, vocab, T))
        i = torch.arange(T)
        causal = i[None, :] <= i[:, None]
        modes = [("dense", causal)]
        if a.window > 0:
            modes.append(("window", causal & (i[:, None] - a.window < i[None, :])))
        for mode, keep in modes:
            mask = torch.zeros(T, T).masked_fill(~keep, float("-inf"))
            with torch.inference_mode():
                forward(w, cfg, ids, mask)
                times = []
                for _ in range(a.reps):
                    t0 = time.perf_counter()
                    forward(w, cfg, ids, mask)
                    times.append(time.perf_counter() - t0)
            med = statistics.median(times)
            print(json.dumps({"tokens": T, "mode": mode, "seconds_median": med, "tokens_per_s": T / med}), flush=True)


if __name__ == "__main__":
    main()
