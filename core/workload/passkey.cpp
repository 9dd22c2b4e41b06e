#include "core/workload/passkey.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

#include "core/common/error.h"
#include "core/workload/splitmix64.h"

namespace sparsescope {

namespace {
constexpr int kFirstKey = 1000;
constexpr int kKeyCount = 9000;  // 1000..9999
constexpr uint64_t kFiveDigitSpan = 90000;  // 10000..99999
}  // namespace

int passkeyNeedleUnit(int fillerUnits, double depth) {
    if (fillerUnits < 0 || fillerUnits > kMaxFillerUnits)
        throw Error("<input>", "fillerUnits",
                    "must be in 0.." + std::to_string(kMaxFillerUnits) + ", got " +
                        std::to_string(fillerUnits));
    if (std::isnan(depth)) throw Error("<input>", "depth", "must be a number in [0, 1], got NaN");
    const double d = std::clamp(depth, 0.0, 1.0);
    // d * F <= 1e6, so lround cannot overflow; the result is in [0, F].
    return static_cast<int>(std::lround(d * fillerUnits));
}

PasskeyTask makePasskeyTask(int fillerUnits, double depth, uint64_t seed) {
    const int needleUnit = passkeyNeedleUnit(fillerUnits, depth);  // validates both

    PasskeyTask t;
    t.fillerUnits = fillerUnits;
    t.depth = std::clamp(depth, 0.0, 1.0);
    TaskSplitMix64 rng(seed);
    t.passkey = 10000 + static_cast<int64_t>(rng.below(kFiveDigitSpan));

    const std::string k = std::to_string(t.passkey);
    const std::string needle = "The pass key is " + k + ". Remember it. " + k + " is the pass key.\n";
    const size_t unitLen = std::strlen(kPasskeyFillerUnit);

    std::string& p = t.prompt;
    p.reserve(std::strlen(kPasskeyPrefix) + unitLen * static_cast<size_t>(fillerUnits) +
              needle.size() + std::strlen(kPasskeyQuestion));
    p += kPasskeyPrefix;
    for (int u = 0; u <= fillerUnits; ++u) {
        if (u == needleUnit) {
            t.needleByteOffset = p.size();
            p += needle;
        }
        if (u < fillerUnits) p += kPasskeyFillerUnit;
    }
    p += kPasskeyQuestion;
    t.answer.push_back(' ');  // not " " + k: GCC 12 -Wrestrict false positive (PR 105329)
    t.answer += k;
    t.text = t.prompt + t.answer;
    return t;
}

KeyValueTask makeKeyValueTask(int pairs, int queryIndex, uint64_t seed) {
    if (pairs < 1 || pairs > kKeyCount)
        throw Error("<input>", "pairs",
                    "must be in 1.." + std::to_string(kKeyCount) +
                        " (distinct 4-digit keys), got " + std::to_string(pairs));
    if (queryIndex < 0 || queryIndex >= pairs)
        throw Error("<input>", "queryIndex",
                    "must be in 0.." + std::to_string(pairs - 1) + ", got " +
                        std::to_string(queryIndex));

    KeyValueTask t;
    t.queryIndex = queryIndex;
    TaskSplitMix64 rng(seed);

    // Partial Fisher-Yates: the first `pairs` entries become a uniform sample of
    // distinct keys in random order, with a bounded number of draws.
    std::vector<int> pool(kKeyCount);
    std::iota(pool.begin(), pool.end(), kFirstKey);
    for (int i = 0; i < pairs; ++i) {
        const auto j = static_cast<size_t>(i) + rng.below(static_cast<uint64_t>(kKeyCount - i));
        std::swap(pool[static_cast<size_t>(i)], pool[j]);
    }
    t.keys.assign(pool.begin(), pool.begin() + pairs);
    t.values.resize(static_cast<size_t>(pairs));
    for (auto& v : t.values) v = 10000 + static_cast<int>(rng.below(kFiveDigitSpan));

    std::string& p = t.prompt;
    p.reserve(static_cast<size_t>(pairs) * 22 + 48);
    for (int i = 0; i < pairs; ++i) {
        if (i == queryIndex) t.queryLineByteOffset = p.size();
        const auto idx = static_cast<size_t>(i);
        p += "key " + std::to_string(t.keys[idx]) + ": value " + std::to_string(t.values[idx]) + "\n";
    }
    const auto q = static_cast<size_t>(queryIndex);
    p += "What is the value of key " + std::to_string(t.keys[q]) + "? The value is";
    t.answer.push_back(' ');
    t.answer += std::to_string(t.values[q]);
    t.text = t.prompt + t.answer;
    return t;
}

}  // namespace sparsescope
