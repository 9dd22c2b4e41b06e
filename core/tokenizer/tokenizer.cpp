#include "core/tokenizer/tokenizer.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "core/common/error.h"
#include "core/tokenizer/added_vocabulary.h"
#include "core/tokenizer/bpe_model.h"
#include "core/tokenizer/decoder.h"
#include "core/tokenizer/normalizer.h"
#include "core/tokenizer/post_processor.h"
#include "core/tokenizer/pre_tokenizer.h"
#include "core/tokenizer/utf8.h"

namespace sparsescope {

using tok::Json;
using tok::JsonCtx;

struct Tokenizer::Impl {
    std::string source;
    tok::BpeModel model;
    tok::Normalizer normalizer;
    tok::AddedVocabulary added;
    tok::PreTokenizer preTokenizer;
    tok::PostProcessor post;
    tok::Decoder decoder;
};

namespace {

Json fieldOrNull(const Json& root, const char* key) {
    const auto it = root.find(key);
    return it == root.end() ? Json() : *it;
}

std::optional<int32_t> firstSpecialNamed(const tok::AddedVocabulary& added,
                                         std::initializer_list<const char*> names) {
    for (const char* n : names)
        if (const auto id = added.idOf(n); id && added.isSpecial(*id)) return id;
    return std::nullopt;
}

}  // namespace

Tokenizer Tokenizer::fromFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(path, "", "cannot open the tokenizer file");
    std::ostringstream ss;
    ss << in.rdbuf();
    if (in.bad()) throw Error(path, "", "read error");
    return fromJson(ss.str(), path);
}

Tokenizer Tokenizer::fromJson(const std::string& jsonText, const std::string& sourceName) {
    Json root;
    try {
        root = Json::parse(jsonText);
    } catch (const Json::parse_error& e) {
        throw Error(sourceName, "", std::string("not valid JSON: ") + e.what());
    }
    const JsonCtx ctx{sourceName, ""};
    if (!root.is_object()) ctx.fail("expected a JSON object at the top level (a tokenizer.json)");

    auto impl = std::make_shared<Impl>();
    impl->source = sourceName;

    // The model first, so an unsupported model type is the error a user sees.
    const auto modelIt = root.find("model");
    if (modelIt == root.end() || modelIt->is_null()) ctx.child("model").fail("missing");
    const JsonCtx mctx = ctx.child("model");
    tok::requireObject(*modelIt, mctx);
    std::string type = tok::optionalString(*modelIt, "type", "", mctx);
    if (type.empty() && modelIt->contains("merges")) type = "BPE";  // files before the "type" tag
    if (type != "BPE")
        mctx.child("type").fail("unsupported tokenizer model '" + (type.empty() ? "(none)" : type) +
                                "'; only BPE is supported (not WordPiece, Unigram or WordLevel)");
    impl->model = tok::BpeModel::fromJson(*modelIt, mctx);

    impl->normalizer = tok::Normalizer::fromJson(fieldOrNull(root, "normalizer"), ctx.child("normalizer"));
    impl->added = tok::AddedVocabulary::fromJson(fieldOrNull(root, "added_tokens"), ctx.child("added_tokens"),
                                                 impl->normalizer);
    impl->preTokenizer =
        tok::PreTokenizer::fromJson(fieldOrNull(root, "pre_tokenizer"), ctx.child("pre_tokenizer"));
    impl->post = tok::PostProcessor::fromJson(fieldOrNull(root, "post_processor"), ctx.child("post_processor"));
    impl->decoder = tok::Decoder::fromJson(fieldOrNull(root, "decoder"), ctx.child("decoder"));
    return Tokenizer(std::move(impl));
}

std::vector<int32_t> Tokenizer::encode(std::string_view text, bool addSpecialTokens) const {
    const Impl& t = *impl_;
    std::vector<tok::Piece> pieces;
    std::string clean = tok::sanitizeUtf8(text);
    if (!clean.empty()) pieces.push_back({std::move(clean), -1, true});

    // HF order: non-normalized added tokens on the raw text, then each remaining
    // piece is normalized and searched for the normalized added tokens.
    t.added.split(pieces, false);
    if (!t.normalizer.isIdentity())
        for (tok::Piece& p : pieces)
            if (p.addedId < 0) p.text = t.normalizer.apply(p.text);
    t.added.split(pieces, true);
    t.preTokenizer.apply(pieces);

    std::vector<int32_t> ids;
    ids.reserve(text.size() / 3 + 4);
    tok::WordCache cache;
    for (const tok::Piece& p : pieces) {
        if (p.addedId >= 0) ids.push_back(p.addedId);
        else t.model.tokenize(p.text, ids, &cache);
    }
    return t.post.apply(std::move(ids), addSpecialTokens);
}

std::optional<std::string> Tokenizer::tokenString(int32_t id) const {
    if (const tok::AddedToken* a = impl_->added.byId(id)) return a->content;
    if (const std::string* s = impl_->model.tokenOf(id)) return *s;
    return std::nullopt;
}

std::string Tokenizer::decode(const std::vector<int32_t>& ids, bool skipSpecial) const {
    std::vector<std::string> tokens;
    tokens.reserve(ids.size());
    for (int32_t id : ids) {
        std::optional<std::string> s = tokenString(id);
        if (!s) continue;
        // HF asks whether the token *string* is a special token.
        if (skipSpecial) {
            const auto aid = impl_->added.idOf(*s);
            if (aid && impl_->added.isSpecial(*aid)) continue;
        }
        tokens.push_back(std::move(*s));
    }
    return impl_->decoder.decode(std::move(tokens));
}

std::string Tokenizer::tokenText(int32_t id) const {
    if (const tok::AddedToken* a = impl_->added.byId(id)) return a->content;
    const std::string* s = impl_->model.tokenOf(id);
    return s ? impl_->decoder.display(*s) : std::string();
}

int32_t Tokenizer::vocabSize() const {
    return std::max(impl_->model.maxId(), impl_->added.maxId()) + 1;
}

std::optional<int32_t> Tokenizer::idOf(const std::string& token) const {
    if (auto id = impl_->added.idOf(token)) return id;
    return impl_->model.idOf(token);
}

bool Tokenizer::isSpecial(int32_t id) const { return impl_->added.isSpecial(id); }

std::optional<int32_t> Tokenizer::bosId() const {
    if (auto id = impl_->post.leadingId()) return id;
    return firstSpecialNamed(impl_->added,
                             {"<s>", "<|begin_of_text|>", "<bos>", "<|startoftext|>", "<|endoftext|>"});
}

std::optional<int32_t> Tokenizer::eosId() const {
    if (auto id = impl_->post.trailingId()) return id;
    return firstSpecialNamed(impl_->added,
                             {"</s>", "<|end_of_text|>", "<eos>", "<|endoftext|>", "<|im_end|>", "<|eot_id|>"});
}

bool Tokenizer::addsBos() const { return impl_->post.leadingId().has_value(); }

}  // namespace sparsescope
