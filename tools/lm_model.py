"""The default model as a plain PyTorch module with LlamaForCausalLM parameter names, and its saving."""
import json
import math
import os
import struct

import torch
import torch.nn as nn
import torch.nn.functional as F


# ---------------------------------------------------------------- model (LlamaForCausalLM names)
class RMSNorm(nn.Module):
    def __init__(self, d, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))
        self.eps = eps

    def forward(self, x):  # y = w * x / sqrt(mean(x^2) + eps), statistics in float32
        xf = x.float()
        xf = xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + self.eps)
        return self.weight * xf.to(x.dtype)


def rotate_half(x):
    x1, x2 = x.chunk(2, dim=-1)
    return torch.cat((-x2, x1), dim=-1)


class Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.h, self.hkv, self.d = c["heads"], c["kv_heads"], c["head_dim"]
        self.q_proj = nn.Linear(c["dim"], self.h * self.d, bias=False)
        self.k_proj = nn.Linear(c["dim"], self.hkv * self.d, bias=False)
        self.v_proj = nn.Linear(c["dim"], self.hkv * self.d, bias=False)
        self.o_proj = nn.Linear(self.h * self.d, c["dim"], bias=False)

    def forward(self, x, cos, sin):
        B, T, _ = x.shape
        q = self.q_proj(x).view(B, T, self.h, self.d).transpose(1, 2)
        k = self.k_proj(x).view(B, T, self.hkv, self.d).transpose(1, 2)
        v = self.v_proj(x).view(B, T, self.hkv, self.d).transpose(1, 2)
        cos, sin = cos[:T].to(q.dtype), sin[:T].to(q.dtype)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        if self.hkv != self.h:  # GQA: head i reads kv head i // (h / hkv)
            k = k.repeat_interleave(self.h // self.hkv, dim=1)
            v = v.repeat_interleave(self.h // self.hkv, dim=1)
        if hasattr(F, "scaled_dot_product_attention"):
            o = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        else:  # torch 1.13
            s = (q @ k.transpose(-2, -1)) * self.d ** -0.5
            s = s.masked_fill(torch.ones(T, T, dtype=torch.bool, device=x.device).triu(1), float("-inf"))
            o = torch.softmax(s.float(), dim=-1).to(v.dtype) @ v
        return self.o_proj(o.transpose(1, 2).reshape(B, T, self.h * self.d))


class MLP(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.gate_proj = nn.Linear(c["dim"], c["ffn"], bias=False)
        self.up_proj = nn.Linear(c["dim"], c["ffn"], bias=False)
        self.down_proj = nn.Linear(c["ffn"], c["dim"], bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.input_layernorm = RMSNorm(c["dim"], c["eps"])
        self.self_attn = Attention(c)
        self.post_attention_layernorm = RMSNorm(c["dim"], c["eps"])
        self.mlp = MLP(c)

    def forward(self, x, cos, sin):
        x = x + self.self_attn(self.input_layernorm(x), cos, sin)
        return x + self.mlp(self.post_attention_layernorm(x))


class Body(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embed_tokens = nn.Embedding(c["vocab"], c["dim"])
        self.layers = nn.ModuleList([Block(c) for _ in range(c["layers"])])
        self.norm = RMSNorm(c["dim"], c["eps"])


class TinyLlama(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        self.model = Body(c)
        d = c["head_dim"]
        inv = 1.0 / (c["theta"] ** (torch.arange(0, d, 2, dtype=torch.int64).float() / d))
        freqs = torch.outer(torch.arange(c["max_pos"], dtype=torch.float32), inv)
        emb = torch.cat((freqs, freqs), dim=-1)
        self.register_buffer("cos", emb.cos(), persistent=False)
        self.register_buffer("sin", emb.sin(), persistent=False)

    def forward(self, ids):
        x = self.model.embed_tokens(ids)
        for layer in self.model.layers:
            x = layer(x, self.cos, self.sin)
        x = self.model.norm(x)
        return F.linear(x, self.model.embed_tokens.weight)  # tied lm_head

    def init_weights(self, std=0.02):
        resid = std / math.sqrt(2 * self.c["layers"])
        for name, p in self.named_parameters():
            if p.ndim == 2:
                nn.init.normal_(p, 0.0, resid if name.endswith(("o_proj.weight", "down_proj.weight")) else std)


def loss_fn(model, x, y):
    logits = model(x)
    return F.cross_entropy(logits.view(-1, logits.shape[-1]).float(), y.view(-1), ignore_index=-100)


# ---------------------------------------------------------------- saving
def hf_config_dict(c, tok):
    return {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": c["vocab"],
            "hidden_size": c["dim"], "intermediate_size": c["ffn"], "num_hidden_layers": c["layers"],
            "num_attention_heads": c["heads"], "num_key_value_heads": c["kv_heads"], "head_dim": c["head_dim"],
            "max_position_embeddings": c["max_pos"], "rms_norm_eps": c["eps"], "rope_theta": c["theta"],
            "tie_word_embeddings": True, "hidden_act": "silu", "attention_bias": False, "mlp_bias": False,
            "bos_token_id": tok.eot, "eos_token_id": tok.eot, "torch_dtype": "float16"}


def write_safetensors(path, tensors):
    header, blobs, off = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().cpu().contiguous()
        dt = {torch.float16: "F16", torch.float32: "F32", torch.bfloat16: "BF16"}[t.dtype]
        b = (t.view(torch.int16) if t.dtype == torch.bfloat16 else t).numpy().tobytes()
        header[name] = {"dtype": dt, "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    header["__metadata__"] = {"format": "pt"}
    hb = json.dumps(header).encode()
    hb += b" " * ((8 - len(hb) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hb)))
        f.write(hb)
        for b in blobs:
            f.write(b)


def save_model(model, c, tok, out_dir, have_hf, log):
    """Write the HF folder (F16). Returns the info dict."""
    os.makedirs(out_dir, exist_ok=True)
    sd = {k: v.detach().float().cpu() for k, v in model.state_dict().items()}
    info = {}
    if have_hf:
        from transformers import LlamaConfig, LlamaForCausalLM
        kw = hf_config_dict(c, tok)
        for k in ("architectures", "model_type", "torch_dtype"):
            kw.pop(k)
        cfg = LlamaConfig(rope_parameters={"rope_type": "default", "rope_theta": c["theta"]}, **kw)
        hf = LlamaForCausalLM(cfg)
        missing, unexpected = hf.load_state_dict(sd, strict=False)
        assert not unexpected and set(missing) <= {"lm_head.weight"}, (missing, unexpected)
        assert hf.lm_head.weight.data_ptr() == hf.model.embed_tokens.weight.data_ptr(), "lm_head not tied"
        inv = hf.model.rotary_emb.inv_freq.double()
        d = c["head_dim"]
        want = 1.0 / (c["theta"] ** (torch.arange(0, d, 2, dtype=torch.float64) / d))
        assert float((inv - want).abs().max()) < 1e-6, "rope_theta not applied"
        hf.to(torch.float16).save_pretrained(out_dir)
        info["writer"] = "transformers save_pretrained"
    else:
        write_safetensors(os.path.join(out_dir, "model.safetensors"),
                          {k: v.half() for k, v in sd.items()})
        with open(os.path.join(out_dir, "config.json"), "w") as f:
            json.dump(hf_config_dict(c, tok), f, indent=2)
        info["writer"] = "hand-written safetensors (no transformers)"
    tok.save(os.path.join(out_dir, "tokenizer.json"))
    info["files"] = {f: os.path.getsize(os.path.join(out_dir, f)) for f in sorted(os.listdir(out_dir))}
    log(f"saved {out_dir}: {info}")
    return info


def rounded_copy(model, c, device):
    """The training module holding the F16-rounded weights, in float32."""
    m = TinyLlama(c).to(device)
    m.load_state_dict({k: v.detach().half().float() for k, v in model.state_dict().items()})
    return m.eval()


