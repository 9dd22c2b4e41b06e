#pragma once
// Roofline estimates of attention time and energy for a pattern at a context length
// on a hardware profile, dense vs sparse. Attention only: projections, MLP and
// weight reads are the same for both and are left out. Every figure is an estimate:
//   time   = layers * max(FLOPs / peak FLOP/s, bytes / bandwidth)
//   energy = layers * (FLOPs * pJ/FLOP + bytes * pJ/byte)
//   decode bytes per layer  = readers * kv_tokens * (d + dv) * bytes/element
//                             + KV heads * selector key reads * d * bytes/element
//     readers = KV heads when the whole GQA group reads the same keys (score-free
//     rules, NSA, DSA, dense), query heads when each head selects its own (top-k,
//     top-p, Quest, H2O, vertical-slash)
//   prefill bytes per layer = heads * s * (d + dv) * bytes (Q in, O out)
//                             + readers * pairs / 128 * (d + dv) * bytes (K/V re-read per
//                             128-query tile, FlashAttention style)
#include "core/cost/hardware.h"
#include "core/cost/method_cost.h"
#include "core/model/model_config.h"
#include "core/pattern/pattern_spec.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

namespace sparsescope {

struct AttentionShape {
    int64_t layers = 32;
    int64_t heads = 32;
    int64_t kvHeads = 8;
    int64_t headDim = 128;
    int64_t valueDim = 128;
    double bytesPerElement = 2.0;  // bf16 KV cache
    std::string source = "reference shape: Llama-3.1-8B attention (32 layers, 32 query heads, "
                         "8 KV heads, head dim 128, bf16)";
};

// Throws Error for non-positive sizes or heads not divisible by KV heads.
void validate(const AttentionShape& shape);

// The attention shape of a model config: value dim = head dim, bf16 KV cache.
AttentionShape attentionShapeOf(const ModelConfig& config, double bytesPerElement = 2.0);


struct ContextCost {
    int64_t context = 0;
    // Decode, per generated token at `context` keys.
    double kvReadsPerToken = 0;    // K/V token rows per (KV head, layer): the NSA Table 4 unit
    double kvReadsDense = 0;       // = context
    double decodeCoreFlops = 0, decodeSelectorFlops = 0, decodeDenseFlops = 0;  // whole model
    double decodeBytes = 0, decodeDenseBytes = 0;
    double decodeSeconds = 0, decodeDenseSeconds = 0;
    double decodeEnergy = 0, decodeDenseEnergy = 0;  // joules per token
    // Prefill of `context` tokens, whole model.
    double coreFlops = 0, selectorFlops = 0, denseFlops = 0;
    double prefillBytes = 0, prefillDenseBytes = 0;
    double prefillSeconds = 0, prefillDenseSeconds = 0;
    double prefillEnergyPerToken = 0, prefillDenseEnergyPerToken = 0;  // joules
    double decodeSpeedup = 0, prefillSpeedup = 0;
    bool dataDependent = false;  // budgets of data-dependent rules are upper bounds
    bool decodeDense = false, prefillDense = false;  // the phase is not sparsified
};

ContextCost estimateContextCost(const PatternSpec& spec, const AttentionShape& shape,
                                const HardwareProfile& hw, int64_t context);

nlohmann::json contextCostToJson(const ContextCost& c);
nlohmann::json shapeToJson(const AttentionShape& s);
nlohmann::json hardwareToJson(const HardwareProfile& h);

}  // namespace sparsescope
