#pragma once
// The tokenizer.json "pre_tokenizer": cuts normalized text into the words the BPE
// model sees, with the split semantics of Hugging Face's NormalizedString::split.
// Supported: ByteLevel (GPT-2 regex, add_prefix_space, use_regex), Split (String or
// Regex pattern, every behavior, invert), Metaspace (replacement, prepend_scheme
// first/always/never or the older add_prefix_space, split), Digits, Whitespace,
// WhitespaceSplit, Punctuation, Sequence and null.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/tokenizer/json_fields.h"
#include "core/tokenizer/regex.h"

namespace sparsescope::tok {

// A piece of the input on its way through the pipeline.
struct Piece {
    std::string text;
    int32_t addedId = -1;      // >= 0: an added token, final and left alone
    bool startsInput = false;  // begins at offset 0 of the original text (Metaspace "first")
};

enum class SplitBehavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous };

struct Segment {
    size_t begin, end;
    bool isMatch;
};

// Segments covering [0, length) given non-overlapping matches (HF Pattern::find_matches).
std::vector<Segment> segmentsFromMatches(size_t length, const std::vector<Span>& matches);

// The spans kept by `behavior` (HF NormalizedString::split), empty ones dropped.
std::vector<Span> applyBehavior(std::vector<Segment> segments, SplitBehavior behavior);

class PreTokenizer {
public:
    PreTokenizer();  // identity (pre_tokenizer: null)
    ~PreTokenizer();
    PreTokenizer(PreTokenizer&&) noexcept;
    PreTokenizer& operator=(PreTokenizer&&) noexcept;

    static PreTokenizer fromJson(const Json& j, const JsonCtx& ctx);

    // Splits every non-added piece further; added pieces pass through untouched.
    void apply(std::vector<Piece>& pieces) const;

    struct Step;  // one pre-tokenizer (defined in the .cpp)

private:
    void parseInto(const Json& j, const JsonCtx& ctx);
    std::vector<std::unique_ptr<const Step>> steps_;
};

// The GPT-2 pattern of the ByteLevel pre-tokenizer.
inline constexpr const char* kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

}  // namespace sparsescope::tok
