#pragma once
// The tokenizer.json "post_processor" for single sequences: TemplateProcessing
// (e.g. "single": [<s>, $A]), RobertaProcessing and BertProcessing (cls $A sep),
// ByteLevel (offsets only: nothing to do for ids), Sequence and null. The special
// ids are added only when the caller asks for special tokens.
#include <cstdint>
#include <optional>
#include <vector>

#include "core/tokenizer/json_fields.h"

namespace sparsescope::tok {

class PostProcessor {
public:
    PostProcessor() = default;  // adds nothing
    static PostProcessor fromJson(const Json& j, const JsonCtx& ctx);

    std::vector<int32_t> apply(std::vector<int32_t> ids, bool addSpecialTokens) const;

    // The first id a template puts before the text / the last it puts after it.
    std::optional<int32_t> leadingId() const;
    std::optional<int32_t> trailingId() const;

private:
    // One single-sequence template: ids before the input, ids after it.
    struct Template {
        std::vector<int32_t> before, after;
    };
    void parseInto(const Json& j, const JsonCtx& ctx);
    std::vector<Template> templates_;  // applied in order (a Sequence may hold several)
};

}  // namespace sparsescope::tok
