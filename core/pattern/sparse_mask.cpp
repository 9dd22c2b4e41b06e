#include "core/pattern/sparse_mask.h"

#include "core/common/error.h"

#include <string>

namespace sparsescope {

const char* ruleName(RuleBit bit) {
    switch (bit) {
        case kRuleDiagonal: return "diagonal";
        case kRuleWindow: return "window";
        case kRuleGlobal: return "global";
        case kRuleStride: return "stride / fixed";
        case kRuleRandom: return "random";
        case kRuleTopK: return "top-k / top-p (oracle)";
        case kRuleBlockTopK: return "block top-k (oracle)";
        case kRuleDense: return "dense";
        case kRuleNsaCompressed: return "NSA compressed";
        case kRuleNsaSelected: return "NSA selected";
        case kRuleNsaWindow: return "NSA window";
        case kRuleQuestPage: return "Quest page";
        case kRuleVertical: return "vertical line";
        case kRuleSlash: return "slash line";
        case kRuleIndexer: return "DSA indexer";
        case kRuleHeavyHitter: return "H2O heavy hitter";
    }
    return "";
}

std::string describeRules(uint16_t bits) {
    std::string out;
    for (RuleBit bit : kAllRuleBits)
        if (bits & bit) out += (out.empty() ? "" : ", ") + std::string(ruleName(bit));
    return out;
}

int64_t possiblePairs(int64_t n, bool causal) { return causal ? n * (n + 1) / 2 : n * n; }

BlockMap buildBlockMap(const SparseMask& mask, int64_t blockSize) {
    if (blockSize < 1)
        throw Error("<input>", "block", "block size must be >= 1, got " + std::to_string(blockSize));
    BlockMap map;
    map.blockSize = blockSize;
    map.blocks = (mask.n + blockSize - 1) / blockSize;
    map.tiles.assign(static_cast<size_t>(map.blocks * map.blocks), 0);
    for (int64_t i = 0; i < mask.n; ++i) {
        uint8_t* tileRow = map.tiles.data() + (i / blockSize) * map.blocks;
        for (int64_t e = mask.rowBegin(i); e < mask.rowEnd(i); ++e) tileRow[mask.cols[e] / blockSize] = 1;
    }
    return map;
}

int64_t keptTiles(const BlockMap& map) {
    int64_t count = 0;
    for (uint8_t t : map.tiles) count += t;
    return count;
}

int64_t possibleTiles(int64_t n, int64_t blockSize, bool causal) {
    const int64_t blocks = (n + blockSize - 1) / blockSize;
    // Every tile on or below the diagonal holds a causal pair (the diagonal tile holds (i, i)).
    return causal ? blocks * (blocks + 1) / 2 : blocks * blocks;
}

}  // namespace sparsescope
