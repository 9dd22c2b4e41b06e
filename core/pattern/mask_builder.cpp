// Pattern -> SparseMask. Rows are independent, so they are built in parallel
// chunks; each chunk marks per-key rule bits in a scratch row, collects the
// touched keys in ascending order and appends them to its own CSR slice.
#include "core/pattern/mask_builder.h"

#include "core/common/error.h"
#include "core/common/parallel.h"
#include "core/common/random.h"
#include "core/common/tensor.h"

#include <algorithm>
#include <numeric>
#include <string>
#include <unordered_set>

namespace sparsescope {

namespace {

constexpr int64_t kChunkRows = 64;

struct ChunkOut {
    std::vector<int64_t> rowSizes;
    std::vector<int32_t> cols;
    std::vector<uint16_t> rules;
};

// Keys of row i that the rules may look at: [0, i] causal, [0, n) bidirectional.
inline int64_t rowLimit(int64_t i, int64_t n, bool causal) { return causal ? i + 1 : n; }

// Order for oracle selections: higher score first; ties go to the larger index.
inline bool ranksBefore(float sa, int64_t a, float sb, int64_t b) {
    return sa > sb || (sa == sb && a > b);
}

class RowBuilder {
public:
    RowBuilder(const PatternSpec& spec, int64_t n) : spec_(spec), n_(n), bits_(n, 0) {}

    void mark(int64_t j, uint16_t bit) {
        if (bits_[j] == 0) touched_.push_back(static_cast<int32_t>(j));
        bits_[j] |= bit;
    }

    // scores: q_i . k_j * scale for j in [0, limit) (only when the spec needs them).
    void buildRow(int64_t i, const float* scores, ChunkOut& out) {
        const bool causal = spec_.causal;
        const int64_t limit = rowLimit(i, n_, causal);
        touched_.clear();
        if (spec_.dense) {
            for (int64_t j = 0; j < limit; ++j) mark(j, kRuleDense);
        } else {
            addWindow(i, limit);
            addGlobal(i, limit);
            addStride(i, limit);
            addRandom(i, limit);
            if (scores) {
                addTopK(scores, limit);
                addBlockTopK(i, scores, limit);
            }
        }
        mark(i, kRuleDiagonal);
        flush(out);
    }

private:
    void addWindow(int64_t i, int64_t limit) {
        if (spec_.window <= 0) return;
        // Causal: i - W < j <= i. Bidirectional: |i - j| < W.
        const int64_t lo = std::max<int64_t>(0, i - spec_.window + 1);
        const int64_t hi = spec_.causal ? i : std::min(limit - 1, i + spec_.window - 1);
        for (int64_t j = lo; j <= hi; ++j) mark(j, kRuleWindow);
    }
    void addGlobal(int64_t i, int64_t limit) {
        if (spec_.global <= 0) return;
        const int64_t g = std::min(spec_.global, limit);
        for (int64_t j = 0; j < g; ++j) mark(j, kRuleGlobal);
        if (!spec_.causal && i < spec_.global)
            for (int64_t j = 0; j < limit; ++j) mark(j, kRuleGlobal);
    }
    void addStride(int64_t i, int64_t limit) {
        if (spec_.stride <= 0) return;
        for (int64_t j = i; j >= 0; j -= spec_.stride) mark(j, kRuleStride);
        if (!spec_.causal)
            for (int64_t j = i + spec_.stride; j < limit; j += spec_.stride) mark(j, kRuleStride);
    }
    // R distinct keys uniformly from [0, limit) by Floyd's algorithm, seeded by (seed, i).
    void addRandom(int64_t i, int64_t limit) {
        if (spec_.random <= 0) return;
        const int64_t r = std::min(spec_.random, limit);
        SplitMix64 gen = rowGenerator(spec_.seed, i);
        chosen_.clear();
        for (int64_t j = limit - r; j < limit; ++j) {
            const int64_t t = static_cast<int64_t>(gen.below(static_cast<uint64_t>(j + 1)));
            if (chosen_.insert(t).second) {
                mark(t, kRuleRandom);
            } else {
                chosen_.insert(j);
                mark(j, kRuleRandom);
            }
        }
    }
    void addTopK(const float* scores, int64_t limit) {
        if (spec_.topk <= 0) return;
        const int64_t k = std::min(spec_.topk, limit);
        order_.resize(limit);
        std::iota(order_.begin(), order_.end(), 0);
        auto before = [scores](int32_t a, int32_t b) { return ranksBefore(scores[a], a, scores[b], b); };
        std::nth_element(order_.begin(), order_.begin() + (k - 1), order_.end(), before);
        for (int64_t t = 0; t < k; ++t) mark(order_[t], kRuleTopK);
    }
    // Block score = max over the block's visible keys; the K best blocks and the
    // query's own block keep all their visible keys.
    void addBlockTopK(int64_t i, const float* scores, int64_t limit) {
        if (spec_.blockTopk <= 0) return;
        const int64_t b = spec_.blockSize;
        const int64_t blocks = (limit + b - 1) / b;
        blockScore_.assign(blocks, -std::numeric_limits<float>::infinity());
        for (int64_t j = 0; j < limit; ++j)
            blockScore_[j / b] = std::max(blockScore_[j / b], scores[j]);
        const int64_t k = std::min(spec_.blockTopk, blocks);
        order_.resize(blocks);
        std::iota(order_.begin(), order_.end(), 0);
        auto before = [this](int32_t a, int32_t c) {
            return ranksBefore(blockScore_[a], a, blockScore_[c], c);
        };
        std::nth_element(order_.begin(), order_.begin() + (k - 1), order_.end(), before);
        order_.resize(k);
        order_.push_back(static_cast<int32_t>(i / b));
        for (int32_t blk : order_)
            for (int64_t j = blk * b; j < std::min(limit, (blk + 1) * b); ++j) mark(j, kRuleBlockTopK);
    }

