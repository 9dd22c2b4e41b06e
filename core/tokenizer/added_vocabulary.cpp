#include "core/tokenizer/added_vocabulary.h"

#include <algorithm>

#include "core/tokenizer/normalizer.h"
#include "core/tokenizer/utf8.h"

namespace sparsescope::tok {

namespace {

size_t leadByteBefore(const std::string& s, size_t pos) {
    size_t p = pos - 1;
    while (p > 0 && (static_cast<unsigned char>(s[p]) & 0xC0) == 0x80) --p;
    return p;
}

}  // namespace

AddedVocabulary AddedVocabulary::fromJson(const Json& list, const JsonCtx& ctx, const Normalizer& normalizer) {
    AddedVocabulary v;
    if (list.is_null()) return v;
    if (!list.is_array()) ctx.fail("expected an array of added tokens");
    bool anySingleWord = false;
    for (size_t i = 0; i < list.size(); ++i) {
        const JsonCtx c = ctx.item(i);
        const Json& t = list[i];
        AddedToken tok;
        tok.id = static_cast<int32_t>(requireInteger(requireField(t, "id", c), c.child("id"), 0, INT32_MAX - 1));
        tok.content = requireString(t, "content", c);
        tok.special = optionalBool(t, "special", false, c);
        tok.singleWord = optionalBool(t, "single_word", false, c);
        tok.lstrip = optionalBool(t, "lstrip", false, c);
        tok.rstrip = optionalBool(t, "rstrip", false, c);
        tok.normalized = optionalBool(t, "normalized", !tok.special, c);
        if (tok.content.empty() || v.byContent_.count(tok.content)) continue;  // HF ignores these
        anySingleWord = anySingleWord || tok.singleWord;
        v.maxId_ = std::max(v.maxId_, tok.id);
        v.byContent_.emplace(tok.content, tok.id);
        v.byId_.emplace(tok.id, v.tokens_.size());
        v.tokens_.push_back(tok);
    }
    // HF matches special tokens first, then the others (order only matters for ties).
    for (int pass = 0; pass < 2; ++pass) {
        for (size_t i = 0; i < v.tokens_.size(); ++i) {
            const AddedToken& t = v.tokens_[i];
            if (t.special != (pass == 0)) continue;
            if (t.normalized) v.addPattern(v.normalized_, normalizer.apply(t.content), i);
            else v.addPattern(v.raw_, t.content, i);
        }
    }
    if (anySingleWord)
        v.wordChar_.emplace_back(R"([\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\x{200C}\x{200D}])", false, ctx.source,
                                 ctx.path);
    return v;
}

void AddedVocabulary::addPattern(MatchSet& set, std::string pattern, size_t tokenIndex) {
    if (pattern.empty()) return;
    const auto idx = static_cast<uint32_t>(set.patterns.size());
    auto& bucket = set.byFirstByte[static_cast<unsigned char>(pattern[0])];
    set.patterns.push_back(std::move(pattern));
    set.token.push_back(tokenIndex);
    bucket.push_back(idx);
    // Longest first, so the first hit at a position is the leftmost-longest match.
    std::stable_sort(bucket.begin(), bucket.end(), [&](uint32_t a, uint32_t b) {
        return set.patterns[a].size() > set.patterns[b].size();
    });
}

bool AddedVocabulary::isWordChar(const std::string& s, size_t pos) const {
    return !wordChar_.empty() && wordChar_.front().matchesAt(s, pos);
}

void AddedVocabulary::splitOne(const Piece& piece, const MatchSet& set, std::vector<Piece>& out) const {
    const std::string& s = piece.text;
    const size_t n = s.size();
    size_t startOffset = 0, pos = 0;
    auto emitFree = [&](size_t b, size_t e) {
        if (e > b) out.push_back({s.substr(b, e - b), -1, piece.startsInput && b == 0});
    };
    while (pos < n) {
        size_t start = n, len = 0, patternIdx = 0;
        for (size_t p = pos; p < n && len == 0; ++p) {
            for (uint32_t idx : set.byFirstByte[static_cast<unsigned char>(s[p])]) {
                const std::string& pat = set.patterns[idx];
                if (s.compare(p, pat.size(), pat) == 0) {
                    start = p;
                    len = pat.size();
                    patternIdx = idx;
                    break;
                }
            }
        }
        if (len == 0) break;
        size_t stop = start + len;
        pos = stop;  // the search resumes after the raw match, whatever happens to it
        const AddedToken& tok = tokens_[set.token[patternIdx]];
        if (tok.singleWord) {
            const bool spaceBefore = start == 0 || !isWordChar(s, leadByteBefore(s, start));
            const bool spaceAfter = stop == n || !isWordChar(s, stop);
            if (!spaceBefore || !spaceAfter) continue;  // part of a longer word
        }
        if (tok.lstrip) {
            size_t b = start;
            while (b > 0) {
                const size_t lead = leadByteBefore(s, b);
                size_t p = lead;
                if (!isUnicodeWhitespace(nextCodePoint(s, p))) break;
                b = lead;
            }
            start = std::max(b, startOffset);  // never re-take what a previous match took
        }
        if (tok.rstrip) {
            while (stop < n) {
                size_t p = stop;
                if (!isUnicodeWhitespace(nextCodePoint(s, p))) break;
                stop = p;
            }
        }
        start = std::max(start, startOffset);
        emitFree(startOffset, start);
        out.push_back({s.substr(start, stop - start), tok.id, piece.startsInput && start == 0});
        startOffset = stop;
        pos = std::max(pos, stop);
    }
    emitFree(startOffset, n);
}

void AddedVocabulary::split(std::vector<Piece>& pieces, bool normalizedStage) const {
    const MatchSet& set = normalizedStage ? normalized_ : raw_;
    std::vector<Piece> out;
    out.reserve(pieces.size());
    for (Piece& p : pieces) {
        if (p.addedId >= 0 || set.empty()) {
            if (p.addedId >= 0 || !p.text.empty()) out.push_back(std::move(p));
        } else if (!p.text.empty()) {
            splitOne(p, set, out);
        }
    }
    pieces = std::move(out);
}

const AddedToken* AddedVocabulary::byId(int32_t id) const {
    const auto it = byId_.find(id);
    return it == byId_.end() ? nullptr : &tokens_[it->second];
}

std::optional<int32_t> AddedVocabulary::idOf(const std::string& content) const {
    const auto it = byContent_.find(content);
    if (it == byContent_.end()) return std::nullopt;
    return it->second;
}

bool AddedVocabulary::isSpecial(int32_t id) const {
    const AddedToken* t = byId(id);
    return t && t->special;
}

}  // namespace sparsescope::tok
