// Run time of a Pareto sweep on the bundled default model: the window stepped over 8
// values (8 .. 1024) at 1024 tokens of the GPL sample, attention level (analyzeCaptures
// per value) and model level (plus one sparse forward pass per value against cached
// dense logits), and the workload comparison of one pattern over the 8 bundled samples
// at 1024 tokens. The dense capture is done once beforehand (the GUI has it cached).
// Wall-clock seconds of single runs; the machine is shared, so compare ratios.
#include "core/explore/sweep.h"
#include "core/explore/workload_comparison.h"
#include "core/model/model.h"
#include "core/model/model_input.h"
#include "core/pattern/presets.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>

using namespace sparsescope;

namespace {
template <class Fn>
double seconds(Fn&& fn) {
    const auto a = std::chrono::steady_clock::now();
    fn();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - a).count();
}
}  // namespace

int main(int argc, char** argv) {
    const int64_t tokens = argc > 1 ? std::atoll(argv[1]) : 1024;
    const bool withComparison = argc > 2 && std::string(argv[2]) == "--workloads";
    const auto model = Model::load(findDefaultModelDir({SPARSESCOPE_SOURCE_DIR "/resources/model"}));
    const std::vector<int32_t> ids =
        tokenizeForModel(*model, readTextFile(SPARSESCOPE_SOURCE_DIR "/samples/legal_gpl3.txt"), "gpl", tokens).ids;
    ForwardOptions cap;
    cap.capture = true;
    cap.captureProbs = false;
    ForwardResult dense;
    const double tDense = seconds([&] { dense = model->forward(ids, cap); });
    const std::vector<double> values = {8, 16, 32, 64, 128, 256, 512, 1024};
    SweepOptions o;
    o.model = model.get();
    o.ids = &ids;
    o.denseLogits = &dense.logits;
    SweepResult att, ml;
    const double tAtt = seconds([&] { att = runSweep(dense.layers, presetSpec("streamingllm"), "window", values, o); });
    o.modelLevel = true;
    const double tMl = seconds([&] { ml = runSweep(dense.layers, presetSpec("streamingllm"), "window", values, o); });
    std::printf("%zu tokens, %zu layers: dense capture %.2f s\n", ids.size(), dense.layers.size(), tDense);
    std::printf("window sweep, 8 values, attention level: %.2f s (%.3f s per value)\n", tAtt, tAtt / 8);
    std::printf("window sweep, 8 values, model level:     %.2f s (%.3f s per value)\n", tMl, tMl / 8);
    for (const SweepRow& r : ml.rows)
        std::printf("  W=%-5g density %.4f recall %.4f dloss %+.4f\n", r.value, r.attention.density,
                    r.attention.recallMean, r.eval.lossDelta);
    if (withComparison) {
        ComparisonOptions co;
        co.maxTokens = tokens;
        const auto texts = bundledWorkloads(SPARSESCOPE_SOURCE_DIR "/samples");
        WorkloadComparison c;
        const double tCmp = seconds([&] { c = compareWorkloads(*model, texts, presetSpec("streamingllm"), co); });
        std::printf("workload comparison, %zu texts at <= %lld tokens: %.2f s\n", c.rows.size(),
                    static_cast<long long>(tokens), tCmp);
    }
    return 0;
}
