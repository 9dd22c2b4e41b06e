#pragma once
// The BPE model of tokenizer.json ("model": {"type": "BPE", ...}) with Hugging Face
// semantics: a word starts as one symbol per character (unk / byte_fallback for
// characters outside the vocabulary), then the adjacent pair with the lowest merge
// rank is merged until none is left (a min-heap of candidate merges, O(n log n)).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/tokenizer/json_fields.h"

namespace sparsescope::tok {

// Words already tokenized during one encode() call (keeps the model immutable).
using WordCache = std::unordered_map<std::string, std::vector<int32_t>>;

class BpeModel {
public:
    // Parses and validates the "model" object: vocab, merges (strings "a b" or
    // pairs ["a","b"]) whose parts and concatenation must all be in the vocabulary.
    static BpeModel fromJson(const Json& model, const JsonCtx& ctx);

    // Appends the ids of one pre-tokenized word.
    void tokenize(std::string_view word, std::vector<int32_t>& out, WordCache* cache = nullptr) const;

    std::optional<int32_t> idOf(const std::string& token) const;
    const std::string* tokenOf(int32_t id) const;  // nullptr when unknown
    int32_t maxId() const { return maxId_; }
    bool byteFallback() const { return byteFallback_; }

private:
    struct MergeInfo {
        int32_t rank, newId;
    };
    static uint64_t pairKey(int32_t a, int32_t b) {
        return (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b);
    }
    std::vector<int32_t> mergeWord(std::string_view word) const;

    std::unordered_map<std::string, int32_t> vocab_;
    std::unordered_map<int32_t, std::string> vocabR_;
    std::unordered_map<uint64_t, MergeInfo> merges_;
    std::optional<std::string> unkToken_;
    std::string continuingSubwordPrefix_, endOfWordSuffix_;
    bool fuseUnk_ = false, byteFallback_ = false, ignoreMerges_ = false;
    int32_t maxId_ = -1;
};

}  // namespace sparsescope::tok
