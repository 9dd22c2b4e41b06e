// sparsescope-cli mask: the kept/dropped mask of a pattern as uint8 [n, n] (1 = kept).
#include "cli_args.h"
#include "commands.h"
#include "pattern_flags.h"
#include "qkv_input.h"
#include "core/common/error.h"
#include "core/io/npy.h"
#include "core/pattern/mask_builder.h"

#include <cmath>
#include <cstdio>
#include <vector>

namespace sparsescope::cli {

namespace {
// A dense n x n byte matrix is only written for sizes that fit comfortably in memory.
constexpr int64_t kMaxDenseMaskN = 32768;
}

int runMask(int argc, char** argv) {
    ArgParser a("mask", "Write the mask of a pattern as a uint8 [n, n] .npy array, 1 where query i "
                        "keeps key j. Oracle rules (--topk, --block-topk) rank keys by q.k and need "
                        "--q and --k; n is then taken from them.");
    a.option("--n", "N", "number of tokens");
    a.option("--out", "FILE", "output .npy file");
    addQkvOptions(a, /*withModel=*/false);
    a.option("--head", "H", "head whose Q/K rank the keys (default 0)");
    a.option("--scale", "F", "score scale (default 1/sqrt(d))");
    addPatternOptions(a);
    if (!a.parse(argc, argv)) return 0;

    const PatternSpec spec = patternFromArgs(a);
    const std::string out = a.require("--out");
    std::vector<uint8_t> dense;
    SparseMask mask;
    if (hasQkvArgs(a)) {
        const QkvSet qkv = loadQkvFromArgs(a, /*needV=*/false);
        const int64_t head = a.getInt("--head").value_or(0);
        if (head < 0 || head >= qkv.q.heads)
            throw UsageError("--head " + std::to_string(head) + " is out of range (the tensors have " +
                             std::to_string(qkv.q.heads) + " heads)");
        if (auto n = a.getInt("--n"); n && *n != qkv.q.n)
            throw UsageError("--n " + std::to_string(*n) + " disagrees with the " +
                             std::to_string(qkv.q.n) + " rows of Q");
        const float scale = a.has("--scale") ? static_cast<float>(*a.getDouble("--scale"))
                                             : 1.0f / std::sqrt(static_cast<float>(qkv.q.d));
        ScoreInputs scores{qkv.q.head(head).data(), qkv.k.head(head).data(), qkv.q.d, scale};
        mask = buildMask(spec, qkv.q.n, &scores);
    } else {
        const int64_t n = a.getInt("--n").value_or(-1);
        if (!a.has("--n")) throw UsageError("'mask' needs --n (or --q and --k)");
        if (n < 1) throw UsageError("--n must be >= 1");
        if (spec.needsScores())
            throw UsageError("--topk and --block-topk rank keys by q.k: give --q and --k");
        mask = buildMask(spec, n);
    }
    if (mask.n > kMaxDenseMaskN)
        throw UsageError("--n " + std::to_string(mask.n) + " is too large for a dense mask file (max " +
                         std::to_string(kMaxDenseMaskN) + ")");
    dense.assign(static_cast<size_t>(mask.n * mask.n), 0);
    for (int64_t i = 0; i < mask.n; ++i)
        for (int64_t e = mask.rowBegin(i); e < mask.rowEnd(i); ++e)
            dense[static_cast<size_t>(i * mask.n + mask.cols[e])] = 1;
    writeNpy(out, {mask.n, mask.n}, dense.data());
    std::printf("wrote %s: [%lld, %lld] uint8, %lld kept pairs (density %.4f)\n", out.c_str(),
                static_cast<long long>(mask.n), static_cast<long long>(mask.n),
                static_cast<long long>(mask.keptPairs()),
                double(mask.keptPairs()) / double(possiblePairs(mask.n, mask.causal)));
    return 0;
}

}  // namespace sparsescope::cli
