#include "core/tokenizer/post_processor.h"

namespace sparsescope::tok {

PostProcessor PostProcessor::fromJson(const Json& j, const JsonCtx& ctx) {
    PostProcessor p;
    if (!j.is_null()) p.parseInto(j, ctx);
    return p;
}

namespace {

// RobertaProcessing / BertProcessing store ["token", id].
int32_t tokenPairId(const Json& j, const char* key, const JsonCtx& ctx) {
    const Json& v = requireField(j, key, ctx);
    if (!v.is_array() || v.size() != 2 || !v[0].is_string())
        ctx.child(key).fail("expected [\"token\", id]");
    return static_cast<int32_t>(requireInteger(v[1], ctx.child(key).item(1), 0, INT32_MAX - 1));
}

}  // namespace

void PostProcessor::parseInto(const Json& j, const JsonCtx& ctx) {
    const std::string type = typeOf(j, ctx);
    if (type == "Sequence") {
        const Json& list = requireArray(j, "processors", ctx);
        for (size_t i = 0; i < list.size(); ++i) parseInto(list[i], ctx.child("processors").item(i));
    } else if (type == "ByteLevel") {
        // Only trims offsets; ids are unchanged.
    } else if (type == "RobertaProcessing" || type == "BertProcessing") {
        templates_.push_back({{tokenPairId(j, "cls", ctx)}, {tokenPairId(j, "sep", ctx)}});
    } else if (type == "TemplateProcessing") {
        const Json& single = requireArray(j, "single", ctx);
        const Json& specials = requireField(j, "special_tokens", ctx);
        const JsonCtx sctx = ctx.child("special_tokens");
        requireObject(specials, sctx);
        Template t;
        bool seenInput = false;
        for (size_t i = 0; i < single.size(); ++i) {
            const JsonCtx ic = ctx.child("single").item(i);
            const Json& piece = single[i];
            requireObject(piece, ic);
            if (piece.contains("Sequence")) {
                if (seenInput) ic.fail("a single-sequence template may hold the input only once");
                seenInput = true;
            } else if (piece.contains("SpecialToken")) {
                const std::string name = requireString(piece["SpecialToken"], "id", ic.child("SpecialToken"));
                if (!specials.contains(name)) sctx.fail("no entry for special token '" + name + "' used by the template");
                const JsonCtx nc = sctx.child(name);
                const Json& ids = requireArray(specials[name], "ids", nc);
                for (size_t k = 0; k < ids.size(); ++k) {
                    const auto id = static_cast<int32_t>(requireInteger(ids[k], nc.child("ids").item(k), 0, INT32_MAX - 1));
                    (seenInput ? t.after : t.before).push_back(id);
                }
            } else {
                ic.fail("expected {\"SpecialToken\": ...} or {\"Sequence\": ...}");
            }
        }
        if (!seenInput) ctx.child("single").fail("the template never places the input ($A)");
        templates_.push_back(std::move(t));
    } else {
        ctx.child("type").fail("unsupported post_processor '" + type +
                               "' (supported: TemplateProcessing, RobertaProcessing, BertProcessing, "
                               "ByteLevel, Sequence)");
    }
}

std::vector<int32_t> PostProcessor::apply(std::vector<int32_t> ids, bool addSpecialTokens) const {
    if (!addSpecialTokens) return ids;
    for (const Template& t : templates_) {
        std::vector<int32_t> out;
        out.reserve(t.before.size() + ids.size() + t.after.size());
        out.insert(out.end(), t.before.begin(), t.before.end());
        out.insert(out.end(), ids.begin(), ids.end());
        out.insert(out.end(), t.after.begin(), t.after.end());
        ids = std::move(out);
    }
    return ids;
}

std::optional<int32_t> PostProcessor::leadingId() const {
    // Later templates wrap earlier ones, so the outermost is the last one.
    for (auto it = templates_.rbegin(); it != templates_.rend(); ++it)
        if (!it->before.empty()) return it->before.front();
    return std::nullopt;
}

std::optional<int32_t> PostProcessor::trailingId() const {
    for (auto it = templates_.rbegin(); it != templates_.rend(); ++it)
        if (!it->after.empty()) return it->after.back();
    return std::nullopt;
}

}  // namespace sparsescope::tok
