#include "core/tokenizer/pre_tokenizer.h"

#include <algorithm>

#include "core/tokenizer/utf8.h"

namespace sparsescope::tok {

std::vector<Segment> segmentsFromMatches(size_t length, const std::vector<Span>& matches) {
    std::vector<Segment> out;
    if (length == 0) return {{0, 0, false}};
    size_t prev = 0;
    for (const auto& [b, e] : matches) {
        if (prev != b) out.push_back({prev, b, false});
        out.push_back({b, e, true});
        prev = e;
    }
    if (prev != length) out.push_back({prev, length, false});
    return out;
}

std::vector<Span> applyBehavior(std::vector<Segment> segs, SplitBehavior behavior) {
    std::vector<Segment> acc;
    bool previous = false;
    switch (behavior) {
    case SplitBehavior::Removed:
        for (const Segment& s : segs)
            if (!s.isMatch) acc.push_back(s);
        break;
    case SplitBehavior::Isolated:
        acc = std::move(segs);
        break;
    case SplitBehavior::Contiguous:
        for (const Segment& s : segs) {
            if (s.isMatch == previous && !acc.empty()) acc.back().end = s.end;
            else acc.push_back(s);
            previous = s.isMatch;
        }
        break;
    case SplitBehavior::MergedWithPrevious:
        for (const Segment& s : segs) {
            if (s.isMatch && !previous && !acc.empty()) acc.back().end = s.end;
            else acc.push_back(s);
            previous = s.isMatch;
        }
        break;
    case SplitBehavior::MergedWithNext:
        // Walk backwards: a delimiter joins the segment that follows it.
        for (auto it = segs.rbegin(); it != segs.rend(); ++it) {
            if (it->isMatch && !previous && !acc.empty()) acc.back().begin = it->begin;
            else acc.push_back(*it);
            previous = it->isMatch;
        }
        std::reverse(acc.begin(), acc.end());
        break;
    }
    std::vector<Span> spans;
    spans.reserve(acc.size());
    for (const Segment& s : acc)
        if (s.end > s.begin) spans.emplace_back(s.begin, s.end);
    return spans;
}

struct PreTokenizer::Step {
    virtual ~Step() = default;
    // Appends what the non-added `piece` becomes.
    virtual void split(const Piece& piece, std::vector<Piece>& out) const = 0;
};

namespace {

void emitSpans(const Piece& parent, const std::string& text, const std::vector<Span>& spans,
               std::vector<Piece>& out) {
    for (const auto& [b, e] : spans)
        out.push_back({text.substr(b, e - b), -1, parent.startsInput && b == 0});
}

// Split by a pattern with one of HF's behaviours (Split, Digits, Punctuation, ...).
struct PatternSplit : PreTokenizer::Step {
    PatternSplit(Regex r, SplitBehavior b, bool inv) : regex(std::move(r)), behavior(b), invert(inv) {}
    void split(const Piece& p, std::vector<Piece>& out) const override {
        std::vector<Segment> segs = segmentsFromMatches(p.text.size(), regex.findAll(p.text));
        if (invert)
            for (Segment& s : segs) s.isMatch = !s.isMatch;
        emitSpans(p, p.text, applyBehavior(std::move(segs), behavior), out);
    }
    Regex regex;
    SplitBehavior behavior;
    bool invert;
};

// GPT-2 byte level: optional leading space, the GPT-2 regex, then every byte of
// every piece becomes its bytes_to_unicode() character.
struct ByteLevelSplit : PreTokenizer::Step {
    ByteLevelSplit(bool prefix, bool useRegex, const std::string& source, const std::string& field)
        : addPrefixSpace(prefix), regex(useRegex ? std::vector<Regex>{Regex(kGpt2Pattern, false, source, field)}
                                                 : std::vector<Regex>{}) {}
    void split(const Piece& p, std::vector<Piece>& out) const override {
        const std::string text = addPrefixSpace && p.text.front() != ' ' ? " " + p.text : p.text;
        std::vector<Span> spans{{0, text.size()}};
        if (!regex.empty())
            spans = applyBehavior(segmentsFromMatches(text.size(), regex.front().findAll(text)),
                                  SplitBehavior::Isolated);
        for (const auto& [b, e] : spans) {
            std::string mapped;
            mapped.reserve(2 * (e - b));
            for (size_t i = b; i < e; ++i) mapped += bytes.charOf(static_cast<unsigned char>(text[i]));
            out.push_back({std::move(mapped), -1, p.startsInput && b == 0});
        }
    }
    bool addPrefixSpace;
    std::vector<Regex> regex;  // empty when use_regex is false
    ByteUnicodeMap bytes;
};

enum class PrependScheme { First, Always, Never };

// SentencePiece style: spaces become the replacement character ('▁'), which is
// prepended per the scheme and then starts every word (MergedWithNext).
struct MetaspaceSplit : PreTokenizer::Step {
    MetaspaceSplit(std::string rep, PrependScheme s, bool sp)
        : replacement(std::move(rep)), scheme(s), splitWords(sp), delimiter(replacement, true, "", "") {}
    void split(const Piece& p, std::vector<Piece>& out) const override {
        std::string text;
        text.reserve(p.text.size() + 8);
        for (char c : p.text) {
            if (c == ' ') text += replacement;
            else text += c;
        }
        const bool startsWithRep = text.compare(0, replacement.size(), replacement) == 0;
        if (!startsWithRep && (scheme == PrependScheme::Always ||
                               (scheme == PrependScheme::First && p.startsInput)))
            text = replacement + text;
        std::vector<Span> spans{{0, text.size()}};
        if (splitWords)
            spans = applyBehavior(segmentsFromMatches(text.size(), delimiter.findAll(text)),
                                  SplitBehavior::MergedWithNext);
        emitSpans(p, text, spans, out);
    }
    std::string replacement;
    PrependScheme scheme;
    bool splitWords;
    Regex delimiter;
};

SplitBehavior parseBehavior(const Json& j, const char* key, SplitBehavior fallback, const JsonCtx& ctx) {
    const std::string b = optionalString(j, key, "", ctx);
    if (b.empty()) return fallback;
    // Files say "Isolated"; the Python constructor's spelling "isolated" is accepted too.
    std::string lower;
    for (char c : b) lower += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    if (lower == "removed") return SplitBehavior::Removed;
    if (lower == "isolated") return SplitBehavior::Isolated;
    if (lower == "merged_with_previous" || lower == "mergedwithprevious") return SplitBehavior::MergedWithPrevious;
    if (lower == "merged_with_next" || lower == "mergedwithnext") return SplitBehavior::MergedWithNext;
    if (lower == "contiguous") return SplitBehavior::Contiguous;
    ctx.child(key).fail("unknown split behavior '" + b +
                        "' (expected Removed, Isolated, MergedWithPrevious, MergedWithNext or Contiguous)");
}

// Rust's Unicode \w (Alphabetic, marks, decimal digits, connector punctuation, joiners).
constexpr const char* kWordClass = R"(\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\x{200C}\x{200D})";

}  // namespace

PreTokenizer::PreTokenizer() = default;
PreTokenizer::~PreTokenizer() = default;
PreTokenizer::PreTokenizer(PreTokenizer&&) noexcept = default;
PreTokenizer& PreTokenizer::operator=(PreTokenizer&&) noexcept = default;

PreTokenizer PreTokenizer::fromJson(const Json& j, const JsonCtx& ctx) {
    PreTokenizer p;
    if (!j.is_null()) p.parseInto(j, ctx);
    return p;
}

void PreTokenizer::parseInto(const Json& j, const JsonCtx& ctx) {
    const std::string type = typeOf(j, ctx);
    const std::string& src = ctx.source;
    if (type == "Sequence") {
        const Json& list = requireArray(j, "pretokenizers", ctx);
        for (size_t i = 0; i < list.size(); ++i) parseInto(list[i], ctx.child("pretokenizers").item(i));
    } else if (type == "ByteLevel") {
        steps_.push_back(std::make_unique<ByteLevelSplit>(optionalBool(j, "add_prefix_space", true, ctx),
                                                          optionalBool(j, "use_regex", true, ctx), src,
                                                          ctx.path));
    } else if (type == "Split") {
        steps_.push_back(std::make_unique<PatternSplit>(
            parsePattern(j, "pattern", ctx),
            parseBehavior(j, "behavior", SplitBehavior::Isolated, ctx),
            optionalBool(j, "invert", false, ctx)));
    } else if (type == "Metaspace") {
        const std::string rep = requireString(j, "replacement", ctx);
        size_t pos = 0;
        if (rep.empty() || (nextCodePoint(rep, pos), pos != rep.size()))
            ctx.child("replacement").fail("expected exactly one character");
        // Files older than tokenizers 0.19 carry add_prefix_space instead of prepend_scheme.
        PrependScheme scheme = optionalBool(j, "add_prefix_space", true, ctx) ? PrependScheme::Always
                                                                              : PrependScheme::Never;
        const std::string s = optionalString(j, "prepend_scheme", "", ctx);
        if (s == "first") scheme = PrependScheme::First;
        else if (s == "always") scheme = PrependScheme::Always;
        else if (s == "never") scheme = PrependScheme::Never;
        else if (!s.empty()) ctx.child("prepend_scheme").fail("expected first, always or never, got '" + s + "'");
        steps_.push_back(std::make_unique<MetaspaceSplit>(rep, scheme, optionalBool(j, "split", true, ctx)));
    } else if (type == "Digits") {
        steps_.push_back(std::make_unique<PatternSplit>(
            Regex(R"(\p{N})", false, src, ctx.path),
            optionalBool(j, "individual_digits", false, ctx) ? SplitBehavior::Isolated
                                                             : SplitBehavior::Contiguous,
            false));
    } else if (type == "Whitespace") {
        const std::string w = kWordClass;
        steps_.push_back(std::make_unique<PatternSplit>(
            Regex("[" + w + "]+|[^" + w + R"(\s]+)", false, src, ctx.path), SplitBehavior::Removed, true));
    } else if (type == "WhitespaceSplit") {
        steps_.push_back(std::make_unique<PatternSplit>(Regex(R"(\s)", false, src, ctx.path),
                                                        SplitBehavior::Removed, false));
    } else if (type == "Punctuation") {
        // Rust: char::is_ascii_punctuation() || general category P*.
        steps_.push_back(std::make_unique<PatternSplit>(
            Regex(R"([\p{P}\x{21}-\x{2F}\x{3A}-\x{40}\x{5B}-\x{60}\x{7B}-\x{7E}])", false, src, ctx.path),
            parseBehavior(j, "behavior", SplitBehavior::Isolated, ctx), false));
    } else {
        ctx.child("type").fail("unsupported pre_tokenizer '" + type +
                               "' (supported: ByteLevel, Split, Metaspace, Digits, Whitespace, "
                               "WhitespaceSplit, Punctuation, Sequence)");
    }
}

void PreTokenizer::apply(std::vector<Piece>& pieces) const {
    for (const auto& step : steps_) {
        std::vector<Piece> next;
        next.reserve(pieces.size() * 2);
        for (Piece& p : pieces) {
            if (p.addedId >= 0) next.push_back(std::move(p));
            else if (!p.text.empty()) step->split(p, next);
        }
        pieces = std::move(next);
    }
}

}  // namespace sparsescope::tok
