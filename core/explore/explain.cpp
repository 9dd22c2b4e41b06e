// The pattern in plain words (explain.h).
#include "core/explore/explain.h"

#include "core/common/error.h"
#include "core/pattern/mask_builder.h"

#include <cmath>
#include <cstdio>

namespace sparsescope {

namespace {

std::string num(int64_t v) { return std::to_string(v); }

// "1 token", "4 tokens".
std::string count(int64_t v, const std::string& one, const std::string& many) {
    return num(v) + " " + (v == 1 ? one : many);
}

// 2nd, 3rd, 4th, 11th, 21st, 112th.
std::string ordinal(int64_t v) {
    const int64_t h = v % 100, t = v % 10;
    const char* suffix = (h >= 11 && h <= 13) ? "th" : t == 1 ? "st" : t == 2 ? "nd" : t == 3 ? "rd" : "th";
    return num(v) + suffix;
}

std::string joinList(const std::vector<std::string>& items) {
    std::string out;
    for (size_t k = 0; k < items.size(); ++k) {
        if (k > 0) out += items.size() == 2 ? " and " : (k + 1 == items.size() ? ", and " : ", ");
        out += items[k];
    }
    return out;
}

// Whether some rule's phrase already says the token sees itself.
bool coversItself(const PatternSpec& s) {
    return s.dense || s.window > 0 || s.fixedBlock > 0 || s.blockWindow > 0 || s.blockTopk > 0 || s.questBudget > 0 ||
           (s.nsa && s.nsaWindow > 0);
}

std::string percentOf(double p) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2g", p);
    return buf;
}

}  // namespace

std::string formatPercent(double fraction) {
    const double p = fraction * 100.0;
    char buf[32];
    if (!(p > 0)) return "0 %";
    if (p >= 100.0) return "100 %";
    if (p >= 99.5) std::snprintf(buf, sizeof buf, "%.1f", std::floor(p * 10.0) / 10.0);  // never "100" unless all
    else if (p >= 9.95) std::snprintf(buf, sizeof buf, "%.0f", p);
    else if (p >= 0.995) std::snprintf(buf, sizeof buf, "%.1f", p);
    else std::snprintf(buf, sizeof buf, "%.2g", p);
    return std::string(buf) + " %";
}

