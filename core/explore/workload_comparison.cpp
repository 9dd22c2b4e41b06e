#include "core/explore/workload_comparison.h"

#include "core/common/error.h"
#include "core/metrics/model_analysis.h"
#include "core/model/model.h"
#include "core/model/model_input.h"
#include "core/tokenizer/tokenizer.h"
#include "core/workload/passkey.h"

#include <algorithm>
#include <filesystem>

namespace fs = std::filesystem;

namespace sparsescope {

namespace {

struct Task {
    std::string prompt, text, answer;
};

Task makeTask(const SampleGenerator& g, int size) {
    if (g.type == "passkey") {
        const PasskeyTask t = makePasskeyTask(size, g.depth, g.seed);
        return {t.prompt, t.text, t.answer};
    }
    // Key-value: the queried line stays at the same relative place in the list.
    const int query = std::min(size - 1, int(std::lround(double(g.queryIndex) * size / std::max(1, g.pairs))));
    const KeyValueTask t = makeKeyValueTask(size, std::max(0, query), g.seed);
    return {t.prompt, t.text, t.answer};
}

// The generator's size knob (filler units or pairs) and its smallest value.
int sizeOf(const SampleGenerator& g) { return g.type == "passkey" ? g.fillerUnits : g.pairs; }
int minSize(const SampleGenerator& g) { return g.type == "passkey" ? 0 : 1; }

void checkGenerator(const SampleGenerator& g) {
    if (g.type != "passkey" && g.type != "keyvalue")
        throw Error("<input>", "generator.type", "expected \"passkey\" or \"keyvalue\", got \"" + g.type + "\"");
}

}  // namespace

std::vector<WorkloadText> bundledWorkloads(const std::string& samplesDir) {
    std::vector<WorkloadText> out;
    for (const SampleInfo& s : loadSampleManifest((fs::path(samplesDir) / "manifest.json").string())) {
        WorkloadText w;
        w.id = s.id;
        w.title = s.title;
        w.kind = s.kind;
        w.source = (fs::path(samplesDir) / s.file).string();
        w.text = loadSampleText(s, samplesDir);
        w.generator = s.generator;
        out.push_back(std::move(w));
    }
    return out;
}

std::vector<WorkloadText> folderWorkloads(const std::string& folder, std::vector<std::string>* skipped) {
    std::error_code ec;
    if (!fs::is_directory(folder, ec)) throw Error(folder, "", "is not a folder");
    std::vector<fs::path> files;
    for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec))
        if (it->is_regular_file(ec)) files.push_back(it->path());
    if (ec) throw Error(folder, "", "cannot be listed: " + ec.message());
    std::sort(files.begin(), files.end());
    std::vector<WorkloadText> out;
    for (const fs::path& p : files) {
        try {
            WorkloadText w;
            w.text = readTextFile(p.string());
            w.id = p.filename().string();
            w.title = w.id;
            w.kind = "file";
            w.source = p.string();
            out.push_back(std::move(w));
        } catch (const Error& e) {
            if (skipped) skipped->push_back(p.filename().string() + ": " + e.problem());
        }
    }
    if (out.empty()) throw Error(folder, "", "holds no text file to compare");
    return out;
}

bool answerRetrieved(const MatrixRM& logits, const std::vector<int32_t>& ids, int64_t start) {
    const int64_t T = static_cast<int64_t>(ids.size());
    if (start < 1 || start >= T || logits.rows() != T)
        throw Error("<input>", "answer", "answer positions " + std::to_string(start) + ".." + std::to_string(T - 1) +
                                             " do not fit " + std::to_string(logits.rows()) + " rows of logits");
    for (int64_t p = start; p < T; ++p) {
        Eigen::Index best = 0;
        logits.row(p - 1).maxCoeff(&best);  // Eigen returns the first maximum
        if (best != ids[static_cast<size_t>(p)]) return false;
    }
    return true;
}

