#pragma once
// The parameters of a sparsity pattern: a union of rules (design.md, "Pattern
// semantics"). Every count is "0 = off". Values larger than a row are clamped
// by the builder (they mean "all"); invalid values are rejected by validate().
#include <cstdint>
#include <string>

namespace sparsescope {

struct PatternSpec {
    std::string preset = "custom";  // name of the preset these values came from
    bool dense = false;             // every causal pair (the reference)
    bool causal = true;             // false: bidirectional (encoder) semantics
    int64_t window = 0;             // W: i - W < j <= i
    int64_t global = 0;             // G: j < G (bidirectional: also every j when i < G)
    int64_t stride = 0;             // S >= 2: (i - j) mod S == 0
    int64_t random = 0;             // R keys drawn per row from 0..i, seeded by (seed, i)
    uint64_t seed = 0;
    int64_t topk = 0;               // K highest dense scores q.k (oracle), ties to larger j
    int64_t blockTopk = 0;          // K highest-scoring key blocks per query
    int64_t blockSize = 64;         // B: tile size for block top-k and block density

    // True when the pattern needs q.k scores to be built (oracle selections).
    bool needsScores() const { return !dense && (topk > 0 || blockTopk > 0); }
};

// Throws sparsescope::Error naming the field when a value is invalid
// (negative counts, stride 1, block size 0).
void validate(const PatternSpec& spec);

}  // namespace sparsescope
