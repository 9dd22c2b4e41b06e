#pragma once
// The tokenizer.json "decoder": turns token strings back into text, as a chain of
// steps over the list of tokens (HF decode_chain), joined with "" at the end.
// Supported: ByteLevel, Metaspace, ByteFallback (<0xNN> -> bytes), Fuse, Strip,
// Replace, BPEDecoder (end-of-word suffix), Sequence and null (tokens joined by " ").
#include <string>
#include <vector>

#include "core/tokenizer/json_fields.h"
#include "core/tokenizer/regex.h"
#include "core/tokenizer/utf8.h"

namespace sparsescope::tok {

class Decoder {
public:
    Decoder() = default;  // decoder: null
    static Decoder fromJson(const Json& j, const JsonCtx& ctx);

    std::string decode(std::vector<std::string> tokens) const;

    // One vocabulary piece made readable on its own: the same steps, except that
    // Metaspace always shows the replacement as a space and Strip is skipped, so
    // "▁the" reads " the"; invalid UTF-8 shows as U+FFFD.
    std::string display(const std::string& token) const;

private:
    enum class Kind { ByteLevel, Metaspace, ByteFallback, Fuse, Strip, Replace, BpeSuffix };
    struct Step {
        Kind kind;
        std::string text;            // Metaspace: replacement; Strip: content; Replace: content; BpeSuffix: suffix
        std::vector<Regex> pattern;  // Replace
        bool dropFirst = false;      // Metaspace: prepend_scheme != never
        size_t start = 0, stop = 0;  // Strip
    };
    void parseInto(const Json& j, const JsonCtx& ctx);
    void run(std::vector<std::string>& tokens, bool forDisplay) const;

    std::vector<Step> steps_;
    bool present_ = false;
    ByteUnicodeMap bytes_;
};

}  // namespace sparsescope::tok
