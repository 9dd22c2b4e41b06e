#pragma once
// A sparse attention mask that scales: per query row the sorted kept key
// indices (CSR), and for each kept entry the set of rules that kept it (bits of
// RuleBit, for the GUI's colouring). Memory is O(kept pairs); no n x n matrix.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace sparsescope {

enum RuleBit : uint16_t {
    kRuleDiagonal = 1u << 0,   // j == i, always kept
    kRuleWindow = 1u << 1,      // also BigBird's block window
    kRuleGlobal = 1u << 2,
    kRuleStride = 1u << 3,      // also the Sparse Transformer "fixed" pattern (same paper)
    kRuleRandom = 1u << 4,      // also BigBird's random blocks
    kRuleTopK = 1u << 5,        // also top-p coverage: both keep a prefix of the row's dense ranking
    kRuleBlockTopK = 1u << 6,
    kRuleDense = 1u << 7,
    // The method rules (docs/methods.md).
    kRuleNsaCompressed = 1u << 8,   // NSA compressed block, drawn at its last key
    kRuleNsaSelected = 1u << 9,     // NSA selected block
    kRuleNsaWindow = 1u << 10,      // NSA sliding-window branch
    kRuleQuestPage = 1u << 11,      // Quest page
    kRuleVertical = 1u << 12,       // MInference vertical line (key column)
    kRuleSlash = 1u << 13,          // MInference slash line (diagonal)
    kRuleIndexer = 1u << 14,        // DSA lightning-indexer top-k
    kRuleHeavyHitter = 1u << 15,    // H2O heavy hitter
};

// Every rule bit, lowest first (for legends).
inline constexpr RuleBit kAllRuleBits[] = {
    kRuleDiagonal,      kRuleWindow,     kRuleGlobal,     kRuleStride,        kRuleRandom,
    kRuleTopK,          kRuleBlockTopK,  kRuleDense,      kRuleNsaCompressed, kRuleNsaSelected,
    kRuleNsaWindow,     kRuleQuestPage,  kRuleVertical,   kRuleSlash,         kRuleIndexer,
    kRuleHeavyHitter};

// A short name for a legend ("window", "NSA compressed", ...); "" for a value that is
// not a single known bit.
const char* ruleName(RuleBit bit);
// The names of every bit set in `bits`, joined by ", " (lowest bit first).
std::string describeRules(uint16_t bits);

struct SparseMask {
    int64_t n = 0;
    bool causal = true;
    std::vector<int64_t> rowPtr;   // n + 1 offsets into cols / rules
    std::vector<int32_t> cols;     // kept key indices, sorted ascending per row
    std::vector<uint16_t> rules;   // RuleBit set per kept entry

    int64_t keptPairs() const { return static_cast<int64_t>(cols.size()); }
    int64_t rowBegin(int64_t i) const { return rowPtr[static_cast<size_t>(i)]; }
    int64_t rowEnd(int64_t i) const { return rowPtr[static_cast<size_t>(i) + 1]; }
    int64_t rowSize(int64_t i) const { return rowEnd(i) - rowBegin(i); }
};

// Tiles of size B x B: tile (bi, bj) holds at least one kept pair.
// tiles is row-major [blocks x blocks]; what a FlashAttention-style kernel computes.
struct BlockMap {
    int64_t blockSize = 64;
    int64_t blocks = 0;
    std::vector<uint8_t> tiles;
};

BlockMap buildBlockMap(const SparseMask& mask, int64_t blockSize);
int64_t keptTiles(const BlockMap& map);
// Tiles that hold at least one causal (or, bidirectional, any) pair.
int64_t possibleTiles(int64_t n, int64_t blockSize, bool causal);

// Number of causal (or, bidirectional, all) pairs: n(n+1)/2 or n^2.
int64_t possiblePairs(int64_t n, bool causal);

}  // namespace sparsescope