std::vector<std::string> explainRules(const PatternSpec& s) {
    validate(s);
    const bool bi = !s.causal;
    if (s.dense) return {bi ? "every token" : "every earlier token and itself"};
    std::vector<std::string> r;
    if (!coversItself(s)) r.push_back("itself");
    if (s.window == 1) r.push_back("itself");
    else if (s.window > 1)
        r.push_back(bi ? "every token less than " + num(s.window) + " positions away on either side"
                       : "its " + num(s.window) + " most recent tokens (itself included)");
    if (s.global > 0) {
        std::string g = s.global == 1 ? "the first token" : "the first " + num(s.global) + " tokens";
        if (bi) g += s.global == 1 ? " (which sees every token)" : " (which see every token)";
        r.push_back(g);
    }
    if (s.stride > 0) r.push_back("every " + ordinal(s.stride) + " token " + (bi ? "in either direction" : "back"));
    if (s.fixedBlock > 0)
        r.push_back("its own block of " + num(s.fixedBlock) + " tokens and the last " +
                    count(s.fixedSummary, "token", "tokens") + " of every " + (bi ? "other" : "earlier") + " block");
    if (s.blockWindow > 0) {
        std::string b = "its own block of " + num(s.blockSize) + " tokens";
        if (s.blockWindow > 1)
            b += " and the " + count(s.blockWindow - 1, "block", "blocks") + (bi ? " on either side" : " before it");
        r.push_back(b);
    }
    if (s.random > 0)
        r.push_back(count(s.random, "random token", "random tokens") + " of its context (drawn per row, seed " +
                    std::to_string(s.seed) + ")");
    if (s.randomBlocks > 0)
        r.push_back(count(s.randomBlocks, "random block", "random blocks") + " of " + num(s.blockSize) +
                    " tokens (drawn per query block, seed " + std::to_string(s.seed) + ")");
    if (s.topk > 0)
        r.push_back("the " + count(s.topk, "token", "tokens") + " with the highest dense score q.k");
    if (s.blockTopk > 0)
        r.push_back("its " + count(s.blockTopk, "best block", "best blocks") + " of " + num(s.blockSize) +
                    " tokens by their highest q.k and its own block");
    if (s.topP > 0)
        r.push_back("the fewest tokens, highest score first, that hold " + percentOf(s.topP * 100) +
                    " % of its dense attention");
    if (s.nsa) {
        r.push_back("NSA's compressed blocks (" + num(s.nsaCompressBlock) + " tokens mean-pooled every " +
                    num(s.nsaCompressStride) + " tokens)");
        if (s.nsaSelectCount > 0)
            r.push_back("NSA's " + count(s.nsaSelectCount, "selected block", "selected blocks") + " of " +
                        num(s.nsaSelectBlock) + " tokens (chosen by compressed score over the GQA group; the first " +
                        num(s.nsaInitialBlocks) + " and the " + num(s.nsaLocalBlocks) + " most recent always among them)");
        if (s.nsaWindow > 0) r.push_back("NSA's window of its " + num(s.nsaWindow) + " most recent tokens");
    }
    if (s.indexerTopk > 0)
        r.push_back("the " + count(s.indexerTopk, "token", "tokens") + " with the highest DSA lightning-indexer score (d_I = " +
                    num(s.indexerDim) + ")");
    if (s.questBudget > 0)
        r.push_back("the best Quest pages of " + num(s.questPage) + " tokens within a budget of " +
                    num(s.questBudget) + " tokens (its own page among them)");
    if (s.verticalLines > 0)
        r.push_back("the " + count(s.verticalLines, "key column", "key columns") + " with the most attention of the last " +
                    num(s.lastQueries) + " queries");
    if (s.slashLines > 0)
        r.push_back("the " + count(s.slashLines, "diagonal", "diagonals") + " with the most attention of the last " +
                    num(s.lastQueries) + " queries");
    if (s.heavyHitters > 0)
        r.push_back("the " + count(s.heavyHitters, "heavy hitter", "heavy hitters") +
                    " (H2O: the older tokens with the most accumulated attention)");
    return r;
}

namespace {

std::string notes(const PatternSpec& s) {
    if (s.dense) return "";
    std::string out;
    if (s.usesOracle())
        out += " An oracle: choosing needs every dense score q.k of the row, so it pays for the dense pass.";
    if (s.questBudget > 0 || s.heavyHitters > 0)
        out += " A decoding method: row i is what the decoding step at i reads; the prefill stays dense.";
    if (s.verticalLines > 0 || s.slashLines > 0) out += " A prefill method: decoding stays dense.";
    return out;
}

std::string sentence(const PatternSpec& s, const std::string& density) {
    return "Each token sees " + joinList(explainRules(s)) + density + "." + notes(s);
}

}  // namespace

std::string explainPattern(const PatternSpec& spec) { return sentence(spec, ""); }

std::string explainPattern(const PatternSpec& spec, const SparseMask& mask) {
    if (mask.n < 1) throw Error("<input>", "mask", "the mask has no tokens");
    const double density = double(mask.keptPairs()) / double(possiblePairs(mask.n, mask.causal));
    return sentence(spec, ": " + formatPercent(density) + " of the pairs at " + num(mask.n) + " tokens");
}

std::string explainPattern(const PatternSpec& spec, int64_t n) {
    if (n < 1) throw Error("<input>", "n", "the density needs at least one token, got " + std::to_string(n));
    return explainPattern(spec, buildMask(spec, n));
}

}  // namespace sparsescope
