#pragma once
// Internal to the mask builder: one query row under construction. Rules mark keys
// with their RuleBit; flush() appends the row, sorted, to a chunk's CSR slice and
// clears the scratch in time proportional to what was marked.
#include <algorithm>
#include <cstdint>
#include <vector>

namespace sparsescope::detail {

struct ChunkOut {
    std::vector<int64_t> rowSizes;
    std::vector<int32_t> cols;
    std::vector<uint16_t> rules;
};

class RowMarks {
public:
    explicit RowMarks(int64_t n) : bits_(static_cast<size_t>(n), 0) {}

    void mark(int64_t j, uint16_t bit) {
        if (bits_[static_cast<size_t>(j)] == 0) touched_.push_back(static_cast<int32_t>(j));
        bits_[static_cast<size_t>(j)] |= bit;
    }
    // Keys lo..hi inclusive (nothing when hi < lo).
    void markRange(int64_t lo, int64_t hi, uint16_t bit) {
        for (int64_t j = lo; j <= hi; ++j) mark(j, bit);
    }

    void flush(ChunkOut& out) {
        const int64_t count = static_cast<int64_t>(touched_.size());
        if (count == 0) {
            out.rowSizes.push_back(0);
            return;
        }
        // Sorting costs k log k; a linear scan of the row costs its length. Take the cheaper.
        const int64_t span = *std::max_element(touched_.begin(), touched_.end()) + 1;
        if (count * 8 < span) {
            std::sort(touched_.begin(), touched_.end());
            for (int32_t j : touched_) {
                out.cols.push_back(j);
                out.rules.push_back(bits_[static_cast<size_t>(j)]);
                bits_[static_cast<size_t>(j)] = 0;
            }
        } else {
            for (int64_t j = 0; j < span; ++j) {
                if (bits_[static_cast<size_t>(j)] == 0) continue;
                out.cols.push_back(static_cast<int32_t>(j));
                out.rules.push_back(bits_[static_cast<size_t>(j)]);
                bits_[static_cast<size_t>(j)] = 0;
            }
        }
        out.rowSizes.push_back(count);
        touched_.clear();
    }

private:
    std::vector<uint16_t> bits_;
    std::vector<int32_t> touched_;
};

// Order for selections: higher score first; ties go to the larger index.
inline bool ranksBefore(double sa, int64_t a, double sb, int64_t b) {
    return sa > sb || (sa == sb && a > b);
}

// The k best of `order` (indices into score) by ranksBefore, moved to the front
// (unsorted). k is clamped to the size.
template <class Score>
void selectBest(std::vector<int32_t>& order, int64_t k, const Score& score) {
    k = std::min<int64_t>(k, static_cast<int64_t>(order.size()));
    if (k <= 0 || k == static_cast<int64_t>(order.size())) return;
    std::nth_element(order.begin(), order.begin() + (k - 1), order.end(),
                     [&](int32_t a, int32_t b) { return ranksBefore(score(a), a, score(b), b); });
}

}  // namespace sparsescope::detail