    void flush(ChunkOut& out) {
        const int64_t count = static_cast<int64_t>(touched_.size());
        // Sorting costs k log k; a linear scan of the row costs its length. Take the cheaper.
        const int64_t span = *std::max_element(touched_.begin(), touched_.end()) + 1;
        if (count * 8 < span) {
            std::sort(touched_.begin(), touched_.end());
            for (int32_t j : touched_) {
                out.cols.push_back(j);
                out.rules.push_back(bits_[j]);
                bits_[j] = 0;
            }
        } else {
            for (int64_t j = 0; j < span; ++j) {
                if (bits_[j] == 0) continue;
                out.cols.push_back(static_cast<int32_t>(j));
                out.rules.push_back(bits_[j]);
                bits_[j] = 0;
            }
        }
        out.rowSizes.push_back(count);
    }

    const PatternSpec& spec_;
    int64_t n_;
    std::vector<uint16_t> bits_;
    std::vector<int32_t> touched_;
    std::vector<int32_t> order_;
    std::vector<float> blockScore_;
    std::unordered_set<int64_t> chosen_;
};

}  // namespace

SparseMask buildMask(const PatternSpec& spec, int64_t n, const ScoreInputs* scores) {
    validate(spec);
    if (n < 0) throw Error("<input>", "n", "number of tokens must be >= 0, got " + std::to_string(n));
    if (n > std::numeric_limits<int32_t>::max())
        throw Error("<input>", "n", "at most 2^31-1 tokens are supported");
    const bool wantScores = spec.needsScores();
    if (wantScores && (!scores || !scores->q || !scores->k || scores->d <= 0))
        throw Error("<input>", spec.topk > 0 ? "topk" : "block-topk",
                    "this rule ranks keys by q.k and needs Q and K (e.g. --q/--k files)");

    SparseMask mask;
    mask.n = n;
    mask.causal = spec.causal;
    mask.rowPtr.assign(static_cast<size_t>(n) + 1, 0);
    if (n == 0) return mask;

    const int64_t chunks = (n + kChunkRows - 1) / kChunkRows;
    std::vector<ChunkOut> outs(static_cast<size_t>(chunks));
    parallelFor(0, chunks, [&](int64_t c) {
        const int64_t r0 = c * kChunkRows;
        const int64_t r1 = std::min(n, r0 + kChunkRows);
        RowBuilder builder(spec, n);
        ChunkOut& out = outs[static_cast<size_t>(c)];
        out.rowSizes.reserve(static_cast<size_t>(r1 - r0));
        MatrixRM s;
        if (wantScores) {
            const int64_t keys = spec.causal ? r1 : n;
            ConstMapRM q(scores->q + r0 * scores->d, r1 - r0, scores->d);
            ConstMapRM k(scores->k, keys, scores->d);
            s.noalias() = (q * k.transpose()) * scores->scale;
        }
        for (int64_t i = r0; i < r1; ++i)
            builder.buildRow(i, wantScores ? s.row(i - r0).data() : nullptr, out);
    });

    int64_t row = 0;
    size_t total = 0;
    for (const auto& out : outs) total += out.cols.size();
    mask.cols.reserve(total);
    mask.rules.reserve(total);
    for (const auto& out : outs) {
        for (int64_t size : out.rowSizes) {
            mask.rowPtr[static_cast<size_t>(row) + 1] = mask.rowPtr[static_cast<size_t>(row)] + size;
            ++row;
        }
        mask.cols.insert(mask.cols.end(), out.cols.begin(), out.cols.end());
        mask.rules.insert(mask.rules.end(), out.rules.begin(), out.rules.end());
    }
    return mask;
}

}  // namespace sparsescope
