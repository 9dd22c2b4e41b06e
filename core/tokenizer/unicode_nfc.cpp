#include "core/tokenizer/unicode_nfc.h"

#include <algorithm>
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "core/tokenizer/utf8.h"

namespace sparsescope::tok {

namespace {

struct CccRange {
    char32_t lo, hi;
    uint8_t ccc;
};
struct CanonicalDecomposition {
    char32_t cp, first, second;  // second == 0: singleton
    uint8_t composes;            // 1: NFC recomposes (first, second) into cp
};

#include "core/tokenizer/unicode_nfc_data.inc"

// Hangul syllables decompose algorithmically (Unicode §3.12):
// S = SBase + (L·VCount + V)·TCount + T.
constexpr char32_t kSBase = 0xAC00, kLBase = 0x1100, kVBase = 0x1161, kTBase = 0x11A7;
constexpr char32_t kLCount = 19, kVCount = 21, kTCount = 28;
constexpr char32_t kNCount = kVCount * kTCount, kSCount = kLCount * kNCount;

uint8_t combiningClass(char32_t cp) {
    if (cp < 0x300) return 0;
    const auto* end = std::end(kCccRanges);
    const auto* it = std::upper_bound(std::begin(kCccRanges), end, cp,
                                      [](char32_t c, const CccRange& r) { return c < r.lo; });
    if (it == std::begin(kCccRanges)) return 0;
    --it;
    return cp <= it->hi ? it->ccc : 0;
}

const CanonicalDecomposition* findDecomposition(char32_t cp) {
    const auto* end = std::end(kDecompositions);
    const auto* it = std::lower_bound(std::begin(kDecompositions), end, cp,
                                      [](const CanonicalDecomposition& d, char32_t c) { return d.cp < c; });
    return it != end && it->cp == cp ? it : nullptr;
}

void decomposeInto(char32_t cp, std::vector<char32_t>& out) {
    if (cp >= kSBase && cp < kSBase + kSCount) {
        const char32_t s = cp - kSBase;
        out.push_back(kLBase + s / kNCount);
        out.push_back(kVBase + (s % kNCount) / kTCount);
        if (s % kTCount != 0) out.push_back(kTBase + s % kTCount);
        return;
    }
    const CanonicalDecomposition* d = cp < 0xC0 ? nullptr : findDecomposition(cp);
    if (!d) {
        out.push_back(cp);
        return;
    }
    decomposeInto(d->first, out);  // depth is bounded by the data (at most 4 levels)
    if (d->second) decomposeInto(d->second, out);
}

// Full canonical decomposition followed by the canonical ordering algorithm
// (stable sort of every run of non-starters by combining class).
std::vector<char32_t> decomposeOrdered(std::string_view s) {
    std::vector<char32_t> cps;
    cps.reserve(s.size());
    for (size_t pos = 0; pos < s.size();) decomposeInto(nextCodePoint(s, pos), cps);
    for (size_t i = 0; i < cps.size();) {
        if (combiningClass(cps[i]) == 0) {
            ++i;
            continue;
        }
        size_t j = i;
        while (j < cps.size() && combiningClass(cps[j]) != 0) ++j;
        std::stable_sort(cps.begin() + i, cps.begin() + j, [](char32_t a, char32_t b) {
            return combiningClass(a) < combiningClass(b);
        });
        i = j;
    }
    return cps;
}

uint64_t pairKey(char32_t a, char32_t b) { return (static_cast<uint64_t>(a) << 32) | b; }

// Immutable after its thread-safe initialization (a constant table, not state).
const std::unordered_map<uint64_t, char32_t>& compositionTable() {
    static const std::unordered_map<uint64_t, char32_t> table = [] {
        std::unordered_map<uint64_t, char32_t> t;
        for (const auto& d : kDecompositions)
            if (d.composes) t.emplace(pairKey(d.first, d.second), d.cp);
        return t;
    }();
    return table;
}

char32_t compose(char32_t a, char32_t b) {
    if (a >= kLBase && a < kLBase + kLCount && b >= kVBase && b < kVBase + kVCount)
        return kSBase + ((a - kLBase) * kVCount + (b - kVBase)) * kTCount;
    if (a >= kSBase && a < kSBase + kSCount && (a - kSBase) % kTCount == 0 && b > kTBase &&
        b < kTBase + kTCount)
        return a + (b - kTBase);
    const auto& t = compositionTable();
    const auto it = t.find(pairKey(a, b));
    return it == t.end() ? 0 : it->second;
}

// Text made only of code points below `limit` needs no work: below U+00C0 nothing
// decomposes (NFD), and below U+0300 every character is a starter that is NFC-stable
// and that no following character of this range composes with (NFC). The lead
// bytes of U+00C0 and U+0300 are 0xC3 and 0xCC; continuation bytes are smaller.
bool allBytesBelow(std::string_view s, unsigned char limit) {
    for (unsigned char c : s)
        if (c >= limit) return false;
    return true;
}

std::string encode(const std::vector<char32_t>& cps) {
    std::string out;
    out.reserve(cps.size());
    for (char32_t c : cps) appendUtf8(out, c);
    return out;
}

}  // namespace

std::string toNfd(std::string_view s) {
    if (allBytesBelow(s, 0xC3)) return std::string(s);
    return encode(decomposeOrdered(s));
}

std::string toNfc(std::string_view s) {
    if (allBytesBelow(s, 0xCC)) return std::string(s);
    std::vector<char32_t> cps = decomposeOrdered(s);
    if (cps.empty()) return {};
    // Canonical composition (UAX #15): a character combines with the last starter
    // unless a character of equal or higher class (or a starter) sits between them.
    size_t starterPos = 0;
    int lastClass = combiningClass(cps[0]) == 0 ? 0 : 256;
    size_t outPos = 1;
    for (size_t i = 1; i < cps.size(); ++i) {
        const char32_t ch = cps[i];
        const int cls = combiningClass(ch);
        const char32_t composite = compose(cps[starterPos], ch);
        if (composite != 0 && (lastClass < cls || lastClass == 0)) {
            cps[starterPos] = composite;
            continue;
        }
        if (cls == 0) starterPos = outPos;
        lastClass = cls;
        cps[outPos++] = ch;
    }
    cps.resize(outPos);
    return encode(cps);
}

}  // namespace sparsescope::tok
