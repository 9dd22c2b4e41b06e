#include "ui/gallery/head_gallery_view.h"

#include "ui/gallery/head_gallery_model.h"

#include <QHeaderView>
#include <QPainter>
#include <QStyledItemDelegate>

namespace sparsescope::ui {

namespace {

// Thumbnail on top, recall below (coloured against the budget), a frame when selected.
class ThumbnailDelegate : public QStyledItemDelegate {
public:
    using QStyledItemDelegate::QStyledItemDelegate;

    void paint(QPainter* p, const QStyleOptionViewItem& option, const QModelIndex& index) const override {
        p->save();
        p->fillRect(option.rect, option.palette.base());  // no style selection fill: the frame marks it
        const QRect r = option.rect.adjusted(2, 2, -2, -2);
        const QImage img = index.data(Qt::DecorationRole).value<QImage>();
        const int side = HeadGalleryView::kThumbPixels;
        const QRect imgRect(r.left() + (r.width() - side) / 2, r.top(), side, side);
        p->setRenderHint(QPainter::SmoothPixmapTransform, false);
        if (!img.isNull()) p->drawImage(imgRect, img);
        p->setPen(QColor(0xbb, 0xbb, 0xbb));
        p->drawRect(imgRect.adjusted(0, 0, -1, -1));
        const QRect textRect(r.left(), imgRect.bottom() + 1, r.width(), r.bottom() - imgRect.bottom());
        p->setPen(index.data(Qt::ForegroundRole).value<QColor>());
        QFont f = option.font;
        f.setPointSizeF(f.pointSizeF() * 0.85);
        p->setFont(f);
        p->drawText(textRect, Qt::AlignCenter, index.data(Qt::DisplayRole).toString());
        if (option.state & QStyle::State_Selected) {
            p->setPen(QPen(option.palette.highlight().color(), 3));
            p->drawRect(option.rect.adjusted(1, 1, -2, -2));
        }
        p->restore();
    }

    QSize sizeHint(const QStyleOptionViewItem&, const QModelIndex&) const override {
        return {HeadGalleryView::kThumbPixels + 10, HeadGalleryView::kThumbPixels + 17};
    }
};

}  // namespace

HeadGalleryView::HeadGalleryView(HeadGalleryModel* model, QWidget* parent) : QTableView(parent) {
    setModel(model);
    setItemDelegate(new ThumbnailDelegate(this));
    setSelectionMode(QAbstractItemView::SingleSelection);
    setSelectionBehavior(QAbstractItemView::SelectItems);
    setEditTriggers(QAbstractItemView::NoEditTriggers);
    setShowGrid(false);
    horizontalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    horizontalHeader()->setDefaultSectionSize(kThumbPixels + 10);
    verticalHeader()->setDefaultSectionSize(kThumbPixels + 17);
    setToolTip(tr("Every head's dense attention (blue: kept by the pattern, red: dropped) and its recall. "
                  "Click to show a head in the heatmap."));
    connect(this, &QAbstractItemView::clicked, this, [this](const QModelIndex& index) {
        if (index.isValid()) emit headClicked(index.row(), index.column());
    });
}

void HeadGalleryView::setCurrentHead(int layer, int head) {
    const QModelIndex index = model()->index(layer, head);
    if (!index.isValid()) return;
    selectionModel()->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect);
    scrollTo(index);
}

}  // namespace sparsescope::ui
