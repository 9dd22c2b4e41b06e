#pragma once
// Pattern matching for tokenizer.json patterns (Split, Replace, ByteLevel's GPT-2 regex).
// Hugging Face `tokenizers` runs these patterns with Oniguruma; here PCRE2 (UTF + UCP,
// JIT when available) runs them after one rewrite: `\s`/`\S` become the explicit
// Unicode White_Space set Oniguruma uses (PCRE2's UCP \s also takes U+180E).
// A compiled Regex is immutable and may be shared by threads; each call
// allocates its own match data.
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sparsescope::tok {

using Span = std::pair<size_t, size_t>;  // [begin, end) byte offsets

class Regex {
public:
    // Compiles `pattern` (or matches it literally when `literal`); throws
    // Error(source, field, ...) when PCRE2 refuses it.
    Regex(const std::string& pattern, bool literal, const std::string& source,
          const std::string& field);

    // Non-overlapping matches from left to right. Empty matches follow Oniguruma's
    // find_iter: an empty match right where the previous match ended is skipped.
    // A literal empty pattern matches nothing.
    std::vector<Span> findAll(std::string_view text) const;

    // Whether the pattern matches starting exactly at byte `pos` (anchored).
    bool matchesAt(std::string_view text, size_t pos) const;

    const std::string& pattern() const { return pattern_; }

    // The Oniguruma-compatible rewrite of a pattern (exposed for tests).
    static std::string onigurumaCompatible(const std::string& pattern);

private:
    std::string pattern_;
    bool literal_ = false;
    struct Code;
    std::shared_ptr<const Code> code_;
};

}  // namespace sparsescope::tok
