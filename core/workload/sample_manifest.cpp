#include "core/workload/sample_manifest.h"

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/common/error.h"
#include "core/workload/passkey.h"

namespace sparsescope {

namespace {

using nlohmann::json;
namespace fs = std::filesystem;

// Samples are a few tens of kB; anything far larger is not a sample file.
constexpr std::uintmax_t kMaxSampleBytes = std::uintmax_t{64} << 20;
constexpr std::uintmax_t kMaxManifestBytes = std::uintmax_t{4} << 20;

std::string readWholeFile(const std::string& path, const std::string& field, std::uintmax_t maxBytes) {
    std::error_code ec;
    const auto status = fs::status(path, ec);
    if (ec || !fs::exists(status)) throw Error(path, field, "file not found");
    if (!fs::is_regular_file(status)) throw Error(path, field, "not a regular file");
    const auto size = fs::file_size(path, ec);
    if (ec) throw Error(path, field, "cannot read the file size: " + ec.message());
    if (size > maxBytes)
        throw Error(path, field, "file is " + std::to_string(size) + " bytes, more than the " +
                                     std::to_string(maxBytes) + " allowed");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(path, field, "cannot open the file");
    std::ostringstream buf;
    buf << in.rdbuf();
    if (in.bad()) throw Error(path, field, "read error");
    return buf.str();
}

// "[i]", built by appending: "[" + std::to_string(i) trips a GCC 12 -Wrestrict false
// positive (PR 105329) at -O3.
std::string indexField(size_t i) {
    std::string out = "[";
    out += std::to_string(i);
    out += ']';
    return out;
}

class EntryReader {
public:
    EntryReader(const std::string& path, const json& entry, size_t index)
        : path_(path), entry_(entry), prefix_(indexField(index)) {}

    std::string field(const std::string& name) const { return prefix_ + "." + name; }

