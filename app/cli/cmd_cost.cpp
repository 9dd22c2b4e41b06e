// sparsescope-cli cost: what a pattern costs as deployed, in closed form, per context
// length: KV tokens read per decoded token, prefill FLOPs (core attention and
// selector), and roofline estimates of time and energy on a hardware profile.
#include "cli_args.h"
#include "commands.h"
#include "pattern_flags.h"
#include "core/common/error.h"
#include "core/cost/hardware.h"
#include "core/cost/roofline.h"
#include "core/model/model_config.h"
#include "core/model/model_input.h"
#include "core/pattern/pattern_json.h"

#include <cmath>
#include <cstdio>
#include <filesystem>

namespace sparsescope::cli {

namespace {

AttentionShape shapeFromConfig(const std::string& dir, const std::string& label) {
    AttentionShape s = attentionShapeOf(parseModelConfig((std::filesystem::path(dir) / "config.json").string()));
    s.source = label + " (" + s.source + ")";
    return s;
}

AttentionShape shapeFromArgs(const ArgParser& a) {
    const bool explicitShape = a.has("--layers") || a.has("--heads") || a.has("--kv-heads") ||
                               a.has("--head-dim") || a.has("--value-dim");
    if (a.has("--model") && explicitShape) throw UsageError("give --model or the shape flags, not both");
    AttentionShape s;
    if (a.has("--model")) {
        s = shapeFromConfig(a.get("--model"), "config.json of " + a.get("--model"));
    } else if (explicitShape) {
        s.source = "given on the command line (unset sizes from the Llama-3.1-8B reference shape)";
        if (auto v = a.getInt("--layers")) s.layers = *v;
        if (auto v = a.getInt("--heads")) s.heads = *v;
        s.kvHeads = a.getInt("--kv-heads").value_or(a.has("--heads") ? s.heads : s.kvHeads);
        if (auto v = a.getInt("--head-dim")) s.headDim = s.valueDim = *v;
        if (auto v = a.getInt("--value-dim")) s.valueDim = *v;
    } else {
        try {
            s = shapeFromConfig(findDefaultModelDir({SPARSESCOPE_SOURCE_DIR "/resources/model"}), "the bundled model");
        } catch (const Error&) {
            s = AttentionShape{};  // the stated reference shape
        }
    }
    if (auto b = a.getDouble("--bytes")) s.bytesPerElement = *b;
    validate(s);
    return s;
}

std::string human(double v, const char* unit) {
    const char* prefixes[] = {"", "k", "M", "G", "T", "P", "E"};
    int p = 0;
    while (std::abs(v) >= 1000.0 && p < 6) {
        v /= 1000.0;
        ++p;
    }
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.3g %s%s", v, prefixes[p], unit);
    return buf;
}

}  // namespace

int runCost(int argc, char** argv) {
    ArgParser a("cost",
                "What a pattern costs as deployed, per context length, in closed form: KV tokens read "
                "per decoded token, prefill attention FLOPs split into core attention and selector, "
                "and roofline ESTIMATES of prefill time, decode time per token and energy per token, "
                "dense vs sparse, on a hardware profile (attention only). See docs/methods.md.");
    a.option("--context", "LIST", "context lengths, e.g. 8192,16384,32768,65536 (required)");
    a.option("--hardware", "NAME", "hardware profile: h100-sxm (default), laptop-m2, cpu (measured now)");
    a.option("--hardware-file", "F", "hardware profiles JSON (default resources/hardware/profiles.json)");
    a.option("--model", "DIR", "take the attention shape from a model's config.json");
    a.option("--layers", "L", "attention shape: layers (reference shape: Llama-3.1-8B)");
    a.option("--heads", "H", "attention shape: query heads");
    a.option("--kv-heads", "KV", "attention shape: key/value heads (default = --heads)");
    a.option("--head-dim", "D", "attention shape: head dim (also the value dim unless --value-dim)");
    a.option("--value-dim", "DV", "attention shape: value head dim");
    a.option("--bytes", "B", "bytes per K/V element (default 2: bf16)");
    a.flag("--json", "print JSON: pattern, shape, hardware, contexts[] with kv_reads_per_token, "
                     "core_flops, selector_flops, total_flops, decode_speedup_estimate, "
                     "prefill_speedup_estimate, ...");
    addPatternOptions(a);
    if (!a.parse(argc, argv)) return 0;

    const PatternSpec spec = patternFromArgs(a);
    if (!a.has("--context")) throw UsageError("'cost' needs --context, e.g. --context 8192,16384");
    const std::vector<int64_t> contexts = a.getIntList("--context");
    for (int64_t s : contexts)
        if (s < 1 || s > (int64_t(1) << 24))
            throw UsageError("--context values must be in 1..16777216, got " + std::to_string(s));
    const AttentionShape shape = shapeFromArgs(a);
    const std::string file = a.has("--hardware-file")
                                 ? a.get("--hardware-file")
                                 : findHardwareProfilesFile({SPARSESCOPE_SOURCE_DIR "/resources/hardware/profiles.json"});
    const std::vector<HardwareProfile> profiles = loadHardwareProfiles(file);
    HardwareProfile hw = findProfile(profiles, a.get("--hardware", "h100-sxm"));
    if (hw.measure) applyMeasurement(hw, measureThisCpu());

    std::vector<ContextCost> costs;
    for (int64_t s : contexts) costs.push_back(estimateContextCost(spec, shape, hw, s));

    if (a.has("--json")) {
        nlohmann::json j;
        j["pattern"] = patternToJson(spec);
        j["shape"] = shapeToJson(shape);
        j["hardware"] = hardwareToJson(hw);
        j["estimate"] = true;
        j["notes"] = {"times and energies are roofline estimates for attention alone",
                      "kv_reads_per_token counts K/V token rows per KV head and layer (NSA: its three branches added, "
                      "as in the NSA paper's Table 4)",
                      "flops are for the whole model: prefill of `context` tokens, decode per token",
                      "data_dependent: budgets of data-dependent selectors are upper bounds"};
        j["contexts"] = nlohmann::json::array();
        for (const auto& c : costs) j["contexts"].push_back(contextCostToJson(c));
        std::printf("%s\n", j.dump(2).c_str());
        return 0;
    }
    std::printf("pattern: %s\nshape: %s\nhardware: %s (%s FLOP/s, %s/s; estimates)\n\n", patternToJson(spec).dump().c_str(),
                shape.source.c_str(), hw.title.c_str(), human(hw.peakFlops, "").c_str(),
                human(hw.memoryBandwidth, "B").c_str());
    std::printf("%9s %12s %11s %11s %11s %14s %15s\n", "context", "kv/token", "core", "selector", "total",
                "decode x est.", "prefill x est.");
    for (const auto& c : costs)
        std::printf("%9lld %12.1f %11s %11s %11s %14.2f %15.2f\n", static_cast<long long>(c.context),
                    c.kvReadsPerToken, human(c.coreFlops, "F").c_str(), human(c.selectorFlops, "F").c_str(),
                    human(c.coreFlops + c.selectorFlops, "F").c_str(), c.decodeSpeedup, c.prefillSpeedup);
    return 0;
}

}  // namespace sparsescope::cli
