// Pattern -> SparseMask. Rows are independent, so they are built in parallel
// chunks; each chunk marks per-key rule bits in a scratch row (RowMarks), collects
// the touched keys in ascending order and appends them to its own CSR slice.
// Whatever a data-dependent method needs from the whole head (compressed keys, page
// bounds, the H2O eviction run, ...) is computed once before the chunks
// (method_rules.h).
#include "core/pattern/mask_builder.h"

#include "core/common/error.h"
#include "core/common/parallel.h"
#include "core/common/random.h"
#include "core/common/tensor.h"
#include "core/pattern/method_rules.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <optional>
#include <string>
#include <unordered_set>

namespace sparsescope {

namespace {

using detail::ChunkOut;
using detail::ranksBefore;
using detail::RowMarks;
using detail::RuleScratch;

constexpr int64_t kChunkRows = 64;

// Keys of row i that the rules may look at: [0, i] causal, [0, n) bidirectional.
inline int64_t rowLimit(int64_t i, int64_t n, bool causal) { return causal ? i + 1 : n; }

// The data-dependent method rules of one head, built once and shared by the chunks.
struct MethodRules {
    std::optional<detail::NsaRule> nsa;
    std::optional<detail::IndexerRule> indexer;
    std::optional<detail::QuestRule> quest;
    std::optional<detail::VerticalSlashRule> verticalSlash;
    std::optional<detail::HeavyHitterRule> heavyHitter;

    MethodRules(const PatternSpec& s, int64_t n, const ScoreInputs* in) {
        if (s.dense || !in) return;
        if (s.nsa) nsa.emplace(s, n, *in);
        if (s.indexerTopk > 0) indexer.emplace(s, n, *in);
        if (s.questBudget > 0) quest.emplace(s, n, *in);
        if (s.verticalLines > 0 || s.slashLines > 0) verticalSlash.emplace(s, n, *in);
        if (s.heavyHitters > 0) heavyHitter.emplace(s, n, *in);
    }
};

class RowBuilder {
public:
    RowBuilder(const PatternSpec& spec, int64_t n, const MethodRules& methods)
        : spec_(spec), n_(n), methods_(methods), marks_(n) {}

    void mark(int64_t j, uint16_t bit) { marks_.mark(j, bit); }

    void beginChunk(int64_t r0, int64_t r1) {
        if (methods_.nsa) methods_.nsa->beginChunk(r0, r1, nsaChunk_);
        if (methods_.indexer) methods_.indexer->beginChunk(r0, r1, indexerChunk_);
    }

    // scores: q_i . k_j * scale for j in [0, limit) (only when an oracle rule needs them).
    void buildRow(int64_t i, const float* scores, ChunkOut& out) {
        const bool causal = spec_.causal;
        const int64_t limit = rowLimit(i, n_, causal);
        if (spec_.dense) {
            marks_.markRange(0, limit - 1, kRuleDense);
        } else {
            addWindow(i, limit);
            addGlobal(i, limit);
            addStride(i, limit);
            addRandom(i, limit);
            addFixed(i, limit);
            addBlockWindow(i, limit);
            addRandomBlocks(i, limit);
            if (scores) {
                addTopK(scores, limit);
                addBlockTopK(i, scores, limit);
                addTopP(scores, limit);
            }
            if (methods_.nsa) methods_.nsa->addRow(i, nsaChunk_, marks_, scratch_);
            if (methods_.indexer) methods_.indexer->addRow(i, indexerChunk_, marks_, scratch_);
            if (methods_.quest) methods_.quest->addRow(i, marks_, scratch_);
            if (methods_.verticalSlash) methods_.verticalSlash->addRow(i, marks_);
            if (methods_.heavyHitter) methods_.heavyHitter->addRow(i, marks_);
        }
        mark(i, kRuleDiagonal);
        marks_.flush(out);
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
        auto before = [scores](int32_t a, int32_t b) {
            return ranksBefore(double(scores[a]), a, double(scores[b]), b);
        };
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
            return ranksBefore(double(blockScore_[a]), a, double(blockScore_[c]), c);
        };
        std::nth_element(order_.begin(), order_.begin() + (k - 1), order_.end(), before);
        order_.resize(k);
        order_.push_back(static_cast<int32_t>(i / b));
        for (int32_t blk : order_)
            for (int64_t j = blk * b; j < std::min(limit, (blk + 1) * b); ++j) mark(j, kRuleBlockTopK);
    }

