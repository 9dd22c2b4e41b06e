#include "ui/window/session_file.h"

#include "core/common/error.h"
#include "core/pattern/pattern_json.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <iterator>

namespace sparsescope::ui {

namespace {

using nlohmann::json;

// Field access with the dotted path in every error.
struct Reader {
    const std::string& source;

    [[noreturn]] void fail(const std::string& field, const std::string& problem) const {
        throw Error(source, field, problem);
    }
    const json& object(const json& parent, const char* key, const std::string& path) const {
        if (!parent.contains(key)) fail(path, "is missing");
        const json& v = parent.at(key);
        if (!v.is_object()) fail(path, "must be a JSON object");
        return v;
    }
    std::string string(const json& parent, const char* key, const std::string& path) const {
        if (!parent.contains(key)) fail(path, "is missing");
        if (!parent.at(key).is_string()) fail(path, "must be a string");
        return parent.at(key).get<std::string>();
    }
    int64_t integer(const json& parent, const char* key, const std::string& path, int64_t lo, int64_t hi) const {
        if (!parent.contains(key)) fail(path, "is missing");
        const json& v = parent.at(key);
        if (!v.is_number_integer()) fail(path, "must be an integer");
        const int64_t x = v.is_number_unsigned() && v.get<uint64_t>() > uint64_t(INT64_MAX) ? hi + 1 : v.get<int64_t>();
        if (x < lo || x > hi) fail(path, "must be in " + std::to_string(lo) + ".." + std::to_string(hi) + ", got " + v.dump());
        return x;
    }
    bool boolean(const json& parent, const char* key, const std::string& path) const {
        if (!parent.contains(key)) fail(path, "is missing");
        if (!parent.at(key).is_boolean()) fail(path, "must be true or false");
        return parent.at(key).get<bool>();
    }
};

constexpr int64_t kMaxInt = 2'147'483'647;

}  // namespace

std::string sessionToJson(const SessionState& s) {
    json j;
    j["format"] = "sparsescope-session";
    j["version"] = kSessionVersion;
    json w;
    if (s.source == SessionState::Source::Model) {
        w["kind"] = "model";
        w["model_dir"] = s.modelDir;
        switch (s.textKind) {
        case SessionState::TextKind::Sample: w["text"] = {{"kind", "sample"}, {"sample_id", s.sampleId}}; break;
        case SessionState::TextKind::File: w["text"] = {{"kind", "file"}, {"path", s.textPath}}; break;
        case SessionState::TextKind::Pasted: w["text"] = {{"kind", "pasted"}, {"text", s.text}}; break;
        }
        w["max_tokens"] = s.maxTokens;
    } else {
        w["kind"] = "qkv";
        if (!s.npz.empty()) w["npz"] = s.npz;
        else w.update({{"q", s.q}, {"k", s.k}, {"v", s.v}});
    }
    j["workload"] = w;
    j["pattern"] = patternToJson(s.pattern);
    j["pattern_layers"] = s.patternLayers;
    j["selection"] = {{"layer", s.layer}, {"head", s.head}};
    json view = {{"heatmap_mode", s.heatmapMode}, {"log_scale", s.logScale}, {"zoom", nullptr}};
    if (s.zoom) view["zoom"] = {{"row0", s.zoom->row0}, {"row1", s.zoom->row1}, {"col0", s.zoom->col0}, {"col1", s.zoom->col1}};
    j["view"] = view;
    return j.dump(2) + "\n";
}

SessionState parseSession(const std::string& text, const std::string& source) {
    const Reader r{source};
    json j;
    try {
        j = json::parse(text);
    } catch (const json::parse_error& e) {
        r.fail("", std::string("is not valid JSON (") + e.what() + ")");
    }
    if (!j.is_object()) r.fail("", "must hold a JSON object");
    if (r.string(j, "format", "format") != "sparsescope-session") r.fail("format", "must be \"sparsescope-session\"");
    const int64_t version = r.integer(j, "version", "version", 0, kMaxInt);
    if (version != kSessionVersion)
        r.fail("version", "is " + std::to_string(version) + "; this SparseScope reads version " + std::to_string(kSessionVersion));

    SessionState s;
    const json& w = r.object(j, "workload", "workload");
    const std::string kind = r.string(w, "kind", "workload.kind");
    if (kind == "model") {
        s.source = SessionState::Source::Model;
        s.modelDir = r.string(w, "model_dir", "workload.model_dir");
        if (s.modelDir.empty()) r.fail("workload.model_dir", "is empty");
        s.maxTokens = int(r.integer(w, "max_tokens", "workload.max_tokens", 1, kMaxInt));
        const json& t = r.object(w, "text", "workload.text");
        const std::string tk = r.string(t, "kind", "workload.text.kind");
        if (tk == "sample") {
            s.textKind = SessionState::TextKind::Sample;
            s.sampleId = r.string(t, "sample_id", "workload.text.sample_id");
        } else if (tk == "file") {
            s.textKind = SessionState::TextKind::File;
            s.textPath = r.string(t, "path", "workload.text.path");
            if (s.textPath.empty()) r.fail("workload.text.path", "is empty");
        } else if (tk == "pasted") {
            s.textKind = SessionState::TextKind::Pasted;
            s.text = r.string(t, "text", "workload.text.text");
            if (s.text.empty()) r.fail("workload.text.text", "is empty");
        } else {
            r.fail("workload.text.kind", "must be \"sample\", \"file\" or \"pasted\", got \"" + tk + "\"");
        }
    } else if (kind == "qkv") {
        s.source = SessionState::Source::Qkv;
        if (w.contains("npz")) {
            s.npz = r.string(w, "npz", "workload.npz");
            if (s.npz.empty()) r.fail("workload.npz", "is empty");
        } else {
            s.q = r.string(w, "q", "workload.q");
            s.k = r.string(w, "k", "workload.k");
            if (w.contains("v")) s.v = r.string(w, "v", "workload.v");
            if (s.q.empty() || s.k.empty()) r.fail("workload.q", "a Q/K/V set needs \"npz\" or both \"q\" and \"k\"");
        }
    } else {
        r.fail("workload.kind", "must be \"model\" or \"qkv\", got \"" + kind + "\"");
    }

    if (!j.contains("pattern")) r.fail("pattern", "is missing");
    try {
        s.pattern = patternFromJson(j.at("pattern"), source);
        validate(s.pattern);
    } catch (const Error& e) {
        r.fail("pattern" + (e.field().empty() ? std::string() : "." + e.field()), e.problem());
    }

    if (!j.contains("pattern_layers")) r.fail("pattern_layers", "is missing");
    const json& layers = j.at("pattern_layers");
    if (!layers.is_array()) r.fail("pattern_layers", "must be an array of layer indices ([] = all layers)");
    for (size_t i = 0; i < layers.size(); ++i) {
        const std::string path = "pattern_layers[" + std::to_string(i) + "]";
        if (!layers[i].is_number_integer() || layers[i].get<int64_t>() < 0 || layers[i].get<int64_t>() > kMaxInt)
            r.fail(path, "must be a layer index >= 0");
        const int l = int(layers[i].get<int64_t>());
        if (i > 0 && l != s.patternLayers.back() + 1)
            r.fail(path, "the layers must be one contiguous ascending range, e.g. [2, 3, 4]");
        s.patternLayers.push_back(l);
    }

    const json& sel = r.object(j, "selection", "selection");
    s.layer = int(r.integer(sel, "layer", "selection.layer", 0, kMaxInt));
    s.head = int(r.integer(sel, "head", "selection.head", 0, kMaxInt));

    const json& view = r.object(j, "view", "view");
    s.heatmapMode = r.string(view, "heatmap_mode", "view.heatmap_mode");
    if (std::find_if(std::begin(kSessionHeatmapModes), std::end(kSessionHeatmapModes),
                     [&](const char* m) { return s.heatmapMode == m; }) == std::end(kSessionHeatmapModes))
        r.fail("view.heatmap_mode", "must be mask, dense, sparse or dropped, got \"" + s.heatmapMode + "\"");
    s.logScale = r.boolean(view, "log_scale", "view.log_scale");
    if (!view.contains("zoom")) r.fail("view.zoom", "is missing (null = every token shown)");
    if (!view.at("zoom").is_null()) {
        const json& z = r.object(view, "zoom", "view.zoom");
        SessionZoom zoom;
        zoom.row0 = r.integer(z, "row0", "view.zoom.row0", 0, kMaxInt);
        zoom.row1 = r.integer(z, "row1", "view.zoom.row1", zoom.row0 + 1, kMaxInt);
        zoom.col0 = r.integer(z, "col0", "view.zoom.col0", 0, kMaxInt);
        zoom.col1 = r.integer(z, "col1", "view.zoom.col1", zoom.col0 + 1, kMaxInt);
        s.zoom = zoom;
    }
    return s;
}

}  // namespace sparsescope::ui
