// Closed-form cost of a pattern per query row (method_cost.h has the model).
#include "core/cost/method_cost.h"

#include "core/metrics/attention_metrics.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace sparsescope {

namespace {

struct Interval {
    int64_t lo, hi;  // inclusive
};

// floor(a / b) for b > 0 and any sign of a.
int64_t floorDiv(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

// Keys j in [a, b] with (i - j) mod S == 0.
int64_t strideCount(int64_t i, int64_t stride, int64_t a, int64_t b) {
    if (b < a) return 0;
    const int64_t r = i % stride;
    return floorDiv(b - r, stride) - floorDiv(a - 1 - r, stride);
}

// Keys j in [0, x] with j mod l >= l - c (the fixed pattern's summary columns).
int64_t summaryUpTo(int64_t x, int64_t l, int64_t c) {
    if (x < 0) return 0;
    return (x + 1) / l * c + std::max<int64_t>(0, (x + 1) % l - (l - c));
}

bool decodeOnly(const PatternSpec& s) { return s.questBudget > 0 || s.heavyHitters > 0; }
bool prefillOnly(const PatternSpec& s) { return s.verticalLines > 0 || s.slashLines > 0; }
bool hasTokenRules(const PatternSpec& s) {
    return s.window > 0 || s.global > 0 || s.stride > 0 || s.random > 0 || s.topk > 0 || s.blockTopk > 0 ||
           s.fixedBlock > 0 || s.blockWindow > 0 || s.randomBlocks > 0 || s.indexerTopk > 0 ||
           s.questBudget > 0 || s.verticalLines > 0 || s.slashLines > 0 || s.heavyHitters > 0 || s.topP > 0;
}

// Distinct keys of row i = t - 1 kept by the score-free rules and the diagonal.
// Intervals are merged exactly; strides and fixed summary columns are counted
// exactly in the gaps between them (their overlap with each other as independent
// sets); random links and random blocks add their expected number of new keys.
double scoreFreeKeys(const PatternSpec& s, int64_t t) {
    const int64_t i = t - 1, b = s.blockSize;
    std::array<Interval, 5> iv{};
    size_t count = 0;
    // The diagonal, unless a data-dependent rule's budget already holds it (Quest's
    // and block top-k's own block).
    if (s.questBudget <= 0 && s.blockTopk <= 0) iv[count++] = {i, i};
    if (s.window > 0) iv[count++] = {std::max<int64_t>(0, t - s.window), i};
    if (s.global > 0) iv[count++] = {0, std::min(s.global, t) - 1};
    if (s.blockWindow > 0) iv[count++] = {std::max<int64_t>(0, i / b - s.blockWindow + 1) * b, i};
    if (s.fixedBlock > 0) iv[count++] = {i / s.fixedBlock * s.fixedBlock, i};
    std::sort(iv.begin(), iv.begin() + count, [](const Interval& x, const Interval& y) { return x.lo < y.lo; });
    double covered = 0, periodic = 0, gapKeys = 0;
    int64_t next = 0;  // first key not yet covered
    auto gap = [&](int64_t a, int64_t z) {
        if (z < a) return;
        gapKeys += double(z - a + 1);
        const double cs = s.stride > 0 ? double(strideCount(i, s.stride, a, z)) : 0.0;
        const double cf = s.fixedBlock > 0 ? double(summaryUpTo(z, s.fixedBlock, s.fixedSummary) -
                                                    summaryUpTo(a - 1, s.fixedBlock, s.fixedSummary))
                                           : 0.0;
        periodic += cs + cf - cs * cf / double(z - a + 1);
    };
    for (size_t k = 0; k < count; ++k) {
        if (iv[k].hi < next) continue;
        gap(next, iv[k].lo - 1);
        const int64_t lo = std::max(next, iv[k].lo);
        covered += double(iv[k].hi - lo + 1);
        next = iv[k].hi + 1;
    }
    gap(next, i);
    double keys = covered + periodic;
    if (s.random > 0) keys += double(std::min(s.random, t)) * (double(t) - keys) / double(t);
    if (s.randomBlocks > 0) {
        // Candidate blocks: gb .. last, with last the newest block outside the block
        // window and gb the first block not entirely inside the global prefix.
        const int64_t qb = i / b;
        const int64_t last = s.blockWindow > 0 ? qb - s.blockWindow : qb;
        const int64_t gb = std::min(s.global / b, last + 1);
        const int64_t candidates = std::max<int64_t>(0, last + 1 - gb);
        double candidateKeys = double(candidates) * double(b);
        if (candidates > 0 && last == qb) candidateKeys -= double(qb * b + b - 1 - i);  // own block, partly visible
        if (candidates > 0) {
            const double taken = double(std::min(s.randomBlocks, candidates));
            const double periodicShare = gapKeys > 0 ? periodic / gapKeys : 0.0;
            keys += taken * candidateKeys / double(candidates) * (1.0 - periodicShare);
        }
    }
    return std::min(keys, double(t));
}

// Upper bound on the keys the data-dependent token rules add (assumed disjoint).
double dataDependentKeys(const PatternSpec& s, int64_t t, bool& dataDependent) {
    const int64_t i = t - 1;
    double keys = 0;
    auto add = [&](double k) {
        keys += k;
        dataDependent = true;
    };
    if (s.topk > 0) add(double(std::min(s.topk, t)));
    if (s.blockTopk > 0) {
        const int64_t blocks = (t + s.blockSize - 1) / s.blockSize;
        add(double(std::min(t, std::min(s.blockTopk + 1, blocks) * s.blockSize)));
    }
    if (s.topP > 0) add(double(t));  // unknown without the data: at most every key
    if (s.indexerTopk > 0) add(double(std::min(s.indexerTopk, t)));
    if (s.questBudget > 0) {
        const int64_t page = s.questPage, own = i / page;
        const int64_t others = std::min(std::max<int64_t>(1, s.questBudget / page) - 1, own);
        add(double(i - own * page + 1 + others * page));
    }
    if (s.verticalLines > 0) add(double(std::min(s.verticalLines, t)));
    if (s.slashLines > 0) add(double(std::min(s.slashLines, t)));
    if (s.heavyHitters > 0) add(double(std::min(s.heavyHitters, s.window > 0 ? std::max<int64_t>(0, t - s.window) : t)));
    return keys;
}

// The row as the methods run it, every rule active (no phase densification).
RowCost sparseRow(const PatternSpec& s, int64_t t, const HeadDims& dims) {
    RowCost r;
    const double d = double(dims.headDim), dv = double(dims.valueDim), g = double(std::max<int64_t>(1, dims.group));
    const double perToken = 2 * d + 2 * dv + kSoftmaxFlopsPerPair;
    double tokens = 0;
    if (!s.nsa || hasTokenRules(s)) tokens = std::min(double(t), scoreFreeKeys(s, t) + dataDependentKeys(s, t, r.dataDependent));
    r.coreTokens = tokens;
    r.kvTokens = tokens;
    if (s.nsa) {
        const double cmp = double(nsaCompressedTokens(s, t));
        const double sel = double(nsaSelectedTokens(s, t));
        const double win = double(std::min(s.nsaWindow, t));
        r.kvTokens += cmp + sel + win;
        r.coreTokens += sel + win;
        const double selBlocks = double((t + s.nsaSelectBlock - 1) / s.nsaSelectBlock);
        r.selectorFlops += cmp * (perToken + double(s.nsaCompressBlock / s.nsaCompressStride)) + selBlocks +
                           double(s.nsaCompressBlock) * (d + dv) / double(s.nsaCompressStride) / g;
        r.dataDependent = true;
    }
    r.coreFlops = r.coreTokens * perToken;
    if (s.topP > 0) r.selectorFlops += (2 * d + kSoftmaxFlopsPerPair) * double(t);
    else if (s.topk > 0 || s.blockTopk > 0) r.selectorFlops += 2 * d * double(t);
    if (s.usesOracle()) r.selectorKeyReads += double(t);
    if (s.indexerTopk > 0) {
        const double di = double(std::min(s.indexerDim, dims.headDim));
        r.selectorFlops += double(t) * (2 * di + 2) + (di < d ? 2 * d * di * (1 + 1 / g) : 0.0);
        r.selectorKeyReads += double(t) * di / d;
    }
    if (s.questBudget > 0) {
        const double scored = double((t - 1) / s.questPage);
        r.selectorFlops += 4 * d * scored + 2 * d / g;
        r.selectorKeyReads += 2 * (scored + 1);
    }
    if (s.heavyHitters > 0) r.selectorFlops += r.kvTokens + double(s.heavyHitters);
    return r;
}

// Work of MInference's estimate over a prefill of s tokens: the last Q queries'
// scores, softmax and the column / diagonal sums.
double verticalSlashEstimate(const PatternSpec& s, int64_t n, const HeadDims& dims) {
    if (!prefillOnly(s)) return 0.0;
    double flops = 0;
    for (int64_t r = std::max<int64_t>(0, n - s.lastQueries); r < n; ++r)
        flops += double(r + 1) * (2.0 * double(dims.headDim) + kSoftmaxFlopsPerPair + 2.0);
    return flops;
}

}  // namespace

int64_t nsaCompressedTokens(const PatternSpec& s, int64_t t) {
    return t >= s.nsaCompressBlock ? (t - s.nsaCompressBlock) / s.nsaCompressStride + 1 : 0;
}

int64_t nsaSelectedTokens(const PatternSpec& s, int64_t t) {
    if (s.nsaSelectCount <= 0) return 0;
    const int64_t lsel = s.nsaSelectBlock, blocks = (t + lsel - 1) / lsel;
    const int64_t forced = std::min(blocks, s.nsaInitialBlocks + s.nsaLocalBlocks);
    const int64_t chosen = std::min(blocks, std::max(s.nsaSelectCount, forced));
    if (chosen == blocks) return t;
    // The own (last, possibly partial) block is always chosen when local blocks are on.
    if (s.nsaLocalBlocks > 0) return (chosen - 1) * lsel + (t - (blocks - 1) * lsel);
    return chosen * lsel;
}

RowCost rowCost(const PatternSpec& spec, int64_t t, const HeadDims& dims, CostPhase phase) {
    const bool denseRow = spec.dense || (phase == CostPhase::Prefill && decodeOnly(spec)) ||
                          (phase == CostPhase::Decode && prefillOnly(spec));
    if (!denseRow) return sparseRow(spec, t, dims);
    RowCost r;
    const double d = double(dims.headDim), dv = double(dims.valueDim), g = double(std::max<int64_t>(1, dims.group));
    r.dense = true;
    r.kvTokens = r.coreTokens = double(t);
    r.coreFlops = double(t) * (2 * d + 2 * dv + kSoftmaxFlopsPerPair);
    // Decode-only methods still prepare during a dense prefill: Quest builds its page
    // bounds, H2O sums the attention each key receives.
    if (!spec.dense && phase == CostPhase::Prefill) {
        if (spec.questBudget > 0) r.selectorFlops += 2 * d / g;
        if (spec.heavyHitters > 0) r.selectorFlops += double(t);
    }
    return r;
}

SequenceCost prefillCost(const PatternSpec& spec, int64_t s, const HeadDims& dims) {
    SequenceCost c;
    for (int64_t t = 1; t <= s; ++t) {
        const RowCost r = rowCost(spec, t, dims, CostPhase::Prefill);
        c.pairs += r.coreTokens;
        c.coreFlops += r.coreFlops;
        c.selectorFlops += r.selectorFlops;
        c.dataDependent = c.dataDependent || r.dataDependent;
        if (t == s) c.kvTokensLast = r.kvTokens;
    }
    if (!spec.dense && !decodeOnly(spec)) c.selectorFlops += verticalSlashEstimate(spec, s, dims);
    return c;
}

double selectorFlopsForRows(const PatternSpec& spec, int64_t n, const HeadDims& dims) {
    if (spec.dense) return 0.0;
    double flops = verticalSlashEstimate(spec, n, dims);
    for (int64_t t = 1; t <= n; ++t) flops += sparseRow(spec, t, dims).selectorFlops;
    return flops;
}

}  // namespace sparsescope
