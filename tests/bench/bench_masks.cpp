// Mask build time of every preset for one head at n = 1024 and 2048 (d = 32, Gaussian
// q/k of a 2-head GQA group: flat attention, the worst case for top-p). The GUI rebuilds
// the selected head's mask on every slider move, so these are the numbers behind its
// latency. Median of 5 runs, wall time on all threads.
#include "core/pattern/mask_builder.h"
#include "core/pattern/presets.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <vector>

using namespace sparsescope;

int main() {
    std::mt19937 rng(16);
    std::normal_distribution<float> g(0.0f, 1.0f);
    const int64_t d = 32;
    std::printf("%-16s %8s %12s %12s\n", "preset", "n", "kept pairs", "median ms");
    for (int64_t n : {1024, 2048}) {
        std::vector<float> q0(n * d), q1(n * d), k(n * d);
        for (auto* v : {&q0, &q1, &k})
            for (auto& x : *v) x = g(rng);
        const float* group[2] = {q0.data(), q1.data()};
        ScoreInputs in{q0.data(), k.data(), d, 0.18f, group, 2};
        for (const PresetInfo& p : builtinPresets()) {
            PatternSpec s = p.spec;
            std::vector<double> ms;
            int64_t kept = 0;
            for (int r = 0; r < 6; ++r) {
                const auto t0 = std::chrono::steady_clock::now();
                kept = buildMask(s, n, &in).keptPairs();
                const double t = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
                if (r > 0) ms.push_back(t);  // the first run warms caches
            }
            std::sort(ms.begin(), ms.end());
            std::printf("%-16s %8lld %12lld %12.2f\n", p.name.c_str(), (long long)n, (long long)kept, ms[ms.size() / 2]);
        }
    }
    return 0;
}
