// Benchmark: dense vs sparse attention kernels, side by side in one run.
// n in {1024, 4096}, d = 64, 8 heads, sliding-window masks (i - W < j <= i) with W
// chosen to give densities of about 5 %, 10 % and 25 % of the causal pairs.
// Every time is the median of --reps runs (after one warm-up run); dense and sparse
// runs are interleaved and write into one reused output tensor.
// Targets (issue 2): sparse / dense time <= 1.5 * density + 0.02 at n = 4096, and the
// dense kernel >= 50 % of an Eigen float matrix product's GFLOP/s on as many threads.
// FLOPs are counted as 4 d per attended pair (2 d for q . k, 2 d for p . v).
//
// usage: bench_attention [--reps R] [--threads T]
#include "core/attention/attention_kernels.h"
#include "core/common/parallel.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <functional>
#include <random>
#include <string>
#include <vector>

using namespace sparsescope;

namespace {

using Clock = std::chrono::steady_clock;

double cpuMsNow() {
    // CPU time of the whole process (all threads): unlike wall time it does not grow
    // while other processes hold the cores, so the two ratios together tell load from cost.
    return 1e3 * double(std::clock()) / CLOCKS_PER_SEC;
}

template <class Fn>
double medianMs(int reps, Fn&& fn) {
    fn();  // warm-up: page faults, caches, Eigen's blocking sizes
    std::vector<double> ms;
    for (int r = 0; r < reps; ++r) {
        const auto t0 = Clock::now();
        fn();
        ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    }
    std::sort(ms.begin(), ms.end());
    return ms[ms.size() / 2];
}

// The 1-minute load average (Linux), printed so a noisy run can be recognised.
std::string loadAverage() {
    std::string text = "n/a";
    if (std::FILE* f = std::fopen("/proc/loadavg", "r")) {
        char buf[64] = {};
        if (std::fgets(buf, sizeof buf, f)) text = std::string(buf, std::strcspn(buf, " "));
        std::fclose(f);
    }
    return text;
}

struct Timing {
    double wallMs = 0.0, cpuMs = 0.0;  // medians over the repetitions
};

// Runs every function once to warm up, then reps rounds of all of them in turn.
std::vector<Timing> medianTimings(int reps, const std::vector<std::function<void()>>& fns) {
    for (const auto& fn : fns) fn();
    std::vector<std::vector<double>> wall(fns.size()), cpu(fns.size());
    for (int r = 0; r < reps; ++r)
        for (size_t f = 0; f < fns.size(); ++f) {
            const double c0 = cpuMsNow();
            const auto t0 = Clock::now();
            fns[f]();
            wall[f].push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
            cpu[f].push_back(cpuMsNow() - c0);
        }
    std::vector<Timing> out(fns.size());
    for (size_t f = 0; f < fns.size(); ++f) {
        std::sort(wall[f].begin(), wall[f].end());
        std::sort(cpu[f].begin(), cpu[f].end());
        out[f] = {wall[f][wall[f].size() / 2], cpu[f][cpu[f].size() / 2]};
    }
    return out;
}

// Causal sliding window: query i keeps keys i - W < j <= i (design.md's convention).
// A stand-in for the pattern builder, enough for timing.
SparseMask windowMask(int64_t n, int64_t w) {
    SparseMask m;
    m.n = n;
    m.causal = true;
    m.rowPtr.reserve(static_cast<size_t>(n + 1));
    m.rowPtr.push_back(0);
    for (int64_t i = 0; i < n; ++i) {
        for (int64_t j = std::max<int64_t>(0, i - w + 1); j <= i; ++j) {
            m.cols.push_back(static_cast<int32_t>(j));
            m.rules.push_back(j == i ? kRuleDiagonal : kRuleWindow);
        }
        m.rowPtr.push_back(static_cast<int64_t>(m.cols.size()));
    }
    return m;
}

double causalPairs(int64_t n) { return 0.5 * double(n) * double(n + 1); }

double windowDensity(int64_t n, int64_t w) {
    double kept = 0.0;
    for (int64_t i = 0; i < n; ++i) kept += double(std::min(w, i + 1));
    return kept / causalPairs(n);
}

int64_t windowFor(int64_t n, double density) {
    int64_t best = 1;
    for (int64_t w = 1; w <= n; ++w)
        if (std::abs(windowDensity(n, w) - density) < std::abs(windowDensity(n, best) - density))
            best = w;
    return best;
}

HeadTensor randomHeads(int64_t h, int64_t n, int64_t d, uint32_t seed) {
    HeadTensor t(h, n, d);
    std::mt19937 rng(seed);
    std::normal_distribution<float> dist(0.0f, 1.0f);
    for (float& x : t.data) x = dist(rng);
    return t;
}

// GFLOP/s of Eigen float products C = A B ([m, k] x [k, p]), run as `threads`
// independent products at once (one per thread), the machine's matrix-product rate.
double gemmGflops(int64_t m, int64_t k, int64_t p, int threads, int reps) {
    std::vector<MatrixRM> a, b, c;
    for (int t = 0; t < threads; ++t) {
        a.push_back(MatrixRM::Random(m, k));
        b.push_back(MatrixRM::Random(k, p));
        c.push_back(MatrixRM::Zero(m, p));
    }
    const double ms = medianMs(reps, [&] {
        parallelFor(
            0, threads, [&](int64_t t) { c[size_t(t)].noalias() = a[size_t(t)] * b[size_t(t)]; }, 1,
            threads);
    });
    return threads * 2.0 * double(m) * double(k) * double(p) / (ms * 1e6);
}

}  // namespace

