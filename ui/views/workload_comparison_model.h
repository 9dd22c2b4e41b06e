#pragma once
// The workload comparison as a table: one row per text, the columns below.
// DisplayRole gives formatted text, Qt::UserRole the raw value (double, qint64,
// bool, or an invalid QVariant where a figure does not apply), ToolTipRole the
// notice (truncation, task remade smaller) and the column's meaning.
#include "core/explore/workload_comparison.h"

#include <QAbstractTableModel>

#include <memory>

namespace sparsescope::ui {

class WorkloadComparisonModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        Workload,
        Kind,
        Tokens,
        Density,
        RecallMean,
        RecallMin,
        LossDelta,
        PplRatio,
        Top1Agreement,
        RetrievedDense,
        RetrievedSparse,
        ColumnCount
    };

    explicit WorkloadComparisonModel(QObject* parent = nullptr);

    void setComparison(std::shared_ptr<const WorkloadComparison> comparison);
    std::shared_ptr<const WorkloadComparison> comparison() const { return comparison_; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    std::shared_ptr<const WorkloadComparison> comparison_;
};

}  // namespace sparsescope::ui
