#pragma once
// SplitMix64 (Steele, Lea & Flood 2014; reference code by S. Vigna, public domain):
// a tiny 64-bit generator whose output is fully defined by integer arithmetic, so a
// seed gives the same numbers with every compiler and standard library (unlike
// std::uniform_int_distribution, whose algorithm is implementation-defined).
// The Python twin in tools/workload_gen.py must stay bit-identical.
//
//   state += 0x9E3779B97F4A7C15
//   z = state; z = (z ^ z>>30) * 0xBF58476D1CE4E5B9; z = (z ^ z>>27) * 0x94D049BB133111EB
//   return z ^ z>>31                                        (all mod 2^64)
//
// Not core/common/random.h's SplitMix64: that one draws below() without modulo bias
// (Lemire) for masks. Two classes of one name would break the one-definition rule, and
// the linker would then pick either body for both (it did in Debug builds: other
// passkeys). Hence the distinct name.
#include <cstdint>

namespace sparsescope {

class TaskSplitMix64 {
public:
    explicit TaskSplitMix64(uint64_t seed) : state_(seed) {}

    uint64_t next() {
        uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }

    // An integer in [0, bound) by plain modulo. The bias is at most bound / 2^64
    // (< 1e-14 for the ranges used here), and plain modulo is trivial to reproduce
    // in other languages, which matters more for shared task data than that bias.
    uint64_t below(uint64_t bound) { return bound == 0 ? 0 : next() % bound; }

private:
    uint64_t state_;
};

}  // namespace sparsescope
