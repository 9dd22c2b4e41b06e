#pragma once
// Internal to the mask builder: the data-dependent method rules. Each is built once
// per head (whatever needs the whole head: compressed keys, page bounds, the H2O
// eviction run, the vertical/slash estimate), then asked for rows chunk by chunk;
// beginChunk() computes what a chunk of rows shares (score matrices). The
// definitions are in docs/methods.md; each class names its paper.
#include "core/common/tensor.h"
#include "core/pattern/mask_builder.h"
#include "core/pattern/row_marks.h"

#include <vector>

namespace sparsescope::detail {

struct RuleScratch {
    std::vector<int32_t> order;
    std::vector<double> values;
    std::vector<double> values2;
};

// The queries of the GQA group of `in` (this head alone when no group is given).
std::vector<const float*> groupQueries(const ScoreInputs& in);

// NSA, Native Sparse Attention (Yuan et al. 2025): compressed, selected and window branches.
class NsaRule {
public:
    NsaRule(const PatternSpec& spec, int64_t n, const ScoreInputs& in);
    struct Chunk {
        int64_t r0 = 0;
        std::vector<MatrixRM> scores;  // per group head: [rows, compressed blocks], scaled q.K~
    };
    void beginChunk(int64_t r0, int64_t r1, Chunk& c) const;
    void addRow(int64_t i, const Chunk& c, RowMarks& marks, RuleScratch& s) const;

private:
    const PatternSpec& spec_;
    int64_t n_, d_;
    float scale_;
    std::vector<const float*> group_;
    MatrixRM compressedKeys_;  // [blocks, d]: mean of keys b*stride .. b*stride + l - 1
};

// DSA lightning indexer (DeepSeek-V3.2-Exp) built from the group's own heads.
class IndexerRule {
public:
    IndexerRule(const PatternSpec& spec, int64_t n, const ScoreInputs& in);
    struct Chunk {
        int64_t r0 = 0;
        MatrixRM scores;  // [rows, keys] I(t, s)
    };
    void beginChunk(int64_t r0, int64_t r1, Chunk& c) const;
    void addRow(int64_t i, const Chunk& c, RowMarks& marks, RuleScratch& s) const;
    int64_t indexerDim() const { return dim_; }

private:
    const PatternSpec& spec_;
    int64_t n_, d_, dim_;
    std::vector<MatrixRM> queries_;  // per group head: [n, d_I] projected queries
    MatrixRM keys_;                  // [n, d_I] projected keys
};

// Quest (Tang et al. 2024): query-aware page selection from per-page key min/max.
class QuestRule {
public:
    QuestRule(const PatternSpec& spec, int64_t n, const ScoreInputs& in);
    void addRow(int64_t i, RowMarks& marks, RuleScratch& s) const;

private:
    const PatternSpec& spec_;
    int64_t n_, d_;
    const float* q_;
    MatrixRM pageMax_, pageMin_;  // [pages, d]
};

// MInference vertical-slash (Jiang et al. 2024), estimated from the last queries.
class VerticalSlashRule {
public:
    VerticalSlashRule(const PatternSpec& spec, int64_t n, const ScoreInputs& in);
    void addRow(int64_t i, RowMarks& marks) const;
    const std::vector<int32_t>& columns() const { return columns_; }
    const std::vector<int32_t>& offsets() const { return offsets_; }

private:
    std::vector<int32_t> columns_;  // ascending
    std::vector<int32_t> offsets_;  // ascending (i - j)
};

// H2O heavy hitters (Zhang et al. 2023): greedy eviction by accumulated attention,
// simulated over the rows in order (sequential by nature).
class HeavyHitterRule {
public:
    HeavyHitterRule(const PatternSpec& spec, int64_t n, const ScoreInputs& in);
    void addRow(int64_t i, RowMarks& marks) const;

private:
    std::vector<int64_t> rowPtr_;
    std::vector<int32_t> heavy_;  // per row, the heavy set it attends (ascending)
};

}  // namespace sparsescope::detail
