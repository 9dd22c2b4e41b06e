// Forward throughput of the bundled default model at 1024 and 2048 tokens, dense and
// with a sliding window of ~10 % density, and the same model run by PyTorch on the
// CPU (tools/torch_forward_bench.py, Debian's python3-torch) side by side in one run.
// Medians of several repetitions; the machine is shared, so compare ratios.
#include "core/model/model.h"
#include "core/model/model_input.h"
#include "core/pattern/pattern_spec.h"
#include "core/pattern/sparse_mask.h"
#include "core/tokenizer/tokenizer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

using namespace sparsescope;

namespace {

double medianSeconds(const std::function<void()>& fn, int reps) {
    fn();  // warm-up
    std::vector<double> t;
    for (int r = 0; r < reps; ++r) {
        const auto a = std::chrono::steady_clock::now();
        fn();
        t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - a).count());
    }
    std::sort(t.begin(), t.end());
    return t[t.size() / 2];
}

// The window whose causal density over n tokens is closest to `density`.
int64_t windowForDensity(int64_t n, double density) {
    int64_t best = 1;
    for (int64_t w = 1; w <= n; ++w) {
        const double kept = double(w * (w + 1) / 2 + (n - w) * w);
        if (std::abs(kept / double(possiblePairs(n, true)) - density) <
            std::abs(double(best * (best + 1) / 2 + (n - best) * best) / double(possiblePairs(n, true)) - density))
            best = w;
    }
    return best;
}

}  // namespace

int main(int argc, char** argv) {
    const std::string dir = argc > 1 ? argv[1] : findDefaultModelDir({SPARSESCOPE_SOURCE_DIR "/resources/model"});
    const int reps = 3;
    const auto model = Model::load(dir);
    std::string text;
    for (const char* f : {"dialogue_attention_tutorial.txt", "legal_gpl3.txt", "prose_kjv_ruth.txt"})
        text += readTextFile(std::string(SPARSESCOPE_SOURCE_DIR "/samples/") + f);
    const std::vector<int32_t> all = model->tokenizer().encode(text, true);
    std::printf("model %s: %lld layers, %lld heads, d=%lld, stored %s; %zu tokens of sample text\n",
                dir.c_str(), (long long)model->config().layers, (long long)model->config().heads,
                (long long)model->config().headDim, model->storedDtype().c_str(), all.size());

    std::map<std::pair<int64_t, std::string>, double> ours;
    std::vector<int64_t> lengths = {1024, 2048};
    int64_t window2048 = 0;
    for (int64_t n : lengths) {
        if (int64_t(all.size()) < n || n > model->config().maxPositions) continue;
        std::vector<int32_t> ids(all.begin(), all.begin() + n);
        ours[{n, "dense"}] = medianSeconds([&] { model->forward(ids); }, reps);
        PatternSpec spec;
        spec.window = windowForDensity(n, 0.10);
        if (n == 2048) window2048 = spec.window;
        ForwardOptions opts;
        opts.pattern = &spec;
        ours[{n, "window"}] = medianSeconds([&] { model->forward(ids, opts); }, reps);
        std::printf("n=%lld: window W=%lld for 10%% density\n", (long long)n, (long long)spec.window);
    }

    // PyTorch side, same model and lengths, in the same run.
    std::map<std::pair<int64_t, std::string>, double> torch;
    const std::string cmd = "/usr/bin/python3 " SPARSESCOPE_SOURCE_DIR "/tools/torch_forward_bench.py '" + dir +
                            "' --tokens 1024,2048 --reps " + std::to_string(reps) + " --window " +
                            std::to_string(window2048) + " 2>/dev/null";
    if (FILE* p = popen(cmd.c_str(), "r")) {
        char line[512];
        while (std::fgets(line, sizeof line, p)) {
            long long t = 0;
            char mode[16] = {0};
            double sec = 0;
            if (std::sscanf(line, "{\"tokens\": %lld, \"mode\": \"%15[a-z]\", \"seconds_median\": %lf", &t, mode, &sec) == 3)
                torch[{t, mode}] = sec;
        }
        pclose(p);
    }
    if (torch.empty()) std::printf("(PyTorch not available: /usr/bin/python3 with torch and numpy)\n");

    std::printf("\n%6s %-7s %12s %12s %14s\n", "tokens", "mode", "ours tok/s", "torch tok/s", "ours/torch");
    for (const auto& [key, sec] : ours) {
        const auto it = torch.find(key);
        // Torch's window run uses the 2048-token window at both lengths; only 2048 is comparable.
        const bool comparable = it != torch.end() && (key.second == "dense" || key.first == 2048);
        std::printf("%6lld %-7s %12.0f", (long long)key.first, key.second.c_str(), key.first / sec);
        if (comparable)
            std::printf(" %12.0f %13.2fx\n", key.first / it->second, it->second / sec);
        else
            std::printf(" %12s %14s\n", "-", "-");
    }
    return 0;
}
