#!/usr/bin/env python3
"""Python twin of core/workload/passkey.{h,cpp}: passkey and key-value retrieval tasks.

Bit-identical to the C++ generators for the same arguments (tests/core/test_workload.cpp
checks a stored sample made by this file against the C++ output), so training data made
here and evaluation tasks made by the app share one format. The format of the passkey
task is the one in TEAM.md (Landmark Attention style). Only the standard library is used.

    python3 tools/workload_gen.py passkey --filler-units 70 --depth 0.5 --seed 1 [--out F]
    python3 tools/workload_gen.py keyvalue --pairs 250 --query-index 125 --seed 2 [--out F]
"""
import argparse
import math
import sys

MASK64 = (1 << 64) - 1

PASSKEY_PREFIX = ("There is an important info hidden inside a lot of irrelevant text. "
                  "Find it and memorize it. I will quiz you about the important information there.\n")
PASSKEY_FILLER_UNIT = ("The grass is green. The sky is blue. The sun is yellow. "
                       "Here we go. There and back again.\n")
PASSKEY_QUESTION = "What is the pass key? The pass key is"
MAX_FILLER_UNITS = 1_000_000


class SplitMix64:
    """SplitMix64 (Steele, Lea & Flood 2014), identical to core/workload/splitmix64.h."""

    def __init__(self, seed):
        self.state = seed & MASK64

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        return z ^ (z >> 31)

    def below(self, bound):
        return 0 if bound == 0 else self.next() % bound


def passkey_needle_unit(filler_units, depth):
    if not 0 <= filler_units <= MAX_FILLER_UNITS:
        raise ValueError(f"filler_units must be in 0..{MAX_FILLER_UNITS}, got {filler_units}")
    if math.isnan(depth):
        raise ValueError("depth must be a number in [0, 1], got NaN")
    d = min(max(depth, 0.0), 1.0)
    # C++ std::lround rounds half away from zero; Python's round() rounds half to even.
    return int(math.floor(d * filler_units + 0.5))


def passkey_task(filler_units, depth, seed):
    """Returns dict(prompt, answer, text, passkey, needle_byte_offset)."""
    needle_unit = passkey_needle_unit(filler_units, depth)
    k = 10000 + SplitMix64(seed).below(90000)
    needle = f"The pass key is {k}. Remember it. {k} is the pass key.\n"
    parts = [PASSKEY_PREFIX]
    offset = len(PASSKEY_PREFIX)
    needle_offset = 0
    for u in range(filler_units + 1):
        if u == needle_unit:
            needle_offset = offset
            parts.append(needle)
            offset += len(needle)
        if u < filler_units:
            parts.append(PASSKEY_FILLER_UNIT)
            offset += len(PASSKEY_FILLER_UNIT)
    parts.append(PASSKEY_QUESTION)
    prompt = "".join(parts)
    answer = f" {k}"
    return {"prompt": prompt, "answer": answer, "text": prompt + answer,
            "passkey": k, "needle_byte_offset": needle_offset}


def keyvalue_task(pairs, query_index, seed):
    """Returns dict(prompt, answer, text, keys, values, query_index)."""
    if not 1 <= pairs <= 9000:
        raise ValueError(f"pairs must be in 1..9000, got {pairs}")
    if not 0 <= query_index < pairs:
        raise ValueError(f"query_index must be in 0..{pairs - 1}, got {query_index}")
    rng = SplitMix64(seed)
    pool = list(range(1000, 10000))
    for i in range(pairs):
        j = i + rng.below(9000 - i)
        pool[i], pool[j] = pool[j], pool[i]
    keys = pool[:pairs]
    values = [10000 + rng.below(90000) for _ in range(pairs)]
    lines = "".join(f"key {k}: value {v}\n" for k, v in zip(keys, values))
    prompt = lines + f"What is the value of key {keys[query_index]}? The value is"
    answer = f" {values[query_index]}"
    return {"prompt": prompt, "answer": answer, "text": prompt + answer,
            "keys": keys, "values": values, "query_index": query_index}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--out", help="write the text (prompt + answer) here instead of stdout")
    sub = ap.add_subparsers(dest="kind", required=True)
    p = sub.add_parser("passkey", parents=[common])
    p.add_argument("--filler-units", type=int, required=True)
    p.add_argument("--depth", type=float, required=True)
    p.add_argument("--seed", type=int, required=True)
    kv = sub.add_parser("keyvalue", parents=[common])
    kv.add_argument("--pairs", type=int, required=True)
    kv.add_argument("--query-index", type=int, required=True)
    kv.add_argument("--seed", type=int, required=True)
    args = ap.parse_args()
    if args.kind == "passkey":
        task = passkey_task(args.filler_units, args.depth, args.seed)
    else:
        task = keyvalue_task(args.pairs, args.query_index, args.seed)
    if args.out:
        with open(args.out, "w", encoding="utf-8", newline="\n") as f:
            f.write(task["text"])
    else:
        sys.stdout.write(task["text"])


if __name__ == "__main__":
    main()
