#include "core/tokenizer/regex.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "core/common/error.h"
#include "core/tokenizer/utf8.h"

namespace sparsescope::tok {

namespace {

// Unicode White_Space, Oniguruma's \s (class body, no brackets).
constexpr const char* kWhiteSpaceSet =
    "\\t\\n\\x{0B}\\f\\r\\x{20}\\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}"
    "\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}";

std::string pcre2Message(int code) {
    PCRE2_UCHAR buf[256];
    if (pcre2_get_error_message(code, buf, sizeof buf) < 0) return "error " + std::to_string(code);
    return reinterpret_cast<const char*>(buf);
}

}  // namespace

struct Regex::Code {
    pcre2_code* code = nullptr;
    ~Code() { pcre2_code_free(code); }
};

std::string Regex::onigurumaCompatible(const std::string& p) {
    std::string out;
    out.reserve(p.size() + 32);
    bool inClass = false;
    for (size_t i = 0; i < p.size(); ++i) {
        const char c = p[i];
        if (c == '\\' && i + 1 < p.size()) {
            const char e = p[i + 1];
            ++i;
            if (e == 's') {
                out += inClass ? std::string(kWhiteSpaceSet) : "[" + std::string(kWhiteSpaceSet) + "]";
            } else if (e == 'S' && !inClass) {
                out += "[^" + std::string(kWhiteSpaceSet) + "]";
            } else {
                out += c;
                out += e;  // other escapes (\p, \x, \S inside a class, ...) stay
            }
            continue;
        }
        if (!inClass && c == '[') {
            inClass = true;
            out += c;
            // A ']' right after '[' or '[^' is a literal member, not the end.
            if (i + 1 < p.size() && p[i + 1] == '^') out += p[++i];
            if (i + 1 < p.size() && p[i + 1] == ']') out += p[++i];
            continue;
        }
        if (inClass && c == '[' && i + 1 < p.size() && p[i + 1] == ':') {
            const size_t close = p.find(":]", i + 2);  // POSIX [:name:] inside a class
            if (close != std::string::npos) {
                out.append(p, i, close + 2 - i);
                i = close + 1;
                continue;
            }
        }
        if (inClass && c == ']') inClass = false;
        out += c;
    }
    return out;
}

Regex::Regex(const std::string& pattern, bool literal, const std::string& source,
             const std::string& field)
    : pattern_(pattern), literal_(literal) {
    if (literal_) return;
    const std::string compat = onigurumaCompatible(pattern);
    int err = 0;
    PCRE2_SIZE errOffset = 0;
    pcre2_code* code =
        pcre2_compile(reinterpret_cast<PCRE2_SPTR>(compat.data()), compat.size(),
                      PCRE2_UTF | PCRE2_UCP, &err, &errOffset, nullptr);
    if (!code)
        throw Error(source, field,
                    "regex '" + pattern + "' does not compile (PCRE2: " + pcre2Message(err) +
                        " at offset " + std::to_string(errOffset) + ")");
    pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);  // optional speed-up; falls back silently
    auto holder = std::make_shared<Code>();
    holder->code = code;
    code_ = std::move(holder);
}

namespace {

// One pcre2_match call; retries without JIT when the JIT stack is too small.
int runMatch(const pcre2_code* code, std::string_view text, size_t start, uint32_t options,
             pcre2_match_data* md) {
    int rc = pcre2_match(code, reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(), start,
                         options, md, nullptr);
    if (rc == PCRE2_ERROR_JIT_STACKLIMIT)
        rc = pcre2_match(code, reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(), start,
                         options | PCRE2_NO_JIT, md, nullptr);
    if (rc < 0 && rc != PCRE2_ERROR_NOMATCH)
        throw Error("<input>", "regex", "PCRE2 matching failed: " + pcre2Message(rc));
    return rc;
}

struct MatchData {
    explicit MatchData(const pcre2_code* c) : md(pcre2_match_data_create_from_pattern(c, nullptr)) {
        if (!md) throw Error("<input>", "regex", "out of memory for PCRE2 match data");
    }
    ~MatchData() { pcre2_match_data_free(md); }
    MatchData(const MatchData&) = delete;
    MatchData& operator=(const MatchData&) = delete;
    pcre2_match_data* md;
};

}  // namespace

std::vector<Span> Regex::findAll(std::string_view text) const {
    std::vector<Span> out;
    if (literal_) {
        if (pattern_.empty()) return out;
        for (size_t pos = text.find(pattern_); pos != std::string_view::npos;
             pos = text.find(pattern_, pos + pattern_.size()))
            out.emplace_back(pos, pos + pattern_.size());
        return out;
    }
    MatchData data(code_->code);
    // The subject is validated once; later calls skip PCRE2's O(n) UTF check.
    uint32_t options = 0;
    size_t lastEnd = 0;
    bool haveMatch = false;
    size_t lastMatchEnd = 0;
    while (lastEnd <= text.size()) {
        const int rc = runMatch(code_->code, text, lastEnd, options, data.md);
        options = PCRE2_NO_UTF_CHECK;
        if (rc == PCRE2_ERROR_NOMATCH) break;
        const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(data.md);
        const size_t s = ov[0], e = ov[1];
        if (s == e && haveMatch && lastMatchEnd == e) {
            lastEnd += lastEnd < text.size() ? utf8Length(static_cast<unsigned char>(text[lastEnd])) : 1;
            continue;
        }
        out.emplace_back(s, e);
        lastEnd = e;
        lastMatchEnd = e;
        haveMatch = true;
    }
    return out;
}

bool Regex::matchesAt(std::string_view text, size_t pos) const {
    if (pos > text.size()) return false;
    if (literal_) return text.substr(pos).substr(0, pattern_.size()) == pattern_;
    MatchData data(code_->code);
    return runMatch(code_->code, text, pos, PCRE2_ANCHORED, data.md) >= 0;
}

}  // namespace sparsescope::tok
