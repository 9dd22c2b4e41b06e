#!/usr/bin/env python3
"""Cross-check fixtures for core/tokenizer: trains seven small BPE tokenizers with the
Hugging Face `tokenizers` library, one per tokenizer.json style the C++ tokenizer
supports (GPT-2 byte level with and without prefix space / BOS / lstrip, rstrip and
single_word added tokens; Llama-3 and Qwen2 Split + ByteLevel, Qwen2 with NFC;
Llama-2 Prepend/Replace with byte fallback or unk; Metaspace prepend_scheme "first"),
and records for ~350 tricky and random texts the ids with and without special tokens
and both decodes. tests/core/test_tokenizer_golden.cpp checks the C++ tokenizer
against them exactly.

Run where `tokenizers` is installed (the device machine has it; the committed
fixtures were made with tokenizers 0.23.2):
    python3 tools/make_tokenizer_crosscheck.py tests/golden/tokenizers_crosscheck
With $OUT set and no argument it writes $OUT/crosscheck.tar.gz instead.
"""
import json, os, random, sys, tarfile
import tokenizers
from tokenizers import Tokenizer, Regex, AddedToken
from tokenizers.models import BPE
from tokenizers import pre_tokenizers as pt, decoders as dec, normalizers as nm, processors as pp
from tokenizers.trainers import BpeTrainer

L3 = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
QW = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
rng = random.Random(7)
FILL = "The grass is green. The sky is blue. The sun is yellow. Here we go. There and back again.\n"
PROSE = ["It was the best of times, it was the worst of times; it's what they'd said.",
         "She'll say: \"I'M here!\" and we've gone, they're done.",
         "Café naïve résumé façade — déjà vu, Ærøskøbing, straße, Øresund.",
         "日本語のテキストです。中文文本。한국어 텍스트입니다.", "Ελληνικά κείμενα και русский текст.",
         "def f(x):\n    return x ** 2  # square\n\nclass A:\n\tpass\n",
         '{"key": [1, 2, 3], "nested": {"a": null, "b": true}}', "2024-01-05 12:34:56 ERROR code=503 retry=3",
         "Numbers: 1234567 3.14159 1,000,000 42nd 7th\u00a0items", "Emoji 🙂🙃 👨‍👩‍👧 ok!", "tabs\tand\r\nwindows\r\nlines"]
corpus = []
for i in range(400):
    k = rng.randint(10000, 99999)
    corpus.append(FILL * rng.randint(1, 3) + f"The pass key is {k}. Remember it. {k} is the pass key.\n")
    corpus.extend(PROSE)

TEXTS = ["", " ", "  ", "\n", "\n\n", "\t", "a", "Hello world", " Hello world", "Hello  world", "Hello   world  ",
         "  leading", "trailing  ", "it's I'M they'RE we'll HE'D", "12345 1234567 3.14159 1,000,000", "café naïve",
         "cafe\u0301 e\u0301 A\u030a \u212b \u1100\u1161\u11a8", "日本語のテキスト", "한국어 텍스트", "Ελληνικά",
         "🙂🙃 emoji 👨‍👩‍👧", "def f(x):\n    return x**2  # c\n", "{\"key\": [1, 2, 3]}",
         "<|endoftext|>text<|endoftext|>", "a<|im_start|>b<|im_end|>c", "<s>hello</s>", "x <s> y", "<s>",
         "tab\tsep\tvalues", "\r\n windows\r\n", "mixed   \n  spaces\n\n\n", "ﬁ ligature Ω ℃",
         "\u00a0nbsp \u3000ideo x\u0085y \u180e mvs \u2028ls", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
         "The pass key is 71432. Remember it. 71432 is the pass key.\nWhat is the pass key? The pass key is",
         "a <mask> b <mask>c", "dog hotdog dog, dogs", "<R>   x", "<|begin_of_text|>hi<|end_of_text|>",
         "▁already ▁bar", "<0x41> literal", "💩" * 5, "\u0000nul", "ok\u200dzwj", "\u0301starts with mark"]
pool = list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789 .,;:!?'\"()[]{}<>|-_=+*/\\\n\t") + \
       ["  ", "   ", "\r\n", "é", "ß", "Ω", "日", "本", "한", "🙂", "\u0301", "\u00a0", "<s>", "<|endoftext|>", "'s", "'LL", "▁"]
for i in range(300):
    TEXTS.append("".join(rng.choice(pool) for _ in range(rng.randint(1, 40))))

def bytelevel_trainer(vocab, specials):
    return BpeTrainer(vocab_size=vocab, min_frequency=2, special_tokens=specials,
                      initial_alphabet=pt.ByteLevel.alphabet(), show_progress=False)

