#pragma once
// The "added_tokens" of tokenizer.json (special tokens like <|endoftext|> and plain
// added tokens). They are cut out of the text before anything else, as in Hugging
// Face's AddedVocabulary: tokens with normalized=false are matched in the raw text,
// those with normalized=true in the normalized text (against their own normalized
// content); leftmost-longest matching; single_word, lstrip and rstrip honoured.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/tokenizer/json_fields.h"
#include "core/tokenizer/pre_tokenizer.h"

namespace sparsescope::tok {

class Normalizer;

struct AddedToken {
    int32_t id = -1;
    std::string content;
    bool singleWord = false, lstrip = false, rstrip = false, normalized = true, special = false;
};

class AddedVocabulary {
public:
    AddedVocabulary() = default;
    // `normalizer` produces the patterns of normalized=true tokens.
    static AddedVocabulary fromJson(const Json& list, const JsonCtx& ctx, const Normalizer& normalizer);

    // Cuts the matching added tokens out of every free piece (normalizedStage picks
    // the normalized=true set, else the normalized=false set).
    void split(std::vector<Piece>& pieces, bool normalizedStage) const;

    const AddedToken* byId(int32_t id) const;
    std::optional<int32_t> idOf(const std::string& content) const;
    bool isSpecial(int32_t id) const;
    int32_t maxId() const { return maxId_; }
    const std::vector<AddedToken>& tokens() const { return tokens_; }

private:
    // Patterns bucketed by first byte, longest first, for leftmost-longest search.
    struct MatchSet {
        std::vector<std::string> patterns;
        std::vector<size_t> token;  // index into tokens_
        std::array<std::vector<uint32_t>, 256> byFirstByte;
        bool empty() const { return patterns.empty(); }
    };
    void addPattern(MatchSet& set, std::string pattern, size_t tokenIndex);
    void splitOne(const Piece& piece, const MatchSet& set, std::vector<Piece>& out) const;
    bool isWordChar(const std::string& s, size_t pos) const;

    std::vector<AddedToken> tokens_;
    std::unordered_map<int32_t, size_t> byId_;
    std::unordered_map<std::string, int32_t> byContent_;
    MatchSet raw_, normalized_;
    std::vector<Regex> wordChar_;  // compiled only when a token is single_word
    int32_t maxId_ = -1;
};

}  // namespace sparsescope::tok