int main(int argc, char** argv) {
    int reps = 7;
    int threads = defaultThreadCount();
    for (int a = 1; a < argc; ++a) {
        if (!std::strcmp(argv[a], "--reps") && a + 1 < argc)
            reps = std::max(1, std::atoi(argv[++a]));
        else if (!std::strcmp(argv[a], "--threads") && a + 1 < argc)
            threads = std::max(1, std::atoi(argv[++a]));
        else {
            std::fprintf(stderr, "usage: %s [--reps R] [--threads T]\n", argv[0]);
            return 2;
        }
    }
    const int64_t heads = 8, d = 64;
    std::printf("bench_attention: d = %lld, heads = %lld, threads = %d, median of %d reps\n",
                (long long)d, (long long)heads, threads, reps);
    std::printf("SIMD: %s; load average at start: %s\n\n", Eigen::SimdInstructionSetsInUse(),
                loadAverage().c_str());

    const double gemm1 = gemmGflops(1024, 1024, 1024, 1, reps);
    const double gemmT = gemmGflops(1024, 1024, 1024, threads, reps);
    std::printf("Eigen float GEMM 1024x1024x1024: %.1f GFLOP/s on 1 thread, %.1f GFLOP/s on %d\n\n",
                gemm1, gemmT, threads);

    std::printf("%6s %5s %8s %10s %10s %7s %7s %5s %9s %11s %12s\n", "n", "W", "density",
                "dense ms", "sparse ms", "ratio", "target", "pass", "cpu ratio", "dense GF/s",
                "sparse GF/s");
    bool allPass = true;
    double denseGflops4096 = 0.0;
    for (int64_t n : {1024, 4096}) {
        const HeadTensor q = randomHeads(heads, n, d, 1), k = randomHeads(heads, n, d, 2),
                         v = randomHeads(heads, n, d, 3);
        const float scale = 1.0f / std::sqrt(float(d));
        std::vector<int64_t> windows;
        std::vector<std::vector<SparseMask>> masks;
        for (double target : {0.05, 0.10, 0.25}) {
            windows.push_back(windowFor(n, target));
            masks.push_back({windowMask(n, windows.back())});
        }
        // One output tensor reused by every call (see denseAttentionInto), and the
        // repetitions interleaved (dense, sparse 5 %, 10 %, 25 %, dense, ...) so that
        // load from other processes hits all of them alike.
        HeadTensor out;
        std::vector<std::function<void()>> runs;
        runs.push_back([&] { denseAttentionInto(q, k, v, scale, true, out, nullptr, threads); });
        for (const auto& m : masks)
            runs.push_back([&] { sparseAttentionInto(q, k, v, m, scale, out, nullptr, threads); });
        const std::vector<Timing> t = medianTimings(reps, runs);
        const double denseGflops = heads * 4.0 * d * causalPairs(n) / (t[0].wallMs * 1e6);
        if (n == 4096) denseGflops4096 = denseGflops;
        for (size_t c = 0; c < masks.size(); ++c) {
            const double kept = double(masks[c][0].keptPairs());
            const double density = kept / causalPairs(n);
            const double ratio = t[c + 1].wallMs / t[0].wallMs, limit = 1.5 * density + 0.02;
            const bool pass = ratio <= limit;
            if (n == 4096) allPass = allPass && pass;
            std::printf("%6lld %5lld %8.4f %10.2f %10.2f %7.3f %7.3f %5s %9.3f %11.1f %12.1f\n",
                        (long long)n, (long long)windows[c], density, t[0].wallMs, t[c + 1].wallMs,
                        ratio, limit, n == 4096 ? (pass ? "yes" : "NO") : (pass ? "(yes)" : "(no)"),
                        t[c + 1].cpuMs / t[0].cpuMs, denseGflops,
                        heads * 4.0 * d * kept / (t[c + 1].wallMs * 1e6));
        }
    }
    const double share = denseGflops4096 / gemmT;
    std::printf(
        "\ndense kernel at n = 4096: %.1f GFLOP/s = %.0f %% of the Eigen GEMM rate on %d "
        "thread(s) (target >= 50 %%): %s\n",
        denseGflops4096, 100.0 * share, threads, share >= 0.5 ? "pass" : "FAIL");
    std::printf("sparse/dense ratio targets at n = 4096: %s\n", allPass ? "pass" : "FAIL");
    std::printf("load average at end: %s\n", loadAverage().c_str());
    return 0;
}