def gpt2(prefix, bos):
    t = Tokenizer(BPE())
    t.pre_tokenizer = pt.ByteLevel(add_prefix_space=prefix)
    t.decoder = dec.ByteLevel()
    t.train_from_iterator(corpus, bytelevel_trainer(700, ["<|endoftext|>"]))
    if bos:
        t.post_processor = pp.TemplateProcessing(single="<|endoftext|> $A", special_tokens=[("<|endoftext|>", t.token_to_id("<|endoftext|>"))])
        t.add_tokens([AddedToken("<mask>", lstrip=True), AddedToken("dog", single_word=True), AddedToken("<R>", rstrip=True)])
    else:
        t.post_processor = pp.ByteLevel(trim_offsets=False)
    return t

def split_style(pattern, nfc, specials, bos):
    t = Tokenizer(BPE(ignore_merges=True))
    if nfc:
        t.normalizer = nm.NFC()
    t.pre_tokenizer = pt.Sequence([pt.Split(Regex(pattern), behavior="isolated", invert=False),
                                   pt.ByteLevel(add_prefix_space=False, use_regex=False)])
    t.decoder = dec.ByteLevel()
    t.train_from_iterator(corpus, bytelevel_trainer(800, specials))
    procs = [pp.ByteLevel(trim_offsets=False)]
    if bos:
        procs.append(pp.TemplateProcessing(single=f"{bos} $A", special_tokens=[(bos, t.token_to_id(bos))]))
    t.post_processor = pp.Sequence(procs)
    return t

def llama2(byte_fallback, scheme=None):
    t = Tokenizer(BPE(unk_token="<unk>", byte_fallback=byte_fallback, fuse_unk=True))
    t.pre_tokenizer = pt.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    t.train_from_iterator(corpus, BpeTrainer(vocab_size=600, min_frequency=2, limit_alphabet=70,
                                             special_tokens=["<unk>", "<s>", "</s>"], show_progress=False))
    j = json.loads(t.to_str())
    vocab = j["model"]["vocab"]
    nxt = max(vocab.values()) + 1
    if byte_fallback:
        for b in range(256):
            vocab[f"<0x{b:02X}>"] = nxt; nxt += 1
    t = Tokenizer.from_str(json.dumps(j))
    if scheme is None:
        t.normalizer = nm.Sequence([nm.Prepend("▁"), nm.Replace(" ", "▁")])
        t.pre_tokenizer = None
        t.decoder = dec.Sequence([dec.Replace("▁", " "), dec.ByteFallback(), dec.Fuse(), dec.Strip(" ", 1, 0)])
    else:
        t.pre_tokenizer = pt.Metaspace(replacement="▁", prepend_scheme=scheme, split=False)
        t.decoder = dec.Sequence([dec.Metaspace(replacement="▁", prepend_scheme=scheme, split=False), dec.ByteFallback(), dec.Fuse()])
    t.post_processor = pp.TemplateProcessing(single="<s> $A", special_tokens=[("<s>", 1)])
    return t

styles = {
    "gpt2": gpt2(False, False),
    "gpt2_prefix_bos_added": gpt2(True, True),
    "llama3": split_style(L3, False, ["<|begin_of_text|>", "<|end_of_text|>"] + [f"<|reserved_special_token_{i}|>" for i in range(4)], "<|begin_of_text|>"),
    "qwen2": split_style(QW, True, ["<|endoftext|>", "<|im_start|>", "<|im_end|>"], None),
    "llama2_bytefallback": llama2(True),
    "llama2_unk": llama2(False),
    "metaspace_first": llama2(True, "first"),
}

def write_style(d, t):
    os.makedirs(d, exist_ok=True)
    t.save(f"{d}/tokenizer.json")
    cases = []
    for text in TEXTS:
        ids = t.encode(text, add_special_tokens=True).ids
        cases.append({"text": text, "ids": ids, "ids_no_special": t.encode(text, add_special_tokens=False).ids,
                      "decoded_keep": t.decode(ids, skip_special_tokens=False),
                      "decoded_skip": t.decode(ids, skip_special_tokens=True)})
    with open(f"{d}/cases.json", "w", encoding="utf-8") as f:
        json.dump(cases, f, ensure_ascii=False)
    print(os.path.basename(d), t.get_vocab_size(), len(cases))


if len(sys.argv) > 1:
    for name, t in styles.items():
        write_style(os.path.join(sys.argv[1], name), t)
else:
    out = os.environ["OUT"]
    with tarfile.open(os.path.join(out, "crosscheck.tar.gz"), "w:gz") as tar:
        for name, t in styles.items():
            write_style(f"/tmp/crosscheck/{name}", t)
            tar.add(f"/tmp/crosscheck/{name}", arcname=name)
print("tokenizers", tokenizers.__version__)
