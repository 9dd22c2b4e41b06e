// float16 / bfloat16 conversions (core/common/half.h), checked exhaustively over all
// 65536 half values against the definition of binary16, at every rounding midpoint,
// and against the compiler's own _Float16 where it has one.
#include <QTest>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>

#include "core/common/half.h"

using namespace sparsescope;

namespace {

// The binary16 definition, computed in double: independent of the bit tricks.
double halfValue(uint16_t h) {
    const int sign = (h & 0x8000) ? -1 : 1;
    const int exponent = (h >> 10) & 0x1F;
    const int mantissa = h & 0x3FF;
    if (exponent == 0x1F) return mantissa ? std::nan("") : sign * INFINITY;
    if (exponent == 0) return sign * std::ldexp(mantissa, -24);
    return sign * std::ldexp(1.0 + mantissa / 1024.0, exponent - 15);
}

bool isHalfNan(uint16_t h) { return (h & 0x7C00) == 0x7C00 && (h & 0x3FF); }

}  // namespace

class TestHalf : public QObject {
    Q_OBJECT
private slots:
    void halfToFloatMatchesDefinition() {
        for (uint32_t h = 0; h < 65536; ++h) {
            const float f = halfToFloat(static_cast<uint16_t>(h));
            const double expected = halfValue(static_cast<uint16_t>(h));
            if (std::isnan(expected)) {
                QVERIFY2(std::isnan(f), qPrintable(QString::number(h, 16)));
            } else {
                QVERIFY2(static_cast<double>(f) == expected, qPrintable(QString::number(h, 16)));
                QCOMPARE(std::signbit(f), (h & 0x8000) != 0);  // -0 stays -0
            }
        }
    }

    void roundTripIsExact() {
        for (uint32_t h = 0; h < 65536; ++h) {
            const uint16_t back = floatToHalf(halfToFloat(static_cast<uint16_t>(h)));
            if (isHalfNan(static_cast<uint16_t>(h))) {
                QVERIFY(isHalfNan(back));
                QCOMPARE(back & 0x8000, h & 0x8000);
            } else {
                QCOMPARE(back, static_cast<uint16_t>(h));
            }
        }
    }

    // Between neighbouring halves a < b: the midpoint goes to the even one, anything
    // a float ulp below or above goes to the nearer one. Covers subnormals, the
    // subnormal/normal seam and the 65504 -> inf boundary (b = inf).
    void roundsToNearestEven() {
        for (uint32_t a = 0; a < 0x7C00; ++a) {
            const uint32_t b = a + 1;
            const double lo = halfValue(static_cast<uint16_t>(a));
            const double hi = b == 0x7C00 ? 65536.0 : halfValue(static_cast<uint16_t>(b));
            const float mid = static_cast<float>((lo + hi) / 2);  // exact: 12 bits
            QCOMPARE(static_cast<double>(mid), (lo + hi) / 2);
            const uint16_t even = (a & 1) ? static_cast<uint16_t>(b) : static_cast<uint16_t>(a);
            QCOMPARE(floatToHalf(mid), even);
            QCOMPARE(floatToHalf(std::nextafter(mid, 0.0f)), static_cast<uint16_t>(a));
            QCOMPARE(floatToHalf(std::nextafter(mid, INFINITY)), static_cast<uint16_t>(b));
            QCOMPARE(floatToHalf(-mid), static_cast<uint16_t>(even | 0x8000));
        }
    }

    void specialValues() {
        QCOMPARE(floatToHalf(0.0f), uint16_t(0x0000));
        QCOMPARE(floatToHalf(-0.0f), uint16_t(0x8000));
        QCOMPARE(floatToHalf(1.0f), uint16_t(0x3C00));
        QCOMPARE(floatToHalf(65504.0f), uint16_t(0x7BFF));
        QCOMPARE(floatToHalf(65519.99f), uint16_t(0x7BFF));
        QCOMPARE(floatToHalf(65520.0f), uint16_t(0x7C00));
        QCOMPARE(floatToHalf(1e10f), uint16_t(0x7C00));
        QCOMPARE(floatToHalf(-INFINITY), uint16_t(0xFC00));
        QCOMPARE(floatToHalf(std::ldexp(1.0f, -24)), uint16_t(0x0001));
        QCOMPARE(floatToHalf(std::ldexp(1.0f, -25)), uint16_t(0x0000));  // tie -> even 0
        QCOMPARE(floatToHalf(std::ldexp(1.5f, -25)), uint16_t(0x0001));
        QCOMPARE(floatToHalf(1e-30f), uint16_t(0x0000));
        QCOMPARE(floatToHalf(std::numeric_limits<float>::denorm_min()), uint16_t(0x0000));
        QCOMPARE(floatToHalf(0.1f), uint16_t(0x2E66));
        QVERIFY(isHalfNan(floatToHalf(std::nanf(""))));
        // A NaN whose payload sits only in the low bits must not become inf.
        QVERIFY(isHalfNan(floatToHalf(std::bit_cast<float>(0x7F800001u))));
        QCOMPARE(halfToFloat(0x7BFF), 65504.0f);
        QCOMPARE(halfToFloat(0x0001), std::ldexp(1.0f, -24));
        QCOMPARE(halfToFloat(0x03FF), std::ldexp(1023.0f, -24));
    }