    // Sparse Transformer "fixed" (Child et al. 2019): the query's own block of l keys
    // and the last c keys ("summary") of every block.
    void addFixed(int64_t i, int64_t limit) {
        const int64_t l = spec_.fixedBlock;
        if (l <= 0) return;
        const int64_t own = i / l;
        marks_.markRange(own * l, std::min(limit - 1, own * l + l - 1), kRuleStride);
        for (int64_t start = 0; start < limit; start += l)
            marks_.markRange(start + l - spec_.fixedSummary, std::min(limit - 1, start + l - 1), kRuleStride);
    }
    // BigBird block window: key blocks qb - Wb < kb <= qb (bidirectional |qb - kb| < Wb).
    void addBlockWindow(int64_t i, int64_t limit) {
        const int64_t w = spec_.blockWindow, b = spec_.blockSize;
        if (w <= 0) return;
        const int64_t qb = i / b;
        const int64_t lo = std::max<int64_t>(0, qb - w + 1) * b;
        const int64_t hi = spec_.causal ? i : std::min(limit - 1, (qb + w) * b - 1);
        marks_.markRange(lo, hi, kRuleWindow);
    }
    // BigBird random blocks: R key blocks drawn per query block (seeded with (seed, qb),
    // so every row of the block gets the same ones) uniformly without replacement from
    // the visible blocks that the block window and the global prefix do not cover.
    void addRandomBlocks(int64_t i, int64_t limit) {
        const int64_t r = spec_.randomBlocks, b = spec_.blockSize;
        if (r <= 0) return;
        const int64_t qb = i / b;
        const int64_t lastBlock = (limit - 1) / b;
        candidates_.clear();
        for (int64_t kb = 0; kb <= lastBlock; ++kb) {
            const bool inWindow = spec_.blockWindow > 0 &&
                                  (spec_.causal ? kb > qb - spec_.blockWindow
                                                : std::llabs(kb - qb) < spec_.blockWindow);
            const bool inGlobal = (kb + 1) * b <= spec_.global;
            if (!inWindow && !inGlobal) candidates_.push_back(static_cast<int32_t>(kb));
        }
        const int64_t m = static_cast<int64_t>(candidates_.size());
        const int64_t take = std::min(r, m);
        SplitMix64 gen = rowGenerator(spec_.seed ^ 0xb16b10c5ULL, qb);
        chosen_.clear();
        auto markBlock = [&](int64_t idx) {
            const int64_t kb = candidates_[static_cast<size_t>(idx)];
            marks_.markRange(kb * b, std::min(limit - 1, kb * b + b - 1), kRuleRandom);
        };
        for (int64_t j = m - take; j < m; ++j) {  // Floyd's algorithm over candidate indices
            const int64_t t = static_cast<int64_t>(gen.below(static_cast<uint64_t>(j + 1)));
            const int64_t pick = chosen_.insert(t).second ? t : j;
            if (pick == j) chosen_.insert(j);
            markBlock(pick);
        }
    }
    // Top-p coverage: the shortest prefix of the row's ranking (score descending, ties
    // to the larger j) whose dense probability mass reaches p. The ranking is extended
    // in geometrically growing sorted slices, so a peaked row costs about O(limit).
    void addTopP(const float* scores, int64_t limit) {
        if (spec_.topP <= 0.0) return;
        double mx = -std::numeric_limits<double>::infinity();
        for (int64_t j = 0; j < limit; ++j) mx = std::max(mx, double(scores[j]));
        std::vector<double>& e = scratch_.values;
        e.resize(static_cast<size_t>(limit));
        double total = 0;
        for (int64_t j = 0; j < limit; ++j) total += e[static_cast<size_t>(j)] = std::exp(double(scores[j]) - mx);
        const double target = spec_.topP * total;
        order_.resize(static_cast<size_t>(limit));
        std::iota(order_.begin(), order_.end(), 0);
        auto before = [scores](int32_t a, int32_t b) {
            return ranksBefore(double(scores[a]), a, double(scores[b]), b);
        };
        double mass = 0;
        int64_t start = 0, slice = 16;
        while (start < limit) {
            const int64_t end = std::min(limit, start + slice);
            if (end < limit) std::nth_element(order_.begin() + start, order_.begin() + end - 1, order_.end(), before);
            std::sort(order_.begin() + start, order_.begin() + end, before);
            for (int64_t t = start; t < end; ++t) {
                const int32_t j = order_[static_cast<size_t>(t)];
                mark(j, kRuleTopK);
                mass += e[static_cast<size_t>(j)];
                if (mass >= target) return;
            }
            start = end;
            slice *= 2;
        }
    }

