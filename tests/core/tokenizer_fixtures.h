#pragma once
// Hand-built tokenizer.json documents for the tokenizer tests. The byte map below
// is GPT-2's bytes_to_unicode() transcribed from the original Python, kept apart
// from core/tokenizer so the tests do not reuse the code they check.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/tokenizer/tokenizer.h"

namespace fixtures {

using nlohmann::json;

inline std::string utf8(char32_t cp) {
    std::string s;
    if (cp < 0x80) {
        s += static_cast<char>(cp);
    } else if (cp < 0x800) {
        s += static_cast<char>(0xC0 | (cp >> 6));
        s += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        s += static_cast<char>(0xE0 | (cp >> 12));
        s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        s += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        s += static_cast<char>(0xF0 | (cp >> 18));
        s += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        s += static_cast<char>(0x80 | (cp & 0x3F));
    }
    return s;
}

// bs = list(range(ord("!"), ord("~")+1)) + list(range(ord("¡"), ord("¬")+1))
//      + list(range(ord("®"), ord("ÿ")+1)); cs = bs[:]; n = 0
// for b in range(256): if b not in bs: bs.append(b); cs.append(256 + n); n += 1
inline std::vector<std::string> gpt2ByteChars() {
    std::vector<int> bs, cs;
    for (int b = '!'; b <= '~'; ++b) bs.push_back(b);
    for (int b = 0xA1; b <= 0xAC; ++b) bs.push_back(b);
    for (int b = 0xAE; b <= 0xFF; ++b) bs.push_back(b);
    cs = bs;
    int n = 0;
    for (int b = 0; b < 256; ++b) {
        bool found = false;
        for (int x : bs) found = found || x == b;
        if (!found) {
            bs.push_back(b);
            cs.push_back(256 + n++);
        }
    }
    std::vector<std::string> out(256);
    for (size_t i = 0; i < bs.size(); ++i) out[bs[i]] = utf8(static_cast<char32_t>(cs[i]));
    return out;
}

// Byte-level vocabulary: id b is the map character of byte b; then each merge
// result gets the next id (256, 257, ...), in merge order.
struct ByteLevelSpec {
    std::vector<std::pair<std::string, std::string>> merges;  // in byte-level characters
    json added = json::array();
    json preTokenizer = {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true},
                         {"use_regex", true}};
    json postProcessor = nullptr;
    json normalizer = nullptr;
    bool mergesAsPairs = false;
    bool ignoreMerges = false;
};

inline json byteLevelJson(const ByteLevelSpec& spec) {
    const auto chars = gpt2ByteChars();
    json vocab = json::object();
    for (int b = 0; b < 256; ++b) vocab[chars[b]] = b;
    json merges = json::array();
    int next = 256;
    for (const auto& [a, b] : spec.merges) {
        if (!vocab.contains(a + b)) vocab[a + b] = next++;
        if (spec.mergesAsPairs) merges.push_back(json::array({a, b}));
        else merges.push_back(a + " " + b);
    }
    return {{"version", "1.0"},
            {"truncation", nullptr},
            {"padding", nullptr},
            {"added_tokens", spec.added},
            {"normalizer", spec.normalizer},
            {"pre_tokenizer", spec.preTokenizer},
            {"post_processor", spec.postProcessor},
            {"decoder", {{"type", "ByteLevel"}, {"add_prefix_space", true}, {"trim_offsets", true},
                         {"use_regex", true}}},
            {"model", {{"type", "BPE"}, {"dropout", nullptr}, {"unk_token", nullptr},
                       {"continuing_subword_prefix", nullptr}, {"end_of_word_suffix", nullptr},
                       {"fuse_unk", false}, {"byte_fallback", false}, {"ignore_merges", spec.ignoreMerges},
                       {"vocab", vocab}, {"merges", merges}}}};
}

