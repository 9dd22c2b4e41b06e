#pragma once
// Synthetic long-range retrieval tasks whose answer is known, so the accuracy cost
// of a sparse pattern can be measured as "was the fact still retrieved?".
//
// Passkey retrieval (Mohtashami & Jaggi 2023, "Landmark Attention", the format
// shared with the Python training data, see TEAM.md):
//
//   prompt = PREFIX + F filler units, with NEEDLE inserted before unit round(depth*F)
//            + QUESTION                         (the prompt ends after "The pass key is")
//   answer = " K"                               (K: 5 digits, 10000..99999)
//   text   = prompt + answer                    (what is fed with teacher forcing)
//
// One filler unit is 90 bytes of ASCII and about 25 pre-tokens with a GPT-2 style
// byte-level BPE (each word and each "." is its own pre-token), so it is at least
// ~25 tokens: F = 60 already gives > 1500 tokens of filler. Converting a token
// budget into F is the tokenizer's job, not this file's.
//
// Rounding: round(x) here is half away from zero (std::lround). Python's round()
// rounds half to even, so the Python twin uses floor(x + 0.5) (x >= 0).
//
// Key-value retrieval (after Liu et al. 2023, "Lost in the Middle", in plain text):
//
//   prompt = "key 4821: value 77310\n" x pairs
//            + "What is the value of key 4821? The value is"
//   answer = " 77310"
//
// Keys are distinct 4-digit numbers (1000..9999), values 5-digit (10000..99999).
//
// Both generators draw from TaskSplitMix64(seed) only (splitmix64.h), so a seed gives the
// same task on every platform and in tools/workload_gen.py:
//   passkey:  K = 10000 + next() % 90000
//   keyvalue: keys by a partial Fisher-Yates shuffle of [1000, 1001, ..., 9999]:
//             for i in 0..pairs-1: j = i + next() % (9000 - i); swap(pool[i], pool[j]);
//             key[i] = pool[i]; then for i in 0..pairs-1: value[i] = 10000 + next() % 90000.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace sparsescope {

struct PasskeyTask {
    std::string prompt;      // ends with "The pass key is"
    std::string answer;      // " K"
    std::string text;        // prompt + answer
    int64_t passkey = 0;     // K
    int fillerUnits = 0;     // F
    double depth = 0.0;      // after clamping to [0, 1]
    size_t needleByteOffset = 0;  // byte offset of the needle sentence in prompt and text
};

// The fixed pieces of the passkey format (exposed so tests and tools can check them).
inline constexpr const char* kPasskeyPrefix =
    "There is an important info hidden inside a lot of irrelevant text. Find it and "
    "memorize it. I will quiz you about the important information there.\n";
inline constexpr const char* kPasskeyFillerUnit =
    "The grass is green. The sky is blue. The sun is yellow. Here we go. There and back again.\n";
inline constexpr const char* kPasskeyQuestion = "What is the pass key? The pass key is";

// Upper limits that keep a typo from allocating gigabytes (both ~100 MB of text).
inline constexpr int kMaxFillerUnits = 1'000'000;

// fillerUnits in [0, kMaxFillerUnits]; depth is clamped to [0, 1] (NaN is refused).
// Throws Error("<input>", "fillerUnits" | "depth", ...) on invalid arguments.
PasskeyTask makePasskeyTask(int fillerUnits, double depth, uint64_t seed);

// The filler unit index before which the needle goes: round(depth * F), depth clamped.
int passkeyNeedleUnit(int fillerUnits, double depth);

struct KeyValueTask {
    std::string prompt;       // ends with "The value is"
    std::string answer;       // " value"
    std::string text;         // prompt + answer
    std::vector<int> keys;    // in line order, distinct, 1000..9999
    std::vector<int> values;  // in line order, 10000..99999
    int queryIndex = 0;       // which line is asked about
    size_t queryLineByteOffset = 0;  // byte offset of the queried "key ...: value ...\n" line
};

// pairs in [1, 9000] (there are 9000 distinct 4-digit keys); queryIndex in [0, pairs).
// Throws Error("<input>", "pairs" | "queryIndex", ...) otherwise.
KeyValueTask makeKeyValueTask(int pairs, int queryIndex, uint64_t seed);

}  // namespace sparsescope
