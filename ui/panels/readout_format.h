#pragma once
// The figures of the readouts panel: which exist, how each is formatted from
// core's result structs, and how each compares with the user's accuracy budget.
// The tests format core's own values with the same functions and compare texts.
#include "core/metrics/attention_metrics.h"
#include "core/model/evaluation.h"

#include <QString>

#include <optional>

namespace sparsescope::ui {

// Attention-level figures, shown per head, layer and model.
enum class Figure {
    Density,
    RowDensity,     // spread over query rows (adaptive rules vary per row)
    CoreFlops,      // "dense → sparse" of the token-level attention alone
    SelectorFlops,  // what choosing the keys costs (oracle pass, indexer, NSA compression, ...)
    Flops,          // total: "dense → core + selector"
    FlopsRatio,
    KvReads,
    BlockDensity,
    Speedup,
    RecallMean,
    RecallMin,
    Kl,
    OutputError,
    Top1Retention,
    IndexerOverlap,  // DSA: the indexer's top-k against the oracle's
    Count
};

// Model-level figures (sparse forward pass against the dense one).
enum class EvalFigure { LossDense, LossSparse, LossDelta, PplRatio, Top1Agreement, Count };

QString figureName(Figure f);
QString figureToolTip(Figure f);
QString evalFigureName(EvalFigure f);
QString formatFigure(Figure f, const HeadMetrics& m);
QString formatEvalFigure(EvalFigure f, const ModelEval& e);

// Accuracy budget: each figure passes when it is on the good side of its limit.
struct AccuracyBudget {
    double recallMean = 0.95;    // recall mean >= this
    double recallMin = 0.50;     // recall min >= this
    double klMean = 0.05;        // KL mean <= this (nats)
    double outputError = 0.10;   // output relative error mean <= this
    double top1Retention = 0.90; // >= this
    double lossDelta = 0.05;     // Δ loss <= this (nats); perplexity ratio <= exp(this)
    double top1Agreement = 0.95; // >= this
};

// nullopt: the figure is not an accuracy figure (compute figures are not judged).
std::optional<bool> withinBudget(Figure f, const HeadMetrics& m, const AccuracyBudget& b);
std::optional<bool> withinBudget(EvalFigure f, const ModelEval& e, const AccuracyBudget& b);

}  // namespace sparsescope::ui
