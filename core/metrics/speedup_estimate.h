#pragma once
// A first-order estimate of how much faster the sparse attention runs than the
// dense one, for the readouts. A FlashAttention-style kernel works tile by tile,
// so it pays for every B x B tile that holds one kept pair (block density), not
// for the kept pairs alone; an oracle selector (top-k) also pays its dense q.k pass:
//   speed-up = flopsDense / (blockDensity * flopsDense + flopsSelector)
// Memory traffic, launch overhead and the rest of the model are ignored.
#include "core/metrics/attention_metrics.h"

namespace sparsescope {

inline double estimatedAttentionSpeedup(const HeadMetrics& m) {
    const double cost = m.blockDensity * m.flopsDense + m.flopsSelector;
    return cost > 0 ? m.flopsDense / cost : 1.0;
}

}  // namespace sparsescope