    const PatternSpec& spec_;
    int64_t n_;
    const MethodRules& methods_;
    RowMarks marks_;
    RuleScratch scratch_;
    detail::NsaRule::Chunk nsaChunk_;
    detail::IndexerRule::Chunk indexerChunk_;
    std::vector<int32_t> order_;
    std::vector<int32_t> candidates_;
    std::vector<float> blockScore_;
    std::unordered_set<int64_t> chosen_;
};

// The first data-dependent rule of the spec, for error messages.
const char* firstScoreRule(const PatternSpec& s) {
    if (s.topk > 0) return "topk";
    if (s.blockTopk > 0) return "block-topk";
    if (s.topP > 0) return "top-p";
    if (s.nsa) return "nsa";
    if (s.indexerTopk > 0) return "indexer-topk";
    if (s.questBudget > 0) return "quest-budget";
    if (s.verticalLines > 0) return "vertical";
    if (s.slashLines > 0) return "slash";
    return "heavy-hitters";
}

// Methods defined for decoders only (their selection reads the past).
const char* firstCausalOnlyRule(const PatternSpec& s) {
    if (s.nsa) return "nsa";
    if (s.indexerTopk > 0) return "indexer-topk";
    if (s.questBudget > 0) return "quest-budget";
    if (s.verticalLines > 0 || s.slashLines > 0) return s.verticalLines > 0 ? "vertical" : "slash";
    if (s.heavyHitters > 0) return "heavy-hitters";
    return nullptr;
}

}  // namespace

SparseMask buildMask(const PatternSpec& spec, int64_t n, const ScoreInputs* scores) {
    validate(spec);
    if (n < 0) throw Error("<input>", "n", "number of tokens must be >= 0, got " + std::to_string(n));
    if (n > std::numeric_limits<int32_t>::max())
        throw Error("<input>", "n", "at most 2^31-1 tokens are supported");
    if (!spec.causal && !spec.dense)
        if (const char* rule = firstCausalOnlyRule(spec))
            throw Error("<input>", rule, "is a decoder (causal) method; it is not defined with --bidirectional");
    const bool wantScores = spec.needsScores();
    if (wantScores && (!scores || !scores->q || !scores->k || scores->d <= 0))
        throw Error("<input>", firstScoreRule(spec),
                    "this rule ranks keys by q.k and needs Q and K (e.g. --q/--k files)");
    if (wantScores && scores->groupSize > 0 && !scores->groupQ)
        throw Error("<input>", "groupQ", "a GQA group size is given but not its queries");
    const bool oracleScores = spec.usesOracle();

    SparseMask mask;
    mask.n = n;
    mask.causal = spec.causal;
    mask.rowPtr.assign(static_cast<size_t>(n) + 1, 0);
    if (n == 0) return mask;

    const MethodRules methods(spec, n, wantScores ? scores : nullptr);
    const int64_t chunks = (n + kChunkRows - 1) / kChunkRows;
    std::vector<ChunkOut> outs(static_cast<size_t>(chunks));
    parallelFor(0, chunks, [&](int64_t c) {
        const int64_t r0 = c * kChunkRows;
        const int64_t r1 = std::min(n, r0 + kChunkRows);
        RowBuilder builder(spec, n, methods);
        builder.beginChunk(r0, r1);
        ChunkOut& out = outs[static_cast<size_t>(c)];
        out.rowSizes.reserve(static_cast<size_t>(r1 - r0));
        MatrixRM s;
        if (oracleScores) {
            const int64_t keys = spec.causal ? r1 : n;
            ConstMapRM q(scores->q + r0 * scores->d, r1 - r0, scores->d);
            ConstMapRM k(scores->k, keys, scores->d);
            s.noalias() = (q * k.transpose()) * scores->scale;
        }
        for (int64_t i = r0; i < r1; ++i)
            builder.buildRow(i, oracleScores ? s.row(i - r0).data() : nullptr, out);
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
