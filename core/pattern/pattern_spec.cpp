#include "core/pattern/pattern_spec.h"

#include "core/common/error.h"

#include <string>

namespace sparsescope {

namespace {
void requireNonNegative(int64_t value, const char* field, const char* meaning) {
    if (value < 0)
        throw Error("<input>", field,
                    std::string("must be >= 0 (0 = off; ") + meaning + "), got " +
                        std::to_string(value));
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
}

}  // namespace sparsescope
