#!/usr/bin/env python3
"""Collect the licence-clean training text for the default model into one folder.

Runs on the developer machine (Debian), not on the GPU machine, which has no
internet and no Debian packages: the folder it writes (default .devdata/, git-ignored)
is carried to the GPU machine by the device tool.

Sources (all redistributable, see resources/README.md):
  tinyshakespeare.txt  ../shared/corpus/tinyshakespeare.txt (public domain plays)
  kjv.txt              King James Bible, Debian package bible-kjv-text, printed with
                       `bible -f gen1:1-rev22:21` (one verse per line, "Ge1:1 ..."),
                       public domain
  pystdlib.txt         Python 3.11 standard library sources (*.py) from Debian's
                       libpython3.11-stdlib, PSF License Agreement; tests, generated
                       sysconfig data and codec tables left out. Files are separated
                       by the ASCII record separator line "\\x1e".

Usage: python3 tools/prepare_corpus.py [--out .devdata]
"""
import argparse
import gzip
import hashlib
import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
RS = "\x1e"  # record separator between code files


def write_gz(path, text):
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=9) as f:
        f.write(text)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def stdlib_files(root):
    skip_dirs = {"test", "tests", "idle_test", "site-packages", "dist-packages", "__pycache__"}
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in skip_dirs and not d.startswith("config-3"))
        for fn in sorted(filenames):
            if not fn.endswith(".py") or fn.startswith("_sysconfigdata"):
                continue
            rel = os.path.relpath(os.path.join(dirpath, fn), root)
            if rel.startswith("encodings/") and fn not in ("__init__.py", "aliases.py", "utf_8.py", "idna.py", "punycode.py"):
                continue  # codec tables: long hex tables, not code
            p = os.path.join(dirpath, fn)
            if os.path.getsize(p) > 200_000:
                continue
            if rel == "textwrap.py":
                continue  # the held-out code sample (samples/): keep it out of training
            out.append((rel, p))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(REPO, ".devdata"))
    ap.add_argument("--shakespeare", default=os.path.join(REPO, "..", "shared", "corpus", "tinyshakespeare.txt"))
    ap.add_argument("--stdlib", default="/usr/lib/python3.11")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    manifest = {}

    with open(args.shakespeare, encoding="utf-8") as f:
        shakes = f.read()
    manifest["tinyshakespeare"] = {"file": "tinyshakespeare.txt.gz", "chars": len(shakes),
                                   "source": "char-rnn data/tinyshakespeare/input.txt (via ../shared/corpus)",
                                   "licence": "public domain",
                                   "sha256": write_gz(os.path.join(args.out, "tinyshakespeare.txt.gz"), shakes)}

    if shutil.which("bible") is None:
        sys.exit("`bible` not found: apt-get install -y bible-kjv bible-kjv-text")
    kjv = subprocess.run(["bible", "-f", "gen1:1-rev22:21"], check=True, capture_output=True,
                         text=True, cwd="/tmp").stdout
    assert kjv.startswith("Ge1:1 In the beginning"), kjv[:80]
    # The Book of Ruth is the held-out prose sample (samples/): keep it out of training.
    kjv = "".join(l for l in kjv.splitlines(keepends=True) if not l.startswith("Ruth"))
    manifest["kjv"] = {"file": "kjv.txt.gz", "chars": len(kjv),
                       "source": "Debian package bible-kjv-text 4.38, printed with `bible -f gen1:1-rev22:21`",
                       "licence": "public domain (King James Version, 1611)",
                       "sha256": write_gz(os.path.join(args.out, "kjv.txt.gz"), kjv)}

    docs = []
    names = []
    for rel, p in stdlib_files(args.stdlib):
        with open(p, encoding="utf-8", errors="replace") as f:
            t = f.read()
        if RS in t or not t.strip():
            continue
        docs.append(t if t.endswith("\n") else t + "\n")
        names.append(rel)
    code = RS.join(docs)
    manifest["pystdlib"] = {"file": "pystdlib.txt.gz", "chars": len(code), "files": len(docs),
                            "source": "Python 3.11 standard library *.py from Debian (%s)" % args.stdlib,
                            "licence": "PSF License Agreement (Python Software Foundation License Version 2)",
                            "separator": "\\x1e between files",
                            "sha256": write_gz(os.path.join(args.out, "pystdlib.txt.gz"), code)}
    with open(os.path.join(args.out, "pystdlib_files.txt"), "w") as f:
        f.write("\n".join(names) + "\n")
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    for k, v in manifest.items():
        print(k, v["chars"], "chars")


if __name__ == "__main__":
    main()