std::vector<int32_t> workloadIds(const Model& model, const WorkloadText& w, int64_t maxTokens,
                                 int64_t* retrievalStart, std::string* answer, std::string* notice) {
    if (retrievalStart) *retrievalStart = -1;
    if (!w.generator) {
        ModelInput in = tokenizeForModel(model, w.text, w.source, maxTokens);
        if (notice) *notice = in.notice;
        return std::move(in.ids);
    }
    const SampleGenerator& g = *w.generator;
    checkGenerator(g);
    const Tokenizer& tok = model.tokenizer();
    const int64_t context = model.config().maxPositions;
    const int64_t limit = maxTokens > 0 ? std::min(maxTokens, context) : context;
    auto tokens = [&](int size) { return int64_t(tok.encode(makeTask(g, size).text, true).size()); };
    int size = sizeOf(g);
    if (tokens(size) > limit) {
        // Tokens grow with the size: the largest size that fits, by bisection.
        int lo = minSize(g), hi = size;
        if (tokens(lo) > limit)
            throw Error(w.source, "generator", "even the smallest task needs more than " + std::to_string(limit) +
                                                   " tokens");
        while (hi - lo > 1) {
            const int mid = lo + (hi - lo) / 2;
            (tokens(mid) <= limit ? lo : hi) = mid;
        }
        if (notice)
            *notice = w.id + ": remade with " + std::to_string(lo) +
                      (g.type == "passkey" ? " filler units" : " key-value pairs") + " (instead of " +
                      std::to_string(size) + ") to fit " + std::to_string(limit) + " tokens";
        size = lo;
    } else if (notice) {
        notice->clear();
    }
    const Task task = makeTask(g, size);
    std::vector<int32_t> ids = tok.encode(task.text, true);
    const std::vector<int32_t> prompt = tok.encode(task.prompt, true);
    // The answer's tokens are what the full text adds after the prompt's; should a
    // merge cross the boundary, the common prefix is where the answer starts.
    const auto mismatch = std::mismatch(prompt.begin(), prompt.end(), ids.begin(), ids.end());
    const int64_t start = std::max<int64_t>(1, mismatch.second - ids.begin());
    if (start >= int64_t(ids.size())) throw Error(w.source, "answer", "the answer gives no tokens");
    if (retrievalStart) *retrievalStart = start;
    if (answer) *answer = task.answer;
    return ids;
}

WorkloadComparison compareWorkloads(const Model& model, const std::vector<WorkloadText>& texts,
                                    const PatternSpec& pattern, const ComparisonOptions& o) {
    validate(pattern);
    if (texts.empty()) throw Error("<input>", "workloads", "no texts to compare");
    WorkloadComparison result;
    result.pattern = pattern;
    result.layers = o.layers;
    auto stop = [&] { return o.cancel && o.cancel->load(std::memory_order_relaxed); };
    ForwardOptions dense;
    dense.threads = o.threads;
    dense.progress = [&](int, int) { return !stop(); };
    try {
        for (size_t i = 0; i < texts.size(); ++i) {
            if (stop()) break;
            WorkloadRow row;
            row.workload = texts[i];
            row.workload.text.clear();
            int64_t start = -1;
            std::string answer;
            const std::vector<int32_t> ids = workloadIds(model, texts[i], o.maxTokens, &start, &answer, &row.notice);
            if (ids.size() < 2)
                throw Error(texts[i].source, "text", "needs at least 2 tokens to score next-token predictions");
            row.tokens = int64_t(ids.size());

            ForwardOptions capture = dense;
            capture.capture = true;
            capture.captureProbs = false;
            ForwardResult d = model.forward(ids, capture);
            row.attention = analyzeCaptures(d.layers, pattern, o.layers).aggregate;
            row.attention.rowRecall = {};
            row.attention.rowOutputError = {};
            row.attention.rowDensity = {};
            row.attention.rowIndexerOverlap = {};
            row.flopsShare = row.attention.flopsDense > 0 ? row.attention.flopsSparse / row.attention.flopsDense : 0;
            d.layers.clear();

            ForwardOptions sparse = dense;
            sparse.pattern = &pattern;
            sparse.sparseLayers = o.layers;
            const MatrixRM sparseLogits = model.forward(ids, sparse).logits;
            row.eval = compareNextToken(d.logits, sparseLogits, ids);
            if (start >= 1) {
                RetrievalCheck r;
                r.answer = answer;
                r.promptTokens = start;
                r.answerTokens = int(int64_t(ids.size()) - start);
                r.dense = answerRetrieved(d.logits, ids, start);
                r.sparse = answerRetrieved(sparseLogits, ids, start);
                row.retrieval = r;
            }
            result.rows.push_back(std::move(row));
            if (o.progress && !o.progress(int(i + 1), int(texts.size()))) break;
        }
    } catch (const ForwardCancelled&) {
    }
    result.cancelled = result.rows.size() < texts.size();
    return result;
}

}  // namespace sparsescope
