#pragma once
// Workload comparison: one pattern on several texts (the bundled samples, or every
// text file of a folder), so the user sees that code, prose, legal text and
// retrieval tolerate different sparsity. Per text, over the chosen layers:
//   attention: analyzeCaptures(dense captures, pattern, layers).aggregate
//   model:     compareNextToken(dense logits, sparse logits, ids)
//   retrieval (passkey / keyvalue samples, whose answer is known; TEAM.md):
//     retrieved = with prompt + answer fed (teacher forcing), at every answer-token
//     position p the argmax of logits[p - 1] equals ids[p]; judged for the dense run
//     and for the sparse run.
// A generated task longer than maxTokens is remade smaller (fewer filler units, or
// fewer key-value pairs with the query at the same relative line) rather than cut,
// because cutting would drop the question and the answer.
#include "core/metrics/attention_metrics.h"
#include "core/model/evaluation.h"
#include "core/pattern/pattern_spec.h"
#include "core/workload/sample_manifest.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace sparsescope {

class Model;

// One text to evaluate: a bundled sample (with its generator, if any) or a file.
struct WorkloadText {
    std::string id;      // manifest id, or the file name
    std::string title;
    std::string kind;    // manifest kind; "file" for a folder's files
    std::string source;  // the file path (or the generator's description)
    std::string text;    // the text (for a generator: its full prompt + answer)
    std::optional<SampleGenerator> generator;
};

// The samples of samplesDir/manifest.json, in manifest order. Throws what
// loadSampleManifest / loadSampleText throw.
std::vector<WorkloadText> bundledWorkloads(const std::string& samplesDir);

// Every regular file directly in `folder` that reads as text (readTextFile's checks),
// sorted by name; the files that do not are listed in *skipped ("name: problem").
// Throws Error(folder, ...) when the folder cannot be listed or holds no text file.
std::vector<WorkloadText> folderWorkloads(const std::string& folder, std::vector<std::string>* skipped = nullptr);

struct RetrievalCheck {
    std::string answer;       // " 41725"
    int answerTokens = 0;     // positions judged
    int64_t promptTokens = 0; // the first answer position
    bool dense = false;       // retrieved with dense attention
    bool sparse = false;      // retrieved with the pattern
};

struct WorkloadRow {
    WorkloadText workload;       // text cleared to keep the row small
    std::string notice;          // truncation or "remade with F filler units" (empty when none)
    int64_t tokens = 0;
    HeadMetrics attention;       // pooled over the chosen layers (no per-row vectors)
    double flopsShare = 0;       // flopsSparse / flopsDense
    ModelEval eval;
    std::optional<RetrievalCheck> retrieval;  // passkey / keyvalue only
};

using ComparisonProgress = std::function<bool(int done, int total)>;  // false = stop

struct ComparisonOptions {
    std::vector<int> layers;  // empty = every layer
    int64_t maxTokens = 0;    // <= 0: the model's context
    int threads = 0;
    ComparisonProgress progress;  // after each text
    const std::atomic<bool>* cancel = nullptr;
};

struct WorkloadComparison {
    PatternSpec pattern;
    std::vector<int> layers;
    std::vector<WorkloadRow> rows;  // one per text, in order; fewer when cancelled
    bool cancelled = false;
};

WorkloadComparison compareWorkloads(const Model& model, const std::vector<WorkloadText>& texts,
                                    const PatternSpec& pattern, const ComparisonOptions& options = {});

// --- the steps, exposed for tests and the GUI --------------------------------------

// The ids to run for one text: generator tasks remade to fit, other texts truncated.
// *retrievalStart gets the first answer position for generator tasks (else -1),
// *notice what was done to fit.
std::vector<int32_t> workloadIds(const Model& model, const WorkloadText& w, int64_t maxTokens,
                                 int64_t* retrievalStart, std::string* answer, std::string* notice);

// Teacher-forced retrieval: every position p in [start, ids.size()) has
// argmax(logits[p - 1]) == ids[p] (the first maximum on ties). start >= 1.
bool answerRetrieved(const MatrixRM& logits, const std::vector<int32_t>& ids, int64_t start);

}  // namespace sparsescope
