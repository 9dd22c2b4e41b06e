#include "core/pattern/sparse_mask.h"

#include "core/common/error.h"

#include <string>

namespace sparsescope {

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
