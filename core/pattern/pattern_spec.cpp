#include "core/pattern/pattern_spec.h"

#include "core/common/error.h"

#include <cmath>
#include <string>

namespace sparsescope {

namespace {
void requireNonNegative(int64_t value, const char* field, const char* meaning) {
    if (value < 0)
        throw Error("<input>", field,
                    std::string("must be >= 0 (0 = off; ") + meaning + "), got " +
                        std::to_string(value));
}
void requirePositive(int64_t value, const char* field, const char* meaning) {
    if (value < 1)
        throw Error("<input>", field,
                    std::string("must be >= 1 (") + meaning + "), got " + std::to_string(value));
}
}  // namespace

void validate(const PatternSpec& spec) {
    requireNonNegative(spec.window, "window", "W keeps the W most recent keys");
    requireNonNegative(spec.global, "global", "G keeps the first G keys");
    requireNonNegative(spec.stride, "stride", "S >= 2 keeps every S-th key back");
    requireNonNegative(spec.random, "random", "R random keys per row");
    requireNonNegative(spec.topk, "topk", "K highest-scoring keys per row");
    requireNonNegative(spec.blockTopk, "block-topk", "K highest-scoring key blocks per row");
    if (spec.stride == 1)
        throw Error("<input>", "stride",
                    "must be 0 (off) or >= 2; stride 1 would keep every key (use the dense preset)");
    if (spec.blockSize < 1)
        throw Error("<input>", "block",
                    "block size must be >= 1, got " + std::to_string(spec.blockSize));

    requireNonNegative(spec.fixedBlock, "fixed-block", "l: the Sparse Transformer fixed block");
    if (spec.fixedBlock > 0 && (spec.fixedSummary < 1 || spec.fixedSummary > spec.fixedBlock))
        throw Error("<input>", "fixed-summary",
                    "c must satisfy 1 <= c <= l = " + std::to_string(spec.fixedBlock) + ", got " +
                        std::to_string(spec.fixedSummary));
    requireNonNegative(spec.blockWindow, "block-window", "Wb most recent key blocks");
    requireNonNegative(spec.randomBlocks, "random-blocks", "R random key blocks per query block");

    if (spec.nsa) {
        requirePositive(spec.nsaCompressBlock, "nsa-compress-block", "l: compression block length");
        requirePositive(spec.nsaCompressStride, "nsa-compress-stride", "d: compression stride");
        requirePositive(spec.nsaSelectBlock, "nsa-select-block", "l': selection block length");
        requireNonNegative(spec.nsaSelectCount, "nsa-select-count", "n selected blocks");
        requireNonNegative(spec.nsaInitialBlocks, "nsa-initial-blocks", "blocks always selected at the start");
        requireNonNegative(spec.nsaLocalBlocks, "nsa-local-blocks", "most recent blocks always selected");
        requireNonNegative(spec.nsaWindow, "nsa-window", "w: the sliding-window branch");
        // Eq. (9) of the NSA paper maps compressed scores onto selection blocks by
        // whole strides: d must divide both l and l'.
        if (spec.nsaCompressBlock % spec.nsaCompressStride != 0 ||
            spec.nsaSelectBlock % spec.nsaCompressStride != 0)
            throw Error("<input>", "nsa-compress-stride",
                        "d = " + std::to_string(spec.nsaCompressStride) + " must divide l = " +
                            std::to_string(spec.nsaCompressBlock) + " and l' = " +
                            std::to_string(spec.nsaSelectBlock) + " (NSA eq. 9)");
    }
    requireNonNegative(spec.indexerTopk, "indexer-topk", "K keys chosen by the DSA indexer");
    if (spec.indexerTopk > 0) requirePositive(spec.indexerDim, "indexer-dim", "d_I: indexer dimension");
    requireNonNegative(spec.questBudget, "quest-budget", "token budget of Quest pages");
    if (spec.questBudget > 0) requirePositive(spec.questPage, "quest-page", "keys per Quest page");
    requireNonNegative(spec.verticalLines, "vertical", "vertical lines (key columns)");
    requireNonNegative(spec.slashLines, "slash", "slash lines (diagonals)");
    if (spec.verticalLines > 0 || spec.slashLines > 0)
        requirePositive(spec.lastQueries, "last-queries", "queries that estimate the lines");
    requireNonNegative(spec.heavyHitters, "heavy-hitters", "H2O heavy-hitter budget");
    if (!(spec.topP >= 0.0 && spec.topP <= 1.0))  // also refuses NaN
        throw Error("<input>", "top-p", "must be 0 (off) or in (0, 1], got " + std::to_string(spec.topP));
}

}  // namespace sparsescope
