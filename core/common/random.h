#pragma once
// A small portable random generator: splitmix64 (Steele, Lea & Flood 2014).
// std::uniform_int_distribution is implementation-defined, so masks built with
// it would differ between standard libraries; this one is identical everywhere.
#include <cstdint>

namespace sparsescope {

inline uint64_t splitmix64(uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

class SplitMix64 {
public:
    explicit SplitMix64(uint64_t seed) : state_(seed) {}
    uint64_t next() {
        state_ += 0x9e3779b97f4a7c15ULL;
        uint64_t z = state_;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
    // Uniform integer in [0, bound), bound >= 1, without modulo bias (Lemire 2019).
    uint64_t below(uint64_t bound) {
        unsigned __int128 m = static_cast<unsigned __int128>(next()) * bound;
        uint64_t low = static_cast<uint64_t>(m);
        if (low < bound) {
            const uint64_t threshold = (0 - bound) % bound;
            while (low < threshold) {
                m = static_cast<unsigned __int128>(next()) * bound;
                low = static_cast<uint64_t>(m);
            }
        }
        return static_cast<uint64_t>(m >> 64);
    }

private:
    uint64_t state_;
};

// The generator of row i of a pattern seeded with `seed`: depends on (seed, i) only.
inline SplitMix64 rowGenerator(uint64_t seed, int64_t row) {
    return SplitMix64(splitmix64(seed) ^ splitmix64(0x5ca1ab1eULL + static_cast<uint64_t>(row)));
}

}  // namespace sparsescope
