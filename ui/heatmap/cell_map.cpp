#include "ui/heatmap/cell_map.h"

#include <qcustomplot.h>

namespace sparsescope::ui {

QCPColorMap* addCellMap(QCustomPlot* plot) {
    plot->yAxis->setRangeReversed(true);
    for (QCPAxis* axis : {plot->xAxis, plot->yAxis}) {
        axis->setOffset(4);
        axis->setTickLength(0, 4);
        axis->setSubTickLength(0, 2);
        axis->grid()->setVisible(false);
    }
    auto* map = new QCPColorMap(plot->xAxis, plot->yAxis);
    map->setInterpolate(false);
    map->setAntialiased(false);
    map->setTightBoundary(false);
    return map;
}

}  // namespace sparsescope::ui
