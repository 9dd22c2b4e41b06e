"""Data for the default model: the passkey format (TEAM.md), tokenizer, corpora, synthetic tasks, batches."""
import gzip
import math
import os
import queue
import threading

import numpy as np
import torch

# ---- the passkey task, exactly as TEAM.md defines it (shared with core/workload/) ----
PASSKEY_PREFIX = ("There is an important info hidden inside a lot of irrelevant text. Find it and memorize it. "
                  "I will quiz you about the important information there.\n")
FILLER = "The grass is green. The sky is blue. The sun is yellow. Here we go. There and back again.\n"
NEEDLE = "The pass key is {K}. Remember it. {K} is the pass key.\n"
QUESTION = "What is the pass key? The pass key is"
EOT = "<|endoftext|>"
RS = "\x1e"


def needle_index(depth, n_units):
    """round(depth * F), halves away from zero (std::round), not Python's banker's round."""
    return int(math.floor(depth * n_units + 0.5))


def passkey_strings(n_units, depth, key):
    units = [FILLER] * n_units
    units.insert(needle_index(depth, n_units), NEEDLE.format(K=key))
    return PASSKEY_PREFIX + "".join(units) + QUESTION, " %d" % key


# ---------------------------------------------------------------- tokenizer
class HFTokenizer:
    def __init__(self, tok):
        self.tok = tok
        self.eot = tok.token_to_id(EOT)
        self.vocab_size = tok.get_vocab_size(with_added_tokens=True)
        self.kind = "bpe"

    def encode(self, text, bos=False):
        return self.tok.encode(text, add_special_tokens=bos).ids

    def encode_batch(self, texts):
        return [e.ids for e in self.tok.encode_batch(texts, add_special_tokens=False)]

    def save(self, path):
        self.tok.save(path)


class ByteTokenizer:
    """Smoke-test stand-in when `tokenizers` is missing (Debian has no package): id = byte + 1."""
    kind = "bytes"
    eot = 0
    vocab_size = 257

    def encode(self, text, bos=False):
        ids = [b + 1 for b in text.encode("utf-8")]
        return [0] + ids if bos else ids

    def encode_batch(self, texts):
        return [self.encode(t) for t in texts]

    def save(self, path):
        pass


def train_tokenizer(texts, vocab_size):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)  # GPT-2 regex
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=[EOT], show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(texts, trainer)
    eot = tok.token_to_id(EOT)
    tok.post_processor = processors.TemplateProcessing(
        single=f"{EOT} $A", pair=f"{EOT} $A {EOT} $B:1", special_tokens=[(EOT, eot)])
    return HFTokenizer(tok)


# ---------------------------------------------------------------- corpora
def read_gz(path):
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return f.read()


def split_tail(text, frac=0.05):
    cut = text.rfind("\n", 0, int(len(text) * (1 - frac))) + 1
    return text[:cut], text[cut:]


