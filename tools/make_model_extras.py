#!/usr/bin/env python3
"""Golden fixtures for model options that tools/make_golden.py does not cover:
RoPE scaling ("llama3", "linear"), an explicit head_dim != hidden/heads, MQA with
attention_bias, and Mistral's own sliding window.

Writes tests/golden/model_extras/<name>/ in the layout of tests/golden/models/
(TEAM.md): a save_pretrained folder, a byte-level tokenizer.json without merges
(id = UTF-8 byte, so ids.npy is the text's bytes), text.txt, ids.npy, logits.npy,
attn.npy (eager), pattern.json, sparse_mask.npy and sparse_logits.npy.

Sparse semantics: HF's custom 4-D mask replaces a model's own sliding window,
while SparseScope only ever removes pairs (pattern AND the model's window). So the
4-D mask given to HF is sparse_mask AND the window; sparse_mask.npy itself is the
pattern's mask alone (what mask_builder must produce).

Run where torch and transformers are installed (the device machine):
    python3 tools/make_model_extras.py --out tests/golden/model_extras
"""
import argparse
import json
import os

import numpy as np
import torch
import transformers
from transformers import (LlamaConfig, LlamaForCausalLM, MistralConfig, MistralForCausalLM)

TEXT = "Sparse   attention,\tcafé digits 12345; code: f(x) = x*2 -> ok.\n"
V = 300
WINDOW, GLOBAL = 4, 2
COMMON = dict(vocab_size=V, hidden_size=32, intermediate_size=48, num_hidden_layers=2, num_attention_heads=4,
              max_position_embeddings=128, attn_implementation="eager")
CASES = {
    "llama3_rope_mqa_bias": (LlamaForCausalLM, LlamaConfig(
        num_key_value_heads=1, head_dim=16, attention_bias=True, rope_theta=500.0,
        rope_scaling={"rope_type": "llama3", "factor": 4.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                      "original_max_position_embeddings": 16}, **COMMON), None, 0),
    "llama_linear_rope_bf16": (LlamaForCausalLM, LlamaConfig(
        num_key_value_heads=4, rope_scaling={"type": "linear", "factor": 2.0}, tie_word_embeddings=True,
        **COMMON), torch.bfloat16, 0),
    "mistral_window": (MistralForCausalLM, MistralConfig(num_key_value_heads=2, sliding_window=8, **COMMON),
                       torch.float16, 8),
}


def byte_level_tokenizer():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAD)) + list(range(0xAE, 0x100))
    cs, n = bs[:], 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    vocab = {chr(c): b for b, c in zip(bs, cs)}
    level = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}
    return {"version": "1.0", "truncation": None, "padding": None, "added_tokens": [], "normalizer": None,
            "pre_tokenizer": level, "post_processor": None, "decoder": level,
            "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                      "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False, "vocab": vocab,
                      "merges": []}}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "tests", "golden", "model_extras"))
    args = ap.parse_args()
    torch.manual_seed(0)
    ids = torch.tensor([list(TEXT.encode("utf-8"))])
    T = ids.shape[1]
    causal = np.tril(np.ones((T, T), dtype=bool))
    i, j = np.indices((T, T))
    pattern = causal & ((i - j < WINDOW) | (j < GLOBAL))
    for name, (cls, cfg, dtype, window) in CASES.items():
        m = cls(cfg).float().eval()
        with torch.no_grad():  # larger than the default init, so the comparisons mean something
            for pname, p in m.named_parameters():
                p.copy_(1 + 0.2 * torch.randn_like(p) if "norm" in pname else 0.3 * torch.randn_like(p))
        d = os.path.join(args.out, name)
        if dtype is not None:  # store reduced precision, compute the reference in float32 from it
            m.to(dtype).save_pretrained(d)
            m = cls.from_pretrained(d, dtype=torch.float32, attn_implementation="eager").eval()
        else:
            m.save_pretrained(d)
        hf_mask = pattern & ((i - j < window) if window else True)
        additive = torch.zeros((1, 1, T, T))
        additive[0, 0][~torch.from_numpy(hf_mask)] = torch.finfo(torch.float32).min
        with torch.no_grad():
            dense = m(ids, output_attentions=True)
            sparse = m(ids, attention_mask=additive)
        with open(os.path.join(d, "tokenizer.json"), "w") as f:
            json.dump(byte_level_tokenizer(), f)
        with open(os.path.join(d, "text.txt"), "w", encoding="utf-8") as f:
            f.write(TEXT)
        with open(os.path.join(d, "pattern.json"), "w") as f:
            json.dump({"window": WINDOW, "global": GLOBAL}, f)
        gen = os.path.join(d, "generation_config.json")
        if os.path.exists(gen):
            os.remove(gen)
        np.save(os.path.join(d, "ids.npy"), ids[0].numpy().astype(np.int64))
        np.save(os.path.join(d, "logits.npy"), dense.logits[0].float().numpy())
        np.save(os.path.join(d, "attn.npy"), torch.stack([a[0] for a in dense.attentions]).float().numpy())
        np.save(os.path.join(d, "sparse_mask.npy"), pattern.astype(np.uint8))
        np.save(os.path.join(d, "sparse_logits.npy"), sparse.logits[0].float().numpy())
        print(name, "T", T, "transformers", transformers.__version__, "max|logit|",
              float(dense.logits.abs().max()), "max|dense-sparse|", float((dense.logits - sparse.logits).abs().max()))


if __name__ == "__main__":
    main()
