#pragma once
// IEEE 754 binary16 ("half", float16) and bfloat16 <-> float32 by bit manipulation,
// so results are the same on every compiler and CPU (no _Float16, no F16C needed).
//
// binary16: 1 sign, 5 exponent (bias 15), 10 mantissa bits.
//   exponent 0      -> zero / subnormal, value = mantissa * 2^-24
//   exponent 1..30  -> normal, value = (1 + mantissa / 2^10) * 2^(exponent - 15)
//   exponent 31     -> inf (mantissa 0) or NaN
// bfloat16: the upper 16 bits of a float32 (1 sign, 8 exponent, 7 mantissa bits).
//
// float32 -> half/bfloat16 rounds to nearest, ties to even (what NumPy, PyTorch and
// the hardware converters do); values past the largest half (65504) round to inf
// once they reach the midpoint 65520; NaN stays NaN (quiet), keeping its sign.
#include <bit>
#include <cstdint>

namespace sparsescope {

inline float halfToFloat(uint16_t h) {
    const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
    const uint32_t exponent = (h >> 10) & 0x1Fu;
    const uint32_t mantissa = h & 0x3FFu;
    if (exponent == 0) {
        // Zero or subnormal: mantissa * 2^-24 is exact in float32 (mantissa < 2^10).
        const float magnitude = static_cast<float>(mantissa) * 5.9604644775390625e-8f;
        return std::bit_cast<float>(std::bit_cast<uint32_t>(magnitude) | sign);
    }
    if (exponent == 0x1F) {
        // inf, or NaN with its payload moved to the top of the float32 mantissa.
        return std::bit_cast<float>(sign | 0x7F800000u | (mantissa << 13));
    }
    // Normal: rebias the exponent (127 - 15 = 112), widen the mantissa.
    return std::bit_cast<float>(sign | ((exponent + 112u) << 23) | (mantissa << 13));
}

inline uint16_t floatToHalf(float f) {
    const uint32_t bits = std::bit_cast<uint32_t>(f);
    const uint16_t sign = static_cast<uint16_t>((bits >> 16) & 0x8000u);
    const uint32_t magnitude = bits & 0x7FFFFFFFu;

    if (magnitude >= 0x7F800000u) {  // inf or NaN
        if (magnitude == 0x7F800000u) return sign | 0x7C00u;
        // Quiet NaN; keep the top payload bits where they fit.
        return static_cast<uint16_t>(sign | 0x7E00u | ((magnitude >> 13) & 0x3FFu));
    }
    if (magnitude >= 0x477FF000u) return sign | 0x7C00u;  // >= 65520: rounds to inf
    if (magnitude >= 0x38800000u) {
        // Normal half (>= 2^-14). Drop 13 mantissa bits with round-to-nearest-even; a
        // carry out of the mantissa correctly bumps the exponent.
        const uint32_t exponent = (magnitude >> 23) - 112u;
        uint32_t h = (exponent << 10) | ((magnitude >> 13) & 0x3FFu);
        const uint32_t rest = magnitude & 0x1FFFu;
        if (rest > 0x1000u || (rest == 0x1000u && (h & 1u))) ++h;
        return static_cast<uint16_t>(sign | h);
    }
    if (magnitude <= 0x33000000u) return sign;  // <= 2^-25: ties to even give zero
    // Subnormal half: value / 2^-24 = significand >> shift, shift in [14, 24].
    const uint32_t significand = (magnitude & 0x7FFFFFu) | 0x800000u;
    const uint32_t shift = 126u - (magnitude >> 23);
    uint32_t h = significand >> shift;
    const uint32_t rest = significand & ((1u << shift) - 1u);
    const uint32_t halfway = 1u << (shift - 1u);
    if (rest > halfway || (rest == halfway && (h & 1u))) ++h;  // may become 2^-14: fine
    return static_cast<uint16_t>(sign | h);
}

// double -> float without the undefined behaviour of a cast from outside float's
// range: such values round as IEEE round-to-nearest-even would, to +-FLT_MAX below
// FLT_MAX + half an ulp (2^128 - 2^103) and to +-inf from there on.
inline float doubleToFloat(double x) {
    constexpr double kFloatMax = 0x1.fffffep+127;
    constexpr double kInfFrom = 0x1.ffffffp+127;
    if (x >= -kFloatMax && x <= kFloatMax) return static_cast<float>(x);
    if (x != x) {  // NaN: quiet, sign kept
        const uint32_t sign = static_cast<uint32_t>(std::bit_cast<uint64_t>(x) >> 32) & 0x80000000u;
        return std::bit_cast<float>(0x7FC00000u | sign);
    }
    const float magnitude =
        (x >= kInfFrom || x <= -kInfFrom) ? std::bit_cast<float>(0x7F800000u) : 0x1.fffffep+127f;
    return x < 0 ? -magnitude : magnitude;
}

inline float bf16ToFloat(uint16_t b) {
    return std::bit_cast<float>(static_cast<uint32_t>(b) << 16);
}

inline uint16_t floatToBf16(float f) {
    const uint32_t bits = std::bit_cast<uint32_t>(f);
    if ((bits & 0x7FFFFFFFu) > 0x7F800000u) {
        return static_cast<uint16_t>((bits >> 16) | 0x0040u);  // NaN: force quiet
    }
    // Round to nearest even on the dropped 16 bits; overflow carries into inf.
    const uint32_t rounded = bits + 0x7FFFu + ((bits >> 16) & 1u);
    return static_cast<uint16_t>(rounded >> 16);
}

}  // namespace sparsescope
