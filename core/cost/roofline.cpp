#include "core/cost/roofline.h"

#include "core/common/error.h"

#include <algorithm>

namespace sparsescope {

namespace {

constexpr double kQueryTile = 128.0;  // FlashAttention-style query tile for K/V re-reads

// Each query head reads its own keys (per-head selectors) or the group shares them.
bool perHeadSelection(const PatternSpec& s) {
    return !s.dense && (s.topk > 0 || s.blockTopk > 0 || s.topP > 0 || s.questBudget > 0 ||
                        s.heavyHitters > 0 || s.verticalLines > 0 || s.slashLines > 0);
}

struct Estimate {
    double seconds = 0, joules = 0;
};

Estimate roofline(const HardwareProfile& hw, double layers, double flopsPerLayer, double bytesPerLayer) {
    Estimate e;
    e.seconds = layers * std::max(flopsPerLayer / hw.peakFlops, bytesPerLayer / hw.memoryBandwidth);
    e.joules = layers * (flopsPerLayer * hw.picojoulesPerFlop + bytesPerLayer * hw.picojoulesPerByte) * 1e-12;
    return e;
}

}  // namespace

void validate(const AttentionShape& s) {
    auto positive = [](int64_t v, const char* field) {
        if (v < 1) throw Error("<input>", field, "must be >= 1, got " + std::to_string(v));
    };
    positive(s.layers, "layers");
    positive(s.heads, "heads");
    positive(s.kvHeads, "kv-heads");
    positive(s.headDim, "head-dim");
    positive(s.valueDim, "value-dim");
    if (s.heads % s.kvHeads != 0)
        throw Error("<input>", "kv-heads",
                    std::to_string(s.heads) + " query heads cannot be grouped over " + std::to_string(s.kvHeads) +
                        " KV heads");
    if (!(s.bytesPerElement > 0)) throw Error("<input>", "bytes", "bytes per element must be > 0");
}

AttentionShape attentionShapeOf(const ModelConfig& config, double bytesPerElement) {
    AttentionShape s;
    s.layers = config.layers;
    s.heads = config.heads;
    s.kvHeads = config.kvHeads;
    s.headDim = config.headDim;
    s.valueDim = config.headDim;
    s.bytesPerElement = bytesPerElement;
    s.source = config.architecture + " config: " + std::to_string(config.layers) + " layers, " +
               std::to_string(config.heads) + " query heads, " + std::to_string(config.kvHeads) + " KV heads, head dim " +
               std::to_string(config.headDim);
    validate(s);
    return s;
}

ContextCost estimateContextCost(const PatternSpec& spec, const AttentionShape& shape, const HardwareProfile& hw,
                                int64_t context) {
    validate(spec);
    validate(shape);
    if (context < 1) throw Error("<input>", "context", "context length must be >= 1, got " + std::to_string(context));
    if (!(hw.peakFlops > 0 && hw.memoryBandwidth > 0))
        throw Error("<input>", "hardware", "profile '" + hw.name + "' has no FLOP/s or bandwidth (not measured?)");
    ContextCost c;
    c.context = context;
    const HeadDims dims{shape.headDim, shape.valueDim, shape.heads / shape.kvHeads};
    const double H = double(shape.heads), KV = double(shape.kvHeads), L = double(shape.layers);
    const double d = double(shape.headDim), dv = double(shape.valueDim), bytes = shape.bytesPerElement;
    PatternSpec dense;
    dense.dense = true;

    // Decode.
    const RowCost row = rowCost(spec, context, dims, CostPhase::Decode);
    const RowCost rowDense = rowCost(dense, context, dims, CostPhase::Decode);
    const double readers = perHeadSelection(spec) && !row.dense ? H : KV;
    c.kvReadsPerToken = row.kvTokens;
    c.kvReadsDense = rowDense.kvTokens;
    c.decodeDense = row.dense;
    c.dataDependent = row.dataDependent;
    c.decodeCoreFlops = L * H * row.coreFlops;
    c.decodeSelectorFlops = L * H * row.selectorFlops;
    c.decodeDenseFlops = L * H * rowDense.coreFlops;
    const double decodeBytesLayer = readers * row.kvTokens * (d + dv) * bytes + KV * row.selectorKeyReads * d * bytes;
    const double decodeDenseBytesLayer = KV * rowDense.kvTokens * (d + dv) * bytes;
    c.decodeBytes = L * decodeBytesLayer;
    c.decodeDenseBytes = L * decodeDenseBytesLayer;
    const Estimate dec = roofline(hw, L, H * (row.coreFlops + row.selectorFlops), decodeBytesLayer);
    const Estimate decDense = roofline(hw, L, H * rowDense.coreFlops, decodeDenseBytesLayer);
    c.decodeSeconds = dec.seconds;
    c.decodeDenseSeconds = decDense.seconds;
    c.decodeEnergy = dec.joules;
    c.decodeDenseEnergy = decDense.joules;

    // Prefill.
    const SequenceCost pre = prefillCost(spec, context, dims);
    const SequenceCost preDense = prefillCost(dense, context, dims);
    c.prefillDense = rowCost(spec, context, dims, CostPhase::Prefill).dense;
    c.dataDependent = c.dataDependent || pre.dataDependent;
    c.coreFlops = L * H * pre.coreFlops;
    c.selectorFlops = L * H * pre.selectorFlops;
    c.denseFlops = L * H * preDense.coreFlops;
    const double preReaders = perHeadSelection(spec) && !c.prefillDense ? H : KV;
    const double qo = H * double(context) * (d + dv) * bytes;
    const double preBytesLayer = qo + preReaders * pre.pairs / kQueryTile * (d + dv) * bytes;
    const double preDenseBytesLayer = qo + KV * preDense.pairs / kQueryTile * (d + dv) * bytes;
    c.prefillBytes = L * preBytesLayer;
    c.prefillDenseBytes = L * preDenseBytesLayer;
    const Estimate pf = roofline(hw, L, H * (pre.coreFlops + pre.selectorFlops), preBytesLayer);
    const Estimate pfDense = roofline(hw, L, H * preDense.coreFlops, preDenseBytesLayer);
    c.prefillSeconds = pf.seconds;
    c.prefillDenseSeconds = pfDense.seconds;
    c.prefillEnergyPerToken = pf.joules / double(context);
    c.prefillDenseEnergyPerToken = pfDense.joules / double(context);

    c.decodeSpeedup = c.decodeDenseSeconds / c.decodeSeconds;
    c.prefillSpeedup = c.prefillDenseSeconds / c.prefillSeconds;
    return c;
}

nlohmann::json contextCostToJson(const ContextCost& c) {
    nlohmann::json j;
    j["context"] = c.context;
    j["kv_reads_per_token"] = c.kvReadsPerToken;
    j["kv_reads_dense"] = c.kvReadsDense;
    j["core_flops"] = c.coreFlops;
    j["selector_flops"] = c.selectorFlops;
    j["total_flops"] = c.coreFlops + c.selectorFlops;
    j["dense_flops"] = c.denseFlops;
    j["decode_core_flops"] = c.decodeCoreFlops;
    j["decode_selector_flops"] = c.decodeSelectorFlops;
    j["decode_total_flops"] = c.decodeCoreFlops + c.decodeSelectorFlops;
    j["decode_dense_flops"] = c.decodeDenseFlops;
    j["decode_bytes"] = c.decodeBytes;
    j["decode_dense_bytes"] = c.decodeDenseBytes;
    j["prefill_bytes"] = c.prefillBytes;
    j["prefill_dense_bytes"] = c.prefillDenseBytes;
    j["decode_seconds_estimate"] = c.decodeSeconds;
    j["decode_dense_seconds_estimate"] = c.decodeDenseSeconds;
    j["prefill_seconds_estimate"] = c.prefillSeconds;
    j["prefill_dense_seconds_estimate"] = c.prefillDenseSeconds;
    j["decode_speedup_estimate"] = c.decodeSpeedup;
    j["prefill_speedup_estimate"] = c.prefillSpeedup;
    j["decode_energy_joules_per_token_estimate"] = c.decodeEnergy;
    j["decode_dense_energy_joules_per_token_estimate"] = c.decodeDenseEnergy;
    j["prefill_energy_joules_per_token_estimate"] = c.prefillEnergyPerToken;
    j["prefill_dense_energy_joules_per_token_estimate"] = c.prefillDenseEnergyPerToken;
    j["data_dependent"] = c.dataDependent;
    j["decode_not_sparsified"] = c.decodeDense;
    j["prefill_not_sparsified"] = c.prefillDense;
    return j;
}

nlohmann::json shapeToJson(const AttentionShape& s) {
    return {{"layers", s.layers},         {"heads", s.heads},         {"kv_heads", s.kvHeads},
            {"head_dim", s.headDim},      {"value_dim", s.valueDim},  {"bytes_per_element", s.bytesPerElement},
            {"source", s.source}};
}

nlohmann::json hardwareToJson(const HardwareProfile& h) {
    return {{"name", h.name},
            {"title", h.title},
            {"peak_flops", h.peakFlops},
            {"memory_bandwidth", h.memoryBandwidth},
            {"pj_per_flop", h.picojoulesPerFlop},
            {"pj_per_byte", h.picojoulesPerByte},
            {"peak_flops_source", h.flopsSource},
            {"memory_bandwidth_source", h.bandwidthSource},
            {"energy_source", h.energySource},
            {"measured", h.measured}};
}

}  // namespace sparsescope