    std::string requiredString(const std::string& name) const {
        const auto it = entry_.find(name);
        if (it == entry_.end()) throw Error(path_, field(name), "missing (expected a non-empty string)");
        if (!it->is_string()) throw Error(path_, field(name), "expected a string, got " + std::string(it->type_name()));
        auto s = it->get<std::string>();
        if (s.empty()) throw Error(path_, field(name), "must not be empty");
        return s;
    }

private:
    const std::string& path_;
    const json& entry_;
    std::string prefix_;
};

// A manifest must not point outside the samples folder: relative, no "..".
void checkRelativePath(const std::string& path, const std::string& field, const std::string& file) {
    const fs::path p(file);
    bool bad = p.has_root_path() || p.has_root_name() || file.find('\\') != std::string::npos;
    for (const auto& part : p) bad = bad || part == "..";
    if (bad) throw Error(path, field, "must be a relative path inside the samples folder without \"..\", got \"" + file + "\"");
}

int intInRange(const std::string& path, const std::string& field, const json& v, int64_t lo, int64_t hi) {
    if (!v.is_number_integer())
        throw Error(path, field, "expected an integer in " + std::to_string(lo) + ".." + std::to_string(hi) +
                                     ", got " + v.dump());
    // Both signed and unsigned JSON integers compare correctly after this branch.
    const bool tooBig = v.is_number_unsigned() ? v.get<uint64_t>() > static_cast<uint64_t>(hi)
                                               : v.get<int64_t>() > hi;
    const bool tooSmall = !v.is_number_unsigned() && v.get<int64_t>() < lo;
    if (tooBig || tooSmall)
        throw Error(path, field, "expected an integer in " + std::to_string(lo) + ".." + std::to_string(hi) +
                                     ", got " + v.dump());
    return static_cast<int>(v.get<int64_t>());
}

SampleGenerator parseGenerator(const std::string& path, const std::string& field, const json& g) {
    if (!g.is_object()) throw Error(path, field, "expected an object, got " + std::string(g.type_name()));
    SampleGenerator gen;
    const auto need = [&](const char* key) -> const json& {
        const auto it = g.find(key);
        if (it == g.end()) throw Error(path, field + "." + key, "missing");
        return *it;
    };
    const json& type = need("type");
    if (!type.is_string()) throw Error(path, field + ".type", "expected \"passkey\" or \"keyvalue\"");
    gen.type = type.get<std::string>();

    std::set<std::string> allowed{"type", "seed"};
    const json& seed = need("seed");
    if (!seed.is_number_unsigned())
        throw Error(path, field + ".seed", "expected an integer in 0..2^64-1, got " + seed.dump());
    gen.seed = seed.get<uint64_t>();

    if (gen.type == "passkey") {
        allowed.insert({"filler_units", "depth"});
        gen.fillerUnits = intInRange(path, field + ".filler_units", need("filler_units"), 0, kMaxFillerUnits);
        const json& depth = need("depth");
        if (!depth.is_number() || depth.get<double>() < 0.0 || depth.get<double>() > 1.0)
            throw Error(path, field + ".depth", "expected a number in [0, 1], got " + depth.dump());
        gen.depth = depth.get<double>();
    } else if (gen.type == "keyvalue") {
        allowed.insert({"pairs", "query_index"});
        gen.pairs = intInRange(path, field + ".pairs", need("pairs"), 1, 9000);
        gen.queryIndex = intInRange(path, field + ".query_index", need("query_index"), 0, gen.pairs - 1);
    } else {
        throw Error(path, field + ".type", "expected \"passkey\" or \"keyvalue\", got \"" + gen.type + "\"");
    }
    // A misspelt parameter would otherwise be silently replaced by a default.
    for (const auto& [key, value] : g.items())
        if (!allowed.count(key)) throw Error(path, field + "." + key, "unknown generator parameter");
    return gen;
}

}  // namespace

std::vector<SampleInfo> loadSampleManifest(const std::string& manifestPath) {
    const std::string text = readWholeFile(manifestPath, "", kMaxManifestBytes);
    json root;
    try {
        root = json::parse(text);
    } catch (const json::parse_error& e) {
        throw Error(manifestPath, "", std::string("not valid JSON: ") + e.what());
    }
    if (!root.is_array())
        throw Error(manifestPath, "", "expected a JSON list of sample objects, got " + std::string(root.type_name()));
    if (root.empty()) throw Error(manifestPath, "", "the list of samples is empty");

    std::vector<SampleInfo> out;
    std::set<std::string> ids;
    for (size_t i = 0; i < root.size(); ++i) {
        const json& e = root[i];
        const std::string at = indexField(i);
        if (!e.is_object()) throw Error(manifestPath, at, "expected an object, got " + std::string(e.type_name()));
        EntryReader r(manifestPath, e, i);
        SampleInfo s;
        s.id = r.requiredString("id");
        s.title = r.requiredString("title");
        s.file = r.requiredString("file");
        s.kind = r.requiredString("kind");
        s.description = r.requiredString("description");
        s.source = r.requiredString("source");
        s.licence = r.requiredString("licence");
        checkRelativePath(manifestPath, r.field("file"), s.file);
        if (!ids.insert(s.id).second) throw Error(manifestPath, r.field("id"), "duplicate id \"" + s.id + "\"");
        if (const auto g = e.find("generator"); g != e.end())
            s.generator = parseGenerator(manifestPath, r.field("generator"), *g);
        out.push_back(std::move(s));
    }
    return out;
}

std::string loadSampleText(const SampleInfo& sample, const std::string& samplesDir) {
    if (sample.generator) {
        const SampleGenerator& g = *sample.generator;
        if (g.type == "passkey") return makePasskeyTask(g.fillerUnits, g.depth, g.seed).text;
        if (g.type == "keyvalue") return makeKeyValueTask(g.pairs, g.queryIndex, g.seed).text;
        throw Error("<input>", "generator.type", "expected \"passkey\" or \"keyvalue\", got \"" + g.type + "\"");
    }
    const std::string path = (fs::path(samplesDir) / sample.file).string();
    return readWholeFile(path, "file", kMaxSampleBytes);
}

}  // namespace sparsescope