def load_corpora(data_dir, limit=None):
    """(name -> (training documents, held-out test text), name -> validation text).

    Test: the last 5 % of each book, every 20th code file (i % 20 == 7). Validation (used
    only to pick the checkpoint): the 3 % before the test part, code files i % 20 == 13.
    Neither is trained on."""
    out, val = {}, {}
    for name, fn in (("shakespeare", "tinyshakespeare.txt.gz"), ("kjv", "kjv.txt.gz")):
        t = read_gz(os.path.join(data_dir, fn))
        if limit:
            t = t[:limit]
        rest, ho = split_tail(t)
        tr, va = split_tail(rest, 0.03)
        out[name] = ([tr], ho)
        val[name] = va
    docs = read_gz(os.path.join(data_dir, "pystdlib.txt.gz")).split(RS)
    if limit:
        docs = docs[: max(40, limit // 20000)]
    train = [d for i, d in enumerate(docs) if i % 20 not in (7, 13)]
    held = [d for i, d in enumerate(docs) if i % 20 == 7]
    out["code"] = (train, "\n\n".join(held))
    val["code"] = "\n\n".join(d for i, d in enumerate(docs) if i % 20 == 13)
    return out, val


def chunk_text(text, size=4000):
    pieces, i = [], 0
    while i < len(text):
        j = min(len(text), i + size)
        if j < len(text):
            k = text.rfind("\n", i, j)
            if k > i:
                j = k + 1
        pieces.append(text[i:j])
        i = j
    return pieces


def encode_docs(tok, docs):
    """Concatenated ids of the documents, <|endoftext|> after each."""
    pieces, owner = [], []
    for di, d in enumerate(docs):
        for p in chunk_text(d):
            pieces.append(p)
            owner.append(di)
    enc = tok.encode_batch(pieces)
    out = []
    for i, ids in enumerate(enc):
        out.extend(ids)
        if i + 1 == len(enc) or owner[i + 1] != owner[i]:
            out.append(tok.eot)
    return np.array(out, dtype=np.int32)


# ---------------------------------------------------------------- synthetic tasks
class Synth:
    def __init__(self, tok, streams, rng, seq_len):
        self.tok, self.streams, self.rng, self.L = tok, streams, rng, seq_len
        self.prefix = tok.encode(PASSKEY_PREFIX)
        self.filler = tok.encode(FILLER)
        self.question = tok.encode(QUESTION)
        self._cache = {}
        self.text_names = list(streams)

    def needle_answer(self, key):
        if key not in self._cache:
            if len(self._cache) > 200000:
                self._cache.clear()
            self._cache[key] = (self.tok.encode(NEEDLE.format(K=key)), self.tok.encode(" %d" % key))
        return self._cache[key]

    def passkey_ids(self, n_units, depth, key):
        needle, ans = self.needle_answer(key)
        r = needle_index(depth, n_units)
        ids = self.prefix + self.filler * r + needle + self.filler * (n_units - r) + self.question
        return ids, ans

    def check_concat(self, n=20):
        """Piecewise ids must equal encoding the whole prompt (pieces end in \\n)."""
        bad = 0
        for _ in range(n):
            nu, depth, key = int(self.rng.integers(1, 30)), float(self.rng.random()), int(self.rng.integers(10000, 100000))
            ids, ans = self.passkey_ids(nu, depth, key)
            p, a = passkey_strings(nu, depth, key)
            bad += (self.tok.encode(p + a) != ids + ans)
        return bad

    def max_units(self, budget):
        return max(1, (budget - len(self.prefix) - len(self.question) - 40) // len(self.filler))

    def text_window(self, n, name=None):
        s = self.streams[name or self.text_names[int(self.rng.integers(len(self.text_names)))]]
        off = int(self.rng.integers(0, len(s) - n - 1))
        return s[off: off + n].tolist()

    # each generator returns (ids, weights) for one sample; weight 0 = not a training target
    def passkey(self, room):
        fmax = self.max_units(room)
        lo = 1 if self.rng.random() < 0.5 else max(1, fmax // 2)
        nu = int(self.rng.integers(lo, fmax + 1))
        ids, ans = self.passkey_ids(nu, float(self.rng.random()), int(self.rng.integers(10000, 100000)))
        ids = ids + ans
        return ids, [1] * len(ids)

    def passkey_text(self, room):
        n = int(self.rng.integers(20, max(21, room - len(self.prefix) - len(self.question) - 40)))
        hay = self.text_window(n)
        key = int(self.rng.integers(10000, 100000))
        needle, ans = self.needle_answer(key)
        p = int(self.rng.integers(0, n + 1))
        ids = self.prefix + hay[:p] + needle + hay[p:] + self.question + ans
        return ids, [1] * len(ids)

    def kv(self, room):
        """A table of random keys and numbers, then questions about some of them."""
        n = int(self.rng.integers(4, 48))
        codes = self.rng.integers(0, 26, (n + 8, 7))
        lens = self.rng.integers(3, 8, n + 8)
        keys = list(dict.fromkeys("".join(chr(97 + x) for x in row[:m]) for row, m in zip(codes, lens)))[:n]
        n = len(keys)
        vals = self.rng.integers(0, 100000, n)
        text = "Keys and values:\n" + "".join(f"{k}: {v}\n" for k, v in zip(keys, vals))
        for i in self.rng.choice(n, size=min(n, int(self.rng.integers(2, 9))), replace=False):
            text += f"The value of {keys[i]} is {vals[i]}.\n"
        ids = self.tok.encode(text)
        return ids, [1] * len(ids)

    def induction(self, room):
        n = int(self.rng.integers(8, max(9, min(700, room // 2))))
        span = self.rng.integers(1, self.tok.vocab_size, n).tolist()
        reps = 3 if self.rng.random() < 0.2 else 2
        return span * reps, [0] * n + [1] * (n * (reps - 1))

    def sequence(self, kind):
        """One training row of L+1 tokens: BOS, then samples of `kind` packed with EOT."""
        L1 = self.L + 1
        ids, w = [self.tok.eot], [1]
        if kind in ("shakespeare", "kjv", "code"):
            ids += self.text_window(self.L, kind)
            w += [1] * self.L
        else:
            gen = getattr(self, kind)
            while len(ids) < L1:
                room = L1 - len(ids)
                if kind.startswith("passkey") and len(ids) > 1 and room < 200:
                    t = self.text_window(room)  # top up with text
                    ids += t
                    w += [1] * len(t)
                    break
                s, sw = gen(room)
                ids += s + [self.tok.eot]
                w += sw + [1]
        return np.array(ids[:L1], dtype=np.int64), np.array(w[:L1], dtype=np.bool_)


# Shares of training rows. The books are small (0.4M and 1.2M tokens): more text share or
# more steps makes the model memorise them (held-out loss rises), see resources/README.md.
MIXTURE = {"shakespeare": 0.06, "kjv": 0.10, "code": 0.22, "passkey": 0.22, "passkey_text": 0.08,
           "kv": 0.10, "induction": 0.22}


class Batcher:
    """Builds batches on a background thread (numpy), hands out pinned tensors."""

    def __init__(self, synth, batch, mixture, seed, device):
        self.synth, self.batch, self.device = synth, batch, device
        self.kinds = list(mixture)
        p = np.array([mixture[k] for k in self.kinds], dtype=np.float64)
        self.p = p / p.sum()
        self.rng = np.random.default_rng(seed)
        self.q = queue.Queue(maxsize=6)
        self.stop = False
        self.t = threading.Thread(target=self._run, daemon=True)
        self.t.start()

    def make(self):
        rows = [self.synth.sequence(self.kinds[self.rng.choice(len(self.kinds), p=self.p)])
                for _ in range(self.batch)]
        ids = torch.from_numpy(np.stack([r[0] for r in rows]))
        w = torch.from_numpy(np.stack([r[1] for r in rows]))
        x = ids[:, :-1].contiguous()
        y = ids[:, 1:].clone()
        y[~w[:, 1:]] = -100
        if self.device.type == "cuda":
            x, y = x.pin_memory(), y.pin_memory()
        return x, y

    def _run(self):
        while not self.stop:
            try:
                self.q.put(self.make(), timeout=1)
            except queue.Full:
                continue

    def next(self):
        x, y = self.q.get()
        return x.to(self.device, non_blocking=True), y.to(self.device, non_blocking=True)


