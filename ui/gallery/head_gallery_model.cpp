#include "ui/gallery/head_gallery_model.h"

#include "ui/heatmap/rule_palette.h"

#include <algorithm>
#include <cmath>

namespace sparsescope::ui {

namespace {
// Thumbnail intensity: log of the cell mass relative to the head's largest cell,
// over three decades, so weak but real structure stays visible.
constexpr double kDecades = 3.0;
const QColor kKept(0x1f, 0x5f, 0xb4);
const QColor kDropped(0xd6, 0x27, 0x28);
}  // namespace

HeadGalleryModel::HeadGalleryModel(QObject* parent) : QAbstractTableModel(parent) {}

void HeadGalleryModel::setWorkload(const WorkloadPtr& workload) {
    beginResetModel();
    workload_ = workload;
    thumbnails_.reset();
    stage_.reset();
    rebuildImages();
    endResetModel();
}

void HeadGalleryModel::setThumbnails(const WorkloadPtr& workload, const ThumbnailsPtr& thumbnails) {
    if (workload != workload_) return;
    thumbnails_ = thumbnails;
    rebuildImages();
    if (rowCount() > 0 && columnCount() > 0)
        emit dataChanged(index(0, 0), index(rowCount() - 1, columnCount() - 1), {Qt::DecorationRole});
}

void HeadGalleryModel::setAttention(const ModelAttentionStagePtr& stage) {
    if (!workload_) return;
    if (stage && (int(stage->perHead.size()) != rowCount() ||
                  (!stage->perHead.empty() && int(stage->perHead.front().size()) != columnCount())))
        return;  // belongs to another workload
    stage_ = stage;
    rebuildImages();
    if (rowCount() > 0 && columnCount() > 0)
        emit dataChanged(index(0, 0), index(rowCount() - 1, columnCount() - 1));
}

void HeadGalleryModel::setBudget(const AccuracyBudget& budget) {
    budget_ = budget;
    if (rowCount() > 0 && columnCount() > 0)
        emit dataChanged(index(0, 0), index(rowCount() - 1, columnCount() - 1), {WithinBudgetRole, Qt::ForegroundRole});
}

int HeadGalleryModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() || !workload_ ? 0 : workload_->layerCount();
}

int HeadGalleryModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() || !workload_ ? 0 : workload_->headCount();
}

QVariant HeadGalleryModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
    const int l = index.row(), h = index.column();
    const HeadMetrics* m = stage_ ? &stage_->perHead[size_t(l)][size_t(h)] : nullptr;
    switch (role) {
    case Qt::DisplayRole: return m ? QString::number(m->recallMean, 'f', 3) : QStringLiteral("…");
    case Qt::DecorationRole: return images_[size_t(l)][size_t(h)];
    case Qt::ToolTipRole:
        // Density per head and its spread over rows: adaptive rules (top-p, H2O, Quest)
        // keep a different share in every head.
        return m ? tr("Layer %1, head %2\ndensity %3 % (rows: p10 %4 %, p90 %5 %)\nrecall mean %6, min %7\n"
                      "KL %8, top-1 retention %9 %")
                       .arg(l).arg(h).arg(100 * m->density, 0, 'f', 2).arg(100 * m->rowDensityP10, 0, 'f', 1)
                       .arg(100 * m->rowDensityP90, 0, 'f', 1).arg(m->recallMean, 0, 'f', 4)
                       .arg(m->recallMin, 0, 'f', 4).arg(m->klMean, 0, 'f', 4).arg(100 * m->top1Retention, 0, 'f', 1)
                 : tr("Layer %1, head %2 (computing…)").arg(l).arg(h);
    case Qt::ForegroundRole:
        if (!m) return QColor(Qt::gray);
        return m->recallMean >= budget_.recallMean ? QColor(0x1b, 0x7f, 0x3b) : QColor(0xc6, 0x28, 0x28);
    case RecallRole: return m ? QVariant(m->recallMean) : QVariant();
    case WithinBudgetRole: return m ? QVariant(m->recallMean >= budget_.recallMean) : QVariant();
    case DensityRole: return m ? QVariant(m->density) : QVariant();
    default: return {};
    }
}

QVariant HeadGalleryModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (role != Qt::DisplayRole || section < 0) return {};
    if (orientation == Qt::Horizontal) return section < columnCount() ? tr("H%1").arg(section) : QVariant();
    return section < rowCount() ? tr("L%1").arg(section) : QVariant();
}

QImage HeadGalleryModel::renderThumbnail(const HeatmapGrid* massPtr, const HeatmapGrid* share) {
    if (!massPtr) {
        QImage blank{int(kThumbnailCells), int(kThumbnailCells), QImage::Format_RGB32};
        blank.fill(QColor(0xee, 0xee, 0xee));
        return blank;
    }
    const HeatmapGrid& mass = *massPtr;
    QImage img(int(mass.cellsX), int(mass.cellsY), QImage::Format_RGB32);
    float top = 0.0f;
    for (float v : mass.values) top = std::max(top, v);
    for (int y = 0; y < img.height(); ++y) {
        auto* line = reinterpret_cast<QRgb*>(img.scanLine(y));
        for (int x = 0; x < img.width(); ++x) {
            const double v = mass.at(x, y);
            const double t = v > 0 && top > 0 ? std::clamp(1.0 + std::log10(v / top) / kDecades, 0.0, 1.0) : 0.0;
            QColor c;
            if (!share) {
                c = massColor(t);
            } else {
                const double s = share->at(x, y);
                auto mix = [&](int kept, int dropped) { return s * kept + (1 - s) * dropped; };
                const double r = mix(kKept.red(), kDropped.red()), g = mix(kKept.green(), kDropped.green()),
                             b = mix(kKept.blue(), kDropped.blue());
                c = QColor(int(255 + (r - 255) * t + 0.5), int(255 + (g - 255) * t + 0.5), int(255 + (b - 255) * t + 0.5));
            }
            line[x] = c.rgb();
        }
    }
    return img;
}

void HeadGalleryModel::rebuildImages() {
    images_.clear();
    if (!workload_) return;
    const int L = workload_->layerCount(), H = workload_->headCount();
    images_.assign(size_t(L), std::vector<QImage>(size_t(H)));
    for (int l = 0; l < L; ++l)
        for (int h = 0; h < H; ++h)
            images_[size_t(l)][size_t(h)] =
                renderThumbnail(thumbnails_ ? &(*thumbnails_)[size_t(l)][size_t(h)] : nullptr,
                                stage_ ? &stage_->keptShare[size_t(l)][size_t(h)] : nullptr);
}

}  // namespace sparsescope::ui
