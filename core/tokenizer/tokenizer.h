#pragma once
// A Hugging Face tokenizer.json (BPE model) with the semantics of the `tokenizers`
// library, so ids match the reference exactly:
//   text -> U+FFFD for invalid UTF-8 -> added tokens cut out -> normalizer ->
//   pre-tokenizer -> BPE -> post-processor (BOS/EOS template).
// Supported components are listed in normalizer.h, pre_tokenizer.h, bpe_model.h,
// post_processor.h and decoder.h; anything else is refused with an Error naming the
// file, the field and the unsupported type. Not modelled: truncation and padding
// (ignored), BPE dropout (encoding is the deterministic dropout-free result).
//
// A Tokenizer is immutable after loading: copies share state and every method is
// safe to call from several threads at once.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sparsescope {

class Tokenizer {
public:
    // Loads tokenizer.json; throws Error(path, field, problem).
    static Tokenizer fromFile(const std::string& tokenizerJsonPath);
    // Parses tokenizer.json text; `sourceName` is used as the Error source.
    static Tokenizer fromJson(const std::string& jsonText, const std::string& sourceName);

    // Token ids of `text`. With addSpecialTokens the post-processor adds its
    // template's special tokens (e.g. BOS). Added-token strings in the text
    // ("<|endoftext|>") always become their single id. Empty text gives no ids
    // (plus what the template adds).
    std::vector<int32_t> encode(std::string_view text, bool addSpecialTokens = true) const;

    // Text of `ids` through the decoder. Unknown ids are skipped, as HF does;
    // skipSpecial drops special added tokens.
    std::string decode(const std::vector<int32_t>& ids, bool skipSpecial = false) const;

    // Readable text of one token for display: bytes decoded, '▁' shown as ' ',
    // "<0xNN>" as its byte, invalid UTF-8 as U+FFFD, added tokens verbatim.
    // Empty for an unknown id.
    std::string tokenText(int32_t id) const;

    // The raw vocabulary string of an id (nullopt when unknown).
    std::optional<std::string> tokenString(int32_t id) const;

    // 1 + the largest id of the model vocabulary and the added tokens (the row
    // count an embedding matrix needs).
    int32_t vocabSize() const;
    std::optional<int32_t> idOf(const std::string& token) const;
    bool isSpecial(int32_t id) const;

    // BOS: the first special token the post-processor template puts before the
    // text; else a special added token with a usual BOS spelling (<s>,
    // <|begin_of_text|>, <bos>, <|startoftext|>, <|endoftext|>).
    std::optional<int32_t> bosId() const;
    // EOS: the last special token the template puts after the text; else </s>,
    // <|end_of_text|>, <eos>, <|endoftext|>, <|im_end|>, <|eot_id|> when present.
    std::optional<int32_t> eosId() const;

    // Whether encode() would prepend the BOS id when asked for special tokens.
    bool addsBos() const;

    struct Impl;

private:
    explicit Tokenizer(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
    std::shared_ptr<const Impl> impl_;
};

}  // namespace sparsescope