    void matchesCompilerFloat16() {
#ifdef __FLT16_MANT_DIG__
        std::mt19937 rng(1234);
        for (int i = 0; i < 2000000; ++i) {
            // Random bit patterns cover every exponent, plus values near the half range.
            float f = std::bit_cast<float>(static_cast<uint32_t>(rng()));
            if (i & 1)
                f = std::ldexp(static_cast<float>(rng()) / 4294967296.0f, int(rng() % 44) - 28);
            if (std::isnan(f)) continue;
            const _Float16 h = static_cast<_Float16>(f);
            QCOMPARE(floatToHalf(f), std::bit_cast<uint16_t>(h));
        }
#else
        QSKIP("compiler has no _Float16");
#endif
    }

    void bfloat16() {
        for (uint32_t b = 0; b < 65536; ++b) {
            const float f = bf16ToFloat(static_cast<uint16_t>(b));
            QCOMPARE(std::bit_cast<uint32_t>(f), b << 16);
            if (!std::isnan(f)) QCOMPARE(floatToBf16(f), static_cast<uint16_t>(b));
        }
        QCOMPARE(floatToBf16(1.0f), uint16_t(0x3F80));
        QCOMPARE(floatToBf16(3.14159265f), uint16_t(0x4049));  // 3.140625
        // Ties to even: 1 + 2^-8 lies halfway between 1 and 1 + 2^-7.
        QCOMPARE(floatToBf16(1.0f + std::ldexp(1.0f, -8)), uint16_t(0x3F80));
        QCOMPARE(floatToBf16(1.0f + 3 * std::ldexp(1.0f, -8)), uint16_t(0x3F82));
        QCOMPARE(floatToBf16(std::nextafter(1.0f + std::ldexp(1.0f, -8), 2.0f)), uint16_t(0x3F81));
        QCOMPARE(floatToBf16(std::numeric_limits<float>::max()), uint16_t(0x7F80));  // -> inf
        QCOMPARE(floatToBf16(-INFINITY), uint16_t(0xFF80));
        const uint16_t nan = floatToBf16(std::bit_cast<float>(0x7F800001u));
        QVERIFY((nan & 0x7F80) == 0x7F80 && (nan & 0x7F));
    }

    void doubleToFloatNeverOverflowsUndefined() {
        const float inf = std::numeric_limits<float>::infinity();
        const float fmax = std::numeric_limits<float>::max();
        QCOMPARE(doubleToFloat(1.5), 1.5f);
        QCOMPARE(doubleToFloat(1e300), inf);
        QCOMPARE(doubleToFloat(-1e300), -inf);
        QCOMPARE(doubleToFloat(static_cast<double>(fmax)), fmax);
        QCOMPARE(doubleToFloat(static_cast<double>(fmax) + std::ldexp(1.0, 102)), fmax);
        QCOMPARE(doubleToFloat(std::ldexp(1.0, 128) - std::ldexp(1.0, 102)), inf);
        QCOMPARE(doubleToFloat(std::ldexp(1.0, 128) - std::ldexp(1.0, 103)), inf);  // tie
        QCOMPARE(doubleToFloat(-static_cast<double>(fmax) - std::ldexp(1.0, 102)), -fmax);
        QCOMPARE(doubleToFloat(INFINITY), inf);
        QVERIFY(std::isnan(doubleToFloat(std::nan(""))));
        QCOMPARE(doubleToFloat(1e-300), 0.0f);
    }
};

QTEST_APPLESS_MAIN(TestHalf)
#include "test_half.moc"