inline json addedToken(int id, const std::string& content, bool special, bool normalized = false,
                       bool lstrip = false, bool rstrip = false, bool singleWord = false) {
    return {{"id", id}, {"content", content}, {"single_word", singleWord}, {"lstrip", lstrip},
            {"rstrip", rstrip}, {"normalized", normalized}, {"special", special}};
}

inline json bosTemplate(const std::string& bos, int id) {
    return {{"type", "TemplateProcessing"},
            {"single", json::array({{{"SpecialToken", {{"id", bos}, {"type_id", 0}}}},
                                    {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}})},
            {"pair", json::array({{{"Sequence", {{"id", "A"}, {"type_id", 0}}}},
                                  {{"Sequence", {{"id", "B"}, {"type_id", 1}}}}})},
            {"special_tokens", {{bos, {{"id", bos}, {"ids", json::array({id})}, {"tokens", json::array({bos})}}}}}};
}

// Llama-2 style: <unk>=0 <s>=1 </s>=2, <0x00>..<0xFF> = 3..258, "▁"=259, then
// single characters and merge results in the order given.
struct MetaspaceSpec {
    std::vector<std::string> chars;                           // ids 260, 261, ...
    std::vector<std::pair<std::string, std::string>> merges;  // results get the next ids
    bool byteFallback = true;
    bool fuseUnk = false;
    json normalizer = {{"type", "Sequence"},
                       {"normalizers", json::array({{{"type", "Prepend"}, {"prepend", "\u2581"}},
                                                    {{"type", "Replace"},
                                                     {"pattern", {{"String", " "}}},
                                                     {"content", "\u2581"}}})}};
    json preTokenizer = nullptr;
    json decoder = {{"type", "Sequence"},
                    {"decoders", json::array({{{"type", "Replace"}, {"pattern", {{"String", "\u2581"}}}, {"content", " "}},
                                              {{"type", "ByteFallback"}},
                                              {{"type", "Fuse"}},
                                              {{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 0}}})}};
    json postProcessor = bosTemplate("<s>", 1);
};

inline json metaspaceJson(const MetaspaceSpec& spec) {
    json vocab = {{"<unk>", 0}, {"<s>", 1}, {"</s>", 2}};
    const char* hex = "0123456789ABCDEF";
    for (int b = 0; b < 256; ++b) vocab[std::string("<0x") + hex[b >> 4] + hex[b & 15] + ">"] = 3 + b;
    vocab["\u2581"] = 259;
    int next = 260;
    for (const auto& c : spec.chars) vocab[c] = next++;
    json merges = json::array();
    for (const auto& [a, b] : spec.merges) {
        if (!vocab.contains(a + b)) vocab[a + b] = next++;
        merges.push_back(a + " " + b);
    }
    return {{"version", "1.0"},
            {"added_tokens", json::array({addedToken(0, "<unk>", true), addedToken(1, "<s>", true),
                                          addedToken(2, "</s>", true)})},
            {"normalizer", spec.normalizer},
            {"pre_tokenizer", spec.preTokenizer},
            {"post_processor", spec.postProcessor},
            {"decoder", spec.decoder},
            {"model", {{"type", "BPE"}, {"dropout", nullptr}, {"unk_token", "<unk>"},
                       {"continuing_subword_prefix", nullptr}, {"end_of_word_suffix", nullptr},
                       {"fuse_unk", spec.fuseUnk}, {"byte_fallback", spec.byteFallback},
                       {"vocab", vocab}, {"merges", merges}}}};
}

// The Split patterns of Llama-3 and Qwen2 tokenizer.json files (kept here: moc
// misreads the apostrophes of a raw string in a .cpp with Q_OBJECT).
inline const char* const kLlama3Pattern =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
inline const char* const kQwen2Pattern =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

inline sparsescope::Tokenizer load(const json& j) { return sparsescope::Tokenizer::fromJson(j.dump(), "<test>"); }

}  // namespace fixtures
