#pragma once
// Small readers for tokenizer.json objects that turn every shape problem into
// Error(source, "field.path", "what was expected"), so a broken file names the
// exact field instead of failing deep inside nlohmann::json.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "core/common/error.h"
#include "core/tokenizer/regex.h"

namespace sparsescope::tok {

using Json = nlohmann::json;

struct JsonCtx {
    const std::string& source;  // file path or "<input>"
    std::string path;           // dotted field path, e.g. "pre_tokenizer.pretokenizers[1]"

    JsonCtx child(const std::string& key) const { return {source, path.empty() ? key : path + "." + key}; }
    JsonCtx item(size_t i) const { return {source, path + "[" + std::to_string(i) + "]"}; }
    [[noreturn]] void fail(const std::string& problem) const { throw Error(source, path, problem); }
};

inline const Json& requireObject(const Json& j, const JsonCtx& ctx) {
    if (!j.is_object()) ctx.fail("expected a JSON object");
    return j;
}

inline const Json& requireField(const Json& obj, const char* key, const JsonCtx& ctx) {
    requireObject(obj, ctx);
    const auto it = obj.find(key);
    if (it == obj.end()) ctx.child(key).fail("missing");
    return *it;
}

inline std::string requireString(const Json& obj, const char* key, const JsonCtx& ctx) {
    const Json& v = requireField(obj, key, ctx);
    if (!v.is_string()) ctx.child(key).fail("expected a string");
    return v.get<std::string>();
}

// Absent or null gives `fallback`; anything but a boolean is an error.
inline bool optionalBool(const Json& obj, const char* key, bool fallback, const JsonCtx& ctx) {
    const auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return fallback;
    if (!it->is_boolean()) ctx.child(key).fail("expected true or false");
    return it->get<bool>();
}

inline std::string optionalString(const Json& obj, const char* key, const std::string& fallback,
                                  const JsonCtx& ctx) {
    const auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return fallback;
    if (!it->is_string()) ctx.child(key).fail("expected a string");
    return it->get<std::string>();
}

inline int64_t requireInteger(const Json& v, const JsonCtx& ctx, int64_t lo, int64_t hi) {
    if (!v.is_number_integer()) ctx.fail("expected an integer");
    const int64_t x = v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)
                          ? INT64_MAX
                          : v.get<int64_t>();
    if (x < lo || x > hi)
        ctx.fail("value " + std::to_string(x) + " outside [" + std::to_string(lo) + ", " +
                 std::to_string(hi) + "]");
    return x;
}

inline const Json& requireArray(const Json& obj, const char* key, const JsonCtx& ctx) {
    const Json& v = requireField(obj, key, ctx);
    if (!v.is_array()) ctx.child(key).fail("expected an array");
    return v;
}

// A Split/Replace pattern: {"String": "literal"} or {"Regex": "pattern"}.
inline Regex parsePattern(const Json& obj, const char* key, const JsonCtx& ctx) {
    const Json& p = requireField(obj, key, ctx);
    const JsonCtx pc = ctx.child(key);
    requireObject(p, pc);
    if (p.contains("String")) return Regex(requireString(p, "String", pc), true, ctx.source, pc.path);
    if (p.contains("Regex")) return Regex(requireString(p, "Regex", pc), false, ctx.source, pc.path);
    pc.fail("expected {\"String\": ...} or {\"Regex\": ...}");
}

// The "type" tag every component object carries.
inline std::string typeOf(const Json& obj, const JsonCtx& ctx) { return requireString(obj, "type", ctx); }

}  // namespace sparsescope::tok
