#!/usr/bin/env python3
"""Writes the tiny .npy/.npz reference files under tests/golden/npy/ with NumPy itself,
so tests/core/test_npy.cpp and test_npz.cpp check the C++ reader against np.save,
np.savez and np.savez_compressed (and the writer byte for byte against np.save).

Run from the repository root:  python3 tools/make_npy_fixtures.py
Needs NumPy >= 1.17 (Debian: python3-numpy). Every value is a simple formula or a
literal that the C++ tests restate independently; keep the files small.
"""
import os

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "golden", "npy")


def path(name):
    return os.path.join(OUT, name)


def qkv_formula(h, n, d, sign=1.0, scale=1.0):
    """x[a, i, j] = sign * scale * (100 a + 10 i + j) / 8, exact in float16 too."""
    a, i, j = np.meshgrid(np.arange(h), np.arange(n), np.arange(d), indexing="ij")
    return sign * scale * (100 * a + 10 * i + j) / 8.0


def main():
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        if f.endswith((".npy", ".npz")):
            os.remove(path(f))

    # Good files, one per dtype and rank; x = i * 0.25 - 0.625 etc. (exact values).
    np.save(path("f32_2x3.npy"), (np.arange(6, dtype=np.float32) * 0.25 - 0.625).reshape(2, 3))
    np.save(path("f16_2x3x4.npy"), (np.arange(24, dtype=np.float16) / 8 - 1).reshape(2, 3, 4))
    specials = [0.0, -0.0, 1.0, -2.0, 65504.0, -65504.0, np.inf, -np.inf, np.nan,
                2.0 ** -24, 2.0 ** -14, 2.0 ** -14 - 2.0 ** -24, 0.1, 1.0 / 3.0]
    np.save(path("f16_specials.npy"), np.array(specials, dtype=np.float16))
    np.save(path("f64_5.npy"), np.array([1.5, -2.25, 1e300, -1e-300, 3.0e38], dtype=np.float64))
    np.save(path("i64_6.npy"), np.array([0, 1, -1, 2 ** 40, -(2 ** 62), 2 ** 63 - 1], dtype=np.int64))
    np.save(path("i32_2x2.npy"), np.array([[-5, 7], [2 ** 31 - 1, -(2 ** 31)]], dtype=np.int32))
    np.save(path("u8_3x3.npy"), np.tril(np.ones((3, 3), dtype=np.uint8)))
    np.save(path("bool_3.npy"), np.array([True, False, True]))
    np.save(path("scalar_f32.npy"), np.float32(3.5))
    np.save(path("empty_0x3.npy"), np.zeros((0, 3), dtype=np.float32))
    arr = (np.arange(6, dtype=np.float32) * 0.25 - 0.625).reshape(2, 3)
    for version in [(2, 0), (3, 0)]:
        with open(path("f32_2x3_v%d.npy" % version[0]), "wb") as f:
            np.lib.format.write_array(f, arr, version=version)

    # Files the reader must refuse with a clear message.
    np.save(path("bad_fortran.npy"), np.asfortranarray(arr))
    np.save(path("bad_bigendian.npy"), np.arange(4, dtype=">f4"))
    np.save(path("bad_complex.npy"), np.zeros(2, dtype=np.complex64))
    np.save(path("bad_structured.npy"), np.zeros(2, dtype=[("a", "<f4")]))

    # Q/K/V as users would save them.
    np.save(path("q_2x5x4.npy"), qkv_formula(2, 5, 4).astype(np.float32))
    np.save(path("k_2x5x4_f16.npy"), qkv_formula(2, 5, 4, sign=-1).astype(np.float16))
    np.save(path("v_2x5x3.npy"), qkv_formula(2, 5, 3, scale=0.5).astype(np.float32))
    np.save(path("k_2x6x4.npy"), qkv_formula(2, 6, 4).astype(np.float32))
    np.save(path("v_3x5x4.npy"), qkv_formula(3, 5, 4).astype(np.float32))
    np.save(path("q_4d.npy"), np.zeros((1, 2, 5, 4), dtype=np.float32))
    np.save(path("q_i32.npy"), np.zeros((5, 4), dtype=np.int32))

    np.savez(path("qkv.npz"), q=qkv_formula(2, 5, 4).astype(np.float32),
             k=qkv_formula(2, 5, 4, sign=-1).astype(np.float32),
             v=qkv_formula(2, 5, 3, scale=0.5).astype(np.float32))
    np.savez_compressed(path("qk_compressed_f16.npz"),
                        q=qkv_formula(1, 5, 4)[0].astype(np.float16),
                        k=qkv_formula(1, 5, 4, sign=-1)[0].astype(np.float16))
    # Compressible payload: 1024 zeros then a short ramp, so deflate really works.
    big = np.zeros(1088, dtype=np.float32)
    big[1024:] = np.arange(64, dtype=np.float32)
    np.savez_compressed(path("mixed_compressed.npz"), big=big,
                        ids=np.arange(7, dtype=np.int64), mask=np.tril(np.ones((4, 4), np.uint8)))
    np.savez(path("qkv_mismatch.npz"), q=np.zeros((2, 5, 4), np.float32),
             k=np.zeros((2, 6, 4), np.float32))
    np.savez(path("kv_only.npz"), k=np.zeros((5, 4), np.float32), v=np.zeros((5, 4), np.float32))

    total = sum(os.path.getsize(path(f)) for f in os.listdir(OUT))
    print("wrote %d files, %d bytes, to %s" % (len(os.listdir(OUT)), total, os.path.normpath(OUT)))


if __name__ == "__main__":
    main()
