#pragma once
// Layers x heads as a table model for the gallery: each cell a thumbnail of the
// head's dense attention tinted by the pattern (blue: kept mass, red: dropped
// mass) and the head's recall under the current pattern.
#include "ui/controller/analysis_results.h"
#include "ui/panels/readout_format.h"

#include <QAbstractTableModel>
#include <QImage>

#include <vector>

namespace sparsescope::ui {

class HeadGalleryModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Role { RecallRole = Qt::UserRole + 1, WithinBudgetRole, DensityRole };

    explicit HeadGalleryModel(QObject* parent = nullptr);

    void setWorkload(const WorkloadPtr& workload);
    void setThumbnails(const WorkloadPtr& workload, const ThumbnailsPtr& thumbnails);
    void setAttention(const ModelAttentionStagePtr& stage);  // null: pattern pending
    void setBudget(const AccuracyBudget& budget);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // The thumbnail's pixel colours from the dense mass and kept share of each cell.
    // Without `mass` (thumbnails not computed yet) a light grey placeholder.
    static QImage renderThumbnail(const HeatmapGrid* mass, const HeatmapGrid* keptShare);

private:
    void rebuildImages();

    WorkloadPtr workload_;
    ThumbnailsPtr thumbnails_;
    ModelAttentionStagePtr stage_;
    AccuracyBudget budget_;
    std::vector<std::vector<QImage>> images_;  // [layer][head]
};

}  // namespace sparsescope::ui
