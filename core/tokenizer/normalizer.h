#pragma once
// The tokenizer.json "normalizer": a flat list of steps applied in order to each
// piece of text that is not an added token (a "Sequence" is flattened).
// Supported: NFC, NFD, Prepend, Replace (String or Regex), Strip, ByteLevel, Sequence
// and null. Anything else (NFKC, Lowercase, BertNormalizer, Precompiled, ...) is
// refused with Error(source, "normalizer...type", ...), never silently skipped.
#include <string>
#include <string_view>
#include <vector>

#include "core/tokenizer/json_fields.h"
#include "core/tokenizer/regex.h"
#include "core/tokenizer/utf8.h"

namespace sparsescope::tok {

class Normalizer {
public:
    Normalizer() = default;  // identity (normalizer: null)
    static Normalizer fromJson(const Json& j, const JsonCtx& ctx);

    std::string apply(std::string_view text) const;
    bool isIdentity() const { return steps_.empty(); }

private:
    enum class Kind { Nfc, Nfd, Prepend, Replace, Strip, ByteLevel };
    struct Step {
        Kind kind;
        std::string text;             // Prepend: prefix; Replace: content
        std::vector<Regex> pattern;   // Replace: exactly one
        bool left = false, right = false;  // Strip
    };
    void parseInto(const Json& j, const JsonCtx& ctx);

    std::vector<Step> steps_;
    ByteUnicodeMap bytes_;
};

// Replaces every (Oniguruma-style, non-overlapping) match of `pattern` by `content`.
std::string replaceAll(std::string_view text, const Regex& pattern, const std::string& content);

}  // namespace sparsescope::tok
