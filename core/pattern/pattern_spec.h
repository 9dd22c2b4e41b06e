#pragma once
// The parameters of a sparsity pattern: a union of rules (design.md, "Pattern
// semantics"; docs/patterns.md and docs/methods.md). Every count is "0 = off".
// Values larger than a row are clamped by the builder (they mean "all"); invalid
// values are rejected by validate().
//
// The first block of fields is the foundation's four-slider card; the rest are the
// rules of published methods (docs/methods.md gives each one's definition and source).
// Method fields other than the on/off count keep the paper's default, so switching a
// method on with its count alone gives the paper's configuration.
#include <cstdint>
#include <string>

namespace sparsescope {

struct PatternSpec {
    std::string preset = "custom";  // name of the preset these values came from
    bool dense = false;             // every causal pair (the reference)
    bool causal = true;             // false: bidirectional (encoder) semantics
    int64_t window = 0;             // W: i - W < j <= i (H2O: its protected recent window)
    int64_t global = 0;             // G: j < G (bidirectional: also every j when i < G)
    int64_t stride = 0;             // S >= 2: (i - j) mod S == 0
    int64_t random = 0;             // R keys drawn per row from 0..i, seeded by (seed, i)
    uint64_t seed = 0;
    int64_t topk = 0;               // K highest dense scores q.k (oracle), ties to larger j
    int64_t blockTopk = 0;          // K highest-scoring key blocks per query
    int64_t blockSize = 64;         // B: tile size for block rules and block density

    // Sparse Transformer "fixed" (Child et al. 2019): floor(j/l) == floor(i/l) or
    // j mod l >= l - c. fixedBlock = l (0 = off), fixedSummary = c (1 <= c <= l).
    int64_t fixedBlock = 0;
    int64_t fixedSummary = 8;

    // BigBird blocks (Zaheer et al. 2020) at block size B = blockSize, query block
    // qb = floor(i/B), key block kb = floor(j/B):
    //   blockWindow Wb: qb - Wb < kb <= qb (bidirectional |qb - kb| < Wb)
    //   randomBlocks R: R key blocks per query block, drawn with (seed, qb) from the
    //                   blocks no other block rule covers (outside the block window and
    //                   the global prefix)
    int64_t blockWindow = 0;
    int64_t randomBlocks = 0;

    // NSA, Native Sparse Attention (Yuan et al. 2025). Three branches per query:
    // compressed blocks (length l, stride d, mean-pooled), n selected blocks of l'
    // keys chosen by compressed scores summed over the GQA group (the first
    // nsaInitialBlocks and the nsaLocalBlocks most recent always among them, and
    // counted in n), and a window of w keys (0 = no window branch).
    bool nsa = false;
    int64_t nsaCompressBlock = 32;   // l
    int64_t nsaCompressStride = 16;  // d (divides l and l')
    int64_t nsaSelectBlock = 64;     // l'
    int64_t nsaSelectCount = 16;     // n
    int64_t nsaInitialBlocks = 1;
    int64_t nsaLocalBlocks = 2;
    int64_t nsaWindow = 512;         // w

    // DSA lightning indexer (DeepSeek-V3.2-Exp): per query the K keys with the largest
    // I(t,s) = sum_h w_h ReLU(q~_h(t) . k~(s)), built from the GQA group's own heads
    // (q~ = P q, k~ = P k, P = the indexerDim leading principal directions of the
    // keys; w_h = 1/group size). indexerTopk = K (0 = off).
    int64_t indexerTopk = 0;
    int64_t indexerDim = 64;         // d_I; >= head dim means no projection

    // Quest (Tang et al. 2024): pages of questPage keys scored by
    // sum_d max(q_d max_d, q_d min_d); the best pages within questBudget tokens, the
    // query's own page always among them. questBudget = tokens (0 = off).
    int64_t questBudget = 0;
    int64_t questPage = 16;

    // MInference vertical-slash (Jiang et al. 2024): the verticalLines key columns and
    // slashLines diagonals (offsets i - j) with the most attention mass of the last
    // lastQueries queries. 0 = off for each.
    int64_t verticalLines = 0;
    int64_t slashLines = 0;
    int64_t lastQueries = 64;

    // H2O heavy hitters (Zhang et al. 2023), decoding simulated row by row: the
    // heavyHitters keys outside the recent window (spec.window) with the largest
    // accumulated attention (docs/methods.md defines "accumulated"). 0 = off.
    int64_t heavyHitters = 0;

    // Top-p / coverage (Twilight; FlexPrefill's gamma): per query the smallest set of
    // keys, highest dense score first, whose dense probability mass reaches topP.
    // 0 = off; otherwise 0 < topP <= 1.
    double topP = 0.0;

    // True when the pattern needs Q and K to be built (any data-dependent rule).
    bool needsScores() const {
        return !dense && (topk > 0 || blockTopk > 0 || nsa || indexerTopk > 0 || questBudget > 0 ||
                          verticalLines > 0 || slashLines > 0 || heavyHitters > 0 || topP > 0.0);
    }
    // True when a rule needs every dense score q.k of a row to choose (an oracle:
    // it pays for the dense pass). Realisable selectors (NSA, DSA, Quest, ...) are not.
    bool usesOracle() const { return !dense && (topk > 0 || blockTopk > 0 || topP > 0.0); }
    // True when a rule selects per GQA group (all query heads sharing a K/V head
    // choose the same keys): NSA's selection and DSA's indexer.
    bool usesGroup() const { return !dense && (nsa || indexerTopk > 0); }
};

// Throws sparsescope::Error naming the field when a value is invalid
// (negative counts, stride 1, block size 0, NSA block sizes that d does not divide, ...).
void validate(const PatternSpec& spec);

}  // namespace sparsescope
