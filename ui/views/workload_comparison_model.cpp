#include "ui/views/workload_comparison_model.h"

#include <QColor>

namespace sparsescope::ui {

WorkloadComparisonModel::WorkloadComparisonModel(QObject* parent) : QAbstractTableModel(parent) {}

void WorkloadComparisonModel::setComparison(std::shared_ptr<const WorkloadComparison> comparison) {
    beginResetModel();
    comparison_ = std::move(comparison);
    endResetModel();
}

int WorkloadComparisonModel::rowCount(const QModelIndex& parent) const {
    if (parent.isValid() || !comparison_) return 0;
    return int(comparison_->rows.size());
}

int WorkloadComparisonModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant WorkloadComparisonModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || !comparison_ || index.row() >= rowCount() || index.column() >= ColumnCount) return {};
    const WorkloadRow& r = comparison_->rows[size_t(index.row())];
    const auto col = static_cast<Column>(index.column());
    // Raw values first: the display text and the tests both start from them.
    QVariant raw;
    switch (col) {
    case Workload: raw = QString::fromStdString(r.workload.title.empty() ? r.workload.id : r.workload.title); break;
    case Kind: raw = QString::fromStdString(r.workload.kind); break;
    case Tokens: raw = qint64(r.tokens); break;
    case Density: raw = r.attention.density; break;
    case RecallMean: raw = r.attention.recallMean; break;
    case RecallMin: raw = r.attention.recallMin; break;
    case LossDelta: raw = r.eval.lossDelta; break;
    case PplRatio: raw = r.eval.pplRatio; break;
    case Top1Agreement: raw = r.eval.top1Agreement; break;
    case RetrievedDense: if (r.retrieval) raw = r.retrieval->dense; break;
    case RetrievedSparse: if (r.retrieval) raw = r.retrieval->sparse; break;
    case ColumnCount: break;
    }
    if (role == Qt::UserRole) return raw;
    if (role == Qt::DisplayRole) {
        switch (col) {
        case Workload:
        case Kind:
        case Tokens: return raw.toString();
        case Density:
        case RecallMean:
        case RecallMin:
        case Top1Agreement: return QString::number(100.0 * raw.toDouble(), 'f', 1) + QStringLiteral(" %");
        case LossDelta: return QString::asprintf("%+.4f", raw.toDouble());
        case PplRatio: return QString::number(raw.toDouble(), 'f', 4);
        case RetrievedDense:
        case RetrievedSparse: return raw.isValid() ? (raw.toBool() ? tr("yes") : tr("no")) : QStringLiteral("–");
        case ColumnCount: break;
        }
        return {};
    }
    if (role == Qt::TextAlignmentRole)
        return int((col == Workload || col == Kind ? Qt::AlignLeft : Qt::AlignRight) | Qt::AlignVCenter);
    if (role == Qt::ForegroundRole && (col == RetrievedDense || col == RetrievedSparse) && raw.isValid())
        return raw.toBool() ? QColor(0, 130, 60) : QColor(200, 30, 30);
    if (role == Qt::ToolTipRole) {
        QString tip = QString::fromStdString(r.workload.source);
        if (r.retrieval) tip += tr("\nanswer:%1 (%2 tokens)").arg(QString::fromStdString(r.retrieval->answer)).arg(r.retrieval->answerTokens);
        if (!r.notice.empty()) tip += QLatin1Char('\n') + QString::fromStdString(r.notice);
        return tip;
    }
    return {};
}

QVariant WorkloadComparisonModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || section < 0 || section >= ColumnCount) return {};
    static const char* names[] = {"Workload", "Kind", "Tokens", "Density", "Recall mean", "Recall min", "Δ loss",
                                  "PPL ratio", "Top-1 agree", "Retrieved (dense)", "Retrieved (sparse)"};
    static const char* tips[] = {
        "The text (bundled sample or file)",
        "Workload kind from the samples' manifest",
        "Tokens run (retrieval tasks are remade smaller to fit the limit)",
        "Kept causal pairs / all causal pairs, pooled over the pattern's layers",
        "Dense attention mass kept, mean over rows and heads",
        "Smallest recall of any row of any head",
        "Next-token loss with the pattern minus dense (nats)",
        "Perplexity sparse / dense = exp(Δ loss)",
        "Share of positions whose top-1 prediction is unchanged",
        "Passkey / key-value: every answer token predicted (teacher forcing), dense attention",
        "The same with the pattern in the chosen layers"};
    if (role == Qt::DisplayRole) return tr(names[section]);
    if (role == Qt::ToolTipRole) return tr(tips[section]);
    return {};
}

}  // namespace sparsescope::ui
