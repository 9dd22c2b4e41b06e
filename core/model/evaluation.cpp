#include "core/model/evaluation.h"

#include "core/common/error.h"

#include <cmath>

namespace sparsescope {
namespace {

void checkShapes(const MatrixRM& logits, const std::vector<int32_t>& ids) {
    if (ids.size() < 2) throw Error("<input>", "ids", "next-token loss needs at least 2 tokens");
    if (logits.rows() != static_cast<int64_t>(ids.size()))
        throw Error("<input>", "logits",
                    "has " + std::to_string(logits.rows()) + " rows for " + std::to_string(ids.size()) + " tokens");
    for (size_t t = 1; t < ids.size(); ++t)
        if (ids[t] < 0 || ids[t] >= logits.cols())
            throw Error("<input>", "ids", "token id " + std::to_string(ids[t]) + " outside the logits' vocabulary");
}

// -log softmax(row)[target], in double: logsumexp(row) - row[target].
double crossEntropy(const float* row, int64_t V, int32_t target) {
    float mx = row[0];
    for (int64_t j = 1; j < V; ++j) mx = std::max(mx, row[j]);
    double sum = 0.0;
    for (int64_t j = 0; j < V; ++j) sum += std::exp(static_cast<double>(row[j]) - mx);
    return std::log(sum) + mx - static_cast<double>(row[target]);
}

int64_t argmax(const float* row, int64_t V) {
    int64_t best = 0;
    for (int64_t j = 1; j < V; ++j)
        if (row[j] > row[best]) best = j;
    return best;
}

}  // namespace

double nextTokenLoss(const MatrixRM& logits, const std::vector<int32_t>& ids) {
    checkShapes(logits, ids);
    const int64_t T = logits.rows(), V = logits.cols();
    double total = 0.0;
    for (int64_t t = 0; t + 1 < T; ++t) total += crossEntropy(logits.data() + t * V, V, ids[static_cast<size_t>(t + 1)]);
    return total / static_cast<double>(T - 1);
}

ModelEval compareNextToken(const MatrixRM& denseLogits, const MatrixRM& sparseLogits,
                           const std::vector<int32_t>& ids) {
    checkShapes(denseLogits, ids);
    checkShapes(sparseLogits, ids);
    if (denseLogits.cols() != sparseLogits.cols())
        throw Error("<input>", "logits", "dense and sparse logits have different vocabulary sizes");
    ModelEval e;
    const int64_t T = denseLogits.rows(), V = denseLogits.cols();
    e.tokens = static_cast<int>(T);
    e.lossDense = nextTokenLoss(denseLogits, ids);
    e.lossSparse = nextTokenLoss(sparseLogits, ids);
    e.lossDelta = e.lossSparse - e.lossDense;
    e.pplRatio = std::exp(e.lossDelta);
    int64_t same = 0;
    for (int64_t t = 0; t + 1 < T; ++t)
        same += argmax(denseLogits.data() + t * V, V) == argmax(sparseLogits.data() + t * V, V);
    e.top1Agreement = static_cast<double>(same) / static_cast<double>(T - 1);
    return e;
}

ModelEval evaluateSparse(const Model& model, const std::vector<int32_t>& ids, const PatternSpec& pattern,
                         const std::vector<int>& sparseLayers, int threads, const ForwardProgress& progress) {
    if (ids.size() < 2) throw Error("<input>", "ids", "next-token loss needs at least 2 tokens");
    const int layers = static_cast<int>(model.config().layers);
    ForwardOptions dense;
    dense.threads = threads;
    // Progress runs over both passes: 2L layers in all.
    if (progress) dense.progress = [&](int done, int) { return progress(done, 2 * layers); };
    const MatrixRM denseLogits = model.forward(ids, dense).logits;

    ForwardOptions sparse = dense;
    sparse.pattern = &pattern;
    sparse.sparseLayers = sparseLayers;
    if (progress) sparse.progress = [&](int done, int) { return progress(layers + done, 2 * layers); };
    const MatrixRM sparseLogits = model.forward(ids, sparse).logits;
    return compareNextToken(denseLogits, sparseLogits, ids);
}

}  // namespace sparsescope
