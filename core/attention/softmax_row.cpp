// The row primitives of the softmax that both kernels share:
//   rowMax(x)              m = max_j x_j
//   expShiftSum(s, x, m)   x_j <- exp(s_j - m),  returns sum_j x_j in float64
//   zeroFill(x)            x_j <- 0 (the non-kept entries of a score tile)
// Rows are short in the sparse kernel (a window of ~100 keys), so these are plain
// packet loops with no per-call set-up.
// After the shift every argument is <= 0, so nothing overflows and the row's
// maximum contributes exactly 1 (the sum is >= 1 for any non-empty row).
//
// exp is a Cephes-style polynomial on Eigen packets (SSE2, AVX, AVX-512, NEON:
// whatever Eigen vectorises for), accurate to ~1.2 ulp on [-87, 0]. It exists
// because Eigen's own pexp emulates floor() and ldexp() without SSE4.1 and costs
// twice as much in the default SSE2 build; with -march=native both are equal.
// Arguments below -87 give exactly 0 (no denormals, which are slow), -inf gives 0
// and NaN stays NaN.
#include "core/attention/attention_detail.h"

#include <Eigen/Core>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wignored-attributes"  // __m128 etc. as template arguments

namespace sparsescope::detail {

namespace {

namespace ei = Eigen::internal;
using Packet = ei::packet_traits<float>::type;
using PacketI = ei::unpacket_traits<Packet>::integer_packet;
constexpr int kLanes = ei::unpacket_traits<Packet>::size;

// exp(t) for t <= 0: t = n ln2 + r with n = round(t / ln2), |r| <= ln2 / 2;
// exp(r) by a degree-7 polynomial, 2^n by writing n + 127 into the exponent bits.
EIGEN_STRONG_INLINE Packet expNonPositive(const Packet t0) {
    const Packet lo = ei::pset1<Packet>(-87.0f);
    const Packet magic =
        ei::pset1<Packet>(12582912.0f);  // 1.5 * 2^23: adding it rounds to an integer
    const Packet t = ei::pmax(t0, lo);
    const Packet big = ei::pmadd(t, ei::pset1<Packet>(1.44269504088896341f), magic);
    const Packet n = ei::psub(big, magic);
    // r = t - n ln2, with ln2 split in a short exact part and a correction.
    Packet r = ei::pmadd(n, ei::pset1<Packet>(-0.693359375f), t);
    r = ei::pmadd(n, ei::pset1<Packet>(2.12194440e-4f), r);
    Packet p = ei::pset1<Packet>(1.9875691500e-4f);
    p = ei::pmadd(p, r, ei::pset1<Packet>(1.3981999507e-3f));
    p = ei::pmadd(p, r, ei::pset1<Packet>(8.3334519073e-3f));
    p = ei::pmadd(p, r, ei::pset1<Packet>(4.1665795894e-2f));
    p = ei::pmadd(p, r, ei::pset1<Packet>(1.6666665459e-1f));
    p = ei::pmadd(p, r, ei::pset1<Packet>(5.0000001201e-1f));
    const Packet y = ei::padd(ei::pmadd(ei::pmul(p, r), r, r), ei::pset1<Packet>(1.0f));
    // The low bits of `big` hold n + 0x400000; turn them into the float 2^n (n >= -126).
    const PacketI bits =
        ei::psub(ei::preinterpret<PacketI>(big), ei::pset1<PacketI>(0x4B400000 - 127));
    const Packet scaled = ei::pmul(y, ei::preinterpret<Packet>(ei::plogical_shift_left<23>(bits)));
    const Packet nanIn = ei::pandnot(t0, ei::pcmp_eq(t0, t0));  // t0 where t0 is NaN, else 0
    return ei::por(ei::pandnot(scaled, ei::pcmp_lt(t0, lo)), nanIn);
}

}  // namespace

float rowMax(const float* x, int64_t len) {
    if (len < kLanes) {
        float m = x[0];
        for (int64_t i = 1; i < len; ++i) m = x[i] > m ? x[i] : m;
        return m;
    }
    Packet m = ei::ploadu<Packet>(x);
    int64_t i = kLanes;
    for (; i + kLanes <= len; i += kLanes) m = ei::pmax(m, ei::ploadu<Packet>(x + i));
    if (i < len) m = ei::pmax(m, ei::ploadu<Packet>(x + len - kLanes));  // overlapping tail
    return ei::predux_max(m);
}

// Plain packet stores: a memset call (which GCC would turn this loop into) costs
// more than the fill itself for the few-KB tiles and short gaps seen here.
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((optimize("no-tree-loop-distribute-patterns")))
#endif
void zeroFill(float* x, int64_t len) {
    const Packet zero = ei::pset1<Packet>(0.0f);
    int64_t i = 0;
    for (; i + kLanes <= len; i += kLanes) ei::pstoreu(x + i, zero);
    for (; i < len; ++i) x[i] = 0.0f;
}

double expShiftSum(const float* in, float* x, int64_t len, float shift) {
    const Packet s = ei::pset1<Packet>(shift);
    int64_t i = 0;
    for (; i + kLanes <= len; i += kLanes)
        ei::pstoreu(x + i, expNonPositive(ei::psub(ei::ploadu<Packet>(in + i), s)));
    if (i < len) {  // the tail goes through one padded packet, so every entry sees the same code
        float buf[kLanes];
        for (int l = 0; l < kLanes; ++l) buf[l] = i + l < len ? in[i + l] : shift;
        ei::pstoreu(buf, expNonPositive(ei::psub(ei::ploadu<Packet>(buf), s)));
        for (int l = 0; i + l < len; ++l) x[i + l] = buf[l];
    }
    // Eight independent float64 lanes: no float rounding of a long running sum.
    double acc[8] = {0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0};
    i = 0;
    for (; i + 8 <= len; i += 8)
        for (int l = 0; l < 8; ++l) acc[l] += static_cast<double>(x[i + l]);
    for (; i < len; ++i) acc[0] += static_cast<double>(x[i]);
    return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

}  // namespace sparsescope::detail

#pragma GCC diagnostic pop
