#include "ui/panels/readout_format.h"

#include "core/metrics/speedup_estimate.h"

#include <QCoreApplication>

#include <cmath>

namespace sparsescope::ui {

namespace {

QString tr(const char* s) { return QCoreApplication::translate("Readouts", s); }

// 1234567 -> "1.23 M"; FLOPs and pair counts span many orders of magnitude.
QString engineering(double v) {
    const char* units[] = {"", " k", " M", " G", " T", " P"};
    int u = 0;
    while (std::abs(v) >= 1000.0 && u < 5) {
        v /= 1000.0;
        ++u;
    }
    return QString::number(v, 'g', 3) + QString::fromLatin1(units[u]);
}

QString fixed(double v, int digits) { return QString::number(v, 'f', digits); }

}  // namespace

QString figureName(Figure f) {
    switch (f) {
    case Figure::Density: return tr("Density");
    case Figure::RowDensity: return tr("Row density (p10 – p90)");
    case Figure::CoreFlops: return tr("Core attention FLOPs");
    case Figure::SelectorFlops: return tr("Selector FLOPs");
    case Figure::Flops: return tr("Total attention FLOPs");
    case Figure::FlopsRatio: return tr("FLOPs sparse / dense");
    case Figure::KvReads: return tr("KV reads / decoded token");
    case Figure::BlockDensity: return tr("Block density (B)");
    case Figure::Speedup: return tr("Est. attention speed-up");
    case Figure::RecallMean: return tr("Recall (mean)");
    case Figure::RecallMin: return tr("Recall (min)");
    case Figure::Kl: return tr("KL(sparse ‖ dense)");
    case Figure::OutputError: return tr("Output error (mean)");
    case Figure::Top1Retention: return tr("Top-1 retention");
    case Figure::IndexerOverlap: return tr("Indexer ∩ oracle top-k");
    case Figure::Count: break;
    }
    return {};
}

QString figureToolTip(Figure f) {
    switch (f) {
    case Figure::Density: return tr("Kept causal pairs / all causal pairs n(n+1)/2.");
    case Figure::RowDensity:
        return tr("Kept keys / visible keys of each query row: the 10th and 90th percentile over the rows. Fixed rules give a narrow spread; adaptive ones (top-p, "
                  "H2O, Quest) vary per row and per head.");
    case Figure::CoreFlops:
        return tr("Token-level attention FLOPs, dense kernel → sparse kernel: 2d per q·k, 2d per p·v and 5 for the "
                  "softmax per computed pair (NSA: the selected and window branches).");
    case Figure::SelectorFlops:
        return tr("FLOPs spent choosing the keys, counted apart from core attention: the dense q·k pass of an oracle "
                  "(top-k, top-p), DSA's lightning indexer, NSA's compressed-key attention, Quest's page bounds, "
                  "H2O's score accumulation (docs/methods.md, \"Cost\").");
    case Figure::Flops:
        return tr("Dense attention FLOPs → core + selector FLOPs of the pattern. *: includes a selector that needs "
                  "every dense score.");
    case Figure::FlopsRatio: return tr("Sparse attention FLOPs divided by dense attention FLOPs.");
    case Figure::KvReads: return tr("Keys kept by the last query row: K and V rows read per decoded token "
                                    "(mean over heads for a layer or the model).");
    case Figure::BlockDensity: return tr("Tiles of B × B holding at least one kept pair / tiles holding a causal pair: "
                                         "what a FlashAttention-style block kernel computes.");
    case Figure::Speedup: return tr("Dense FLOPs / (block density × dense FLOPs + selector FLOPs): a first-order "
                                    "estimate for a block-sparse kernel; memory traffic is ignored.");
    case Figure::RecallMean: return tr("Mean over query rows of the dense attention mass the pattern keeps.");
    case Figure::RecallMin: return tr("The smallest recall of any query row.");
    case Figure::Kl: return tr("Mean over rows of −log recall: the KL divergence of the sparse softmax from the dense one.");
    case Figure::OutputError: return tr("Mean over rows of ‖o_sparse − o_dense‖ / ‖o_dense‖.");
    case Figure::Top1Retention: return tr("Share of rows whose densest key is kept.");
    case Figure::IndexerOverlap:
        return tr("DSA only: mean over rows of the share of the oracle's top-k keys (highest q·k) that the indexer "
                  "built from the model's own heads also picks — the gap between an oracle and a realisable selector.");
    case Figure::Count: break;
    }
    return {};
}

QString evalFigureName(EvalFigure f) {
    switch (f) {
    case EvalFigure::LossDense: return tr("Loss, dense (nats)");
    case EvalFigure::LossSparse: return tr("Loss, sparse (nats)");
    case EvalFigure::LossDelta: return tr("Δ loss (nats)");
    case EvalFigure::PplRatio: return tr("Perplexity ratio");
    case EvalFigure::Top1Agreement: return tr("Next-token top-1 agreement");
    case EvalFigure::Count: break;
    }
    return {};
}

QString formatFigure(Figure f, const HeadMetrics& m) {
    switch (f) {
    case Figure::Density: return fixed(100.0 * m.density, 2) + QStringLiteral(" %");
    case Figure::RowDensity:
        return fixed(100.0 * m.rowDensityP10, 1) + QStringLiteral("–") + fixed(100.0 * m.rowDensityP90, 1) +
               QStringLiteral(" %");
    case Figure::CoreFlops:
        return engineering(m.flopsDense) + QStringLiteral(" → ") + engineering(m.flopsSparse - m.flopsSelector);
    case Figure::SelectorFlops: return m.flopsSelector > 0 ? engineering(m.flopsSelector) : QStringLiteral("0");
    case Figure::Flops:
        // "*": includes the dense q.k pass an oracle selector needs (see the tooltip).
        return engineering(m.flopsDense) + QStringLiteral(" → ") + engineering(m.flopsSparse) +
               (m.oracleSelection ? QStringLiteral("*") : QString());
    case Figure::FlopsRatio:
        return fixed(m.flopsDense > 0 ? m.flopsSparse / m.flopsDense : 0.0, 3) + QStringLiteral("×");
    case Figure::KvReads: return QString::number(m.kvReadsLast, 'f', m.kvReadsLast == std::floor(m.kvReadsLast) ? 0 : 1) +
                                 QStringLiteral(" / ") + QString::number(m.n);
    case Figure::BlockDensity: return fixed(100.0 * m.blockDensity, 1) + QStringLiteral(" %");
    case Figure::Speedup: return fixed(estimatedAttentionSpeedup(m), 2) + QStringLiteral("×");
    case Figure::RecallMean: return fixed(m.recallMean, 4);
    case Figure::RecallMin: return fixed(m.recallMin, 4);
    case Figure::Kl: return fixed(m.klMean, 4);
    case Figure::OutputError: return m.hasOutputError ? fixed(m.outputRelErrorMean, 4) : tr("n/a (no V)");
    case Figure::Top1Retention: return fixed(100.0 * m.top1Retention, 1) + QStringLiteral(" %");
    case Figure::IndexerOverlap:
        return m.hasIndexerOverlap ? fixed(100.0 * m.indexerOverlap, 1) + QStringLiteral(" %") : tr("n/a");
    case Figure::Count: break;
    }
    return {};
}

QString formatEvalFigure(EvalFigure f, const ModelEval& e) {
    switch (f) {
    case EvalFigure::LossDense: return fixed(e.lossDense, 4);
    case EvalFigure::LossSparse: return fixed(e.lossSparse, 4);
    case EvalFigure::LossDelta: return (e.lossDelta >= 0 ? QStringLiteral("+") : QString()) + fixed(e.lossDelta, 4);
    case EvalFigure::PplRatio: return fixed(e.pplRatio, 4) + QStringLiteral("×");
    case EvalFigure::Top1Agreement: return fixed(100.0 * e.top1Agreement, 1) + QStringLiteral(" %");
    case EvalFigure::Count: break;
    }
    return {};
}

std::optional<bool> withinBudget(Figure f, const HeadMetrics& m, const AccuracyBudget& b) {
    switch (f) {
    case Figure::RecallMean: return m.recallMean >= b.recallMean;
    case Figure::RecallMin: return m.recallMin >= b.recallMin;
    case Figure::Kl: return m.klMean <= b.klMean;
    case Figure::OutputError:
        if (!m.hasOutputError) return std::nullopt;
        return m.outputRelErrorMean <= b.outputError;
    case Figure::Top1Retention: return m.top1Retention >= b.top1Retention;
    default: return std::nullopt;
    }
}

std::optional<bool> withinBudget(EvalFigure f, const ModelEval& e, const AccuracyBudget& b) {
    switch (f) {
    case EvalFigure::LossDelta: return e.lossDelta <= b.lossDelta;
    case EvalFigure::PplRatio: return e.pplRatio <= std::exp(b.lossDelta);
    case EvalFigure::Top1Agreement: return e.top1Agreement >= b.top1Agreement;
    default: return std::nullopt;
    }
}

}  // namespace sparsescope::ui
