#pragma once
// The gallery: every layer (rows) x head (columns) as a small heatmap with its
// recall under the current pattern; a click selects that head. The overview
// BertViz users know, with sparsity on it.
#include <QTableView>

namespace sparsescope::ui {

class HeadGalleryModel;

class HeadGalleryView : public QTableView {
    Q_OBJECT
public:
    explicit HeadGalleryView(HeadGalleryModel* model, QWidget* parent = nullptr);

    void setCurrentHead(int layer, int head);
    static constexpr int kThumbPixels = 36;

signals:
    void headClicked(int layer, int head);
};

}  // namespace sparsescope::ui
