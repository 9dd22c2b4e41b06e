#include "ui/heatmap/cell_map.h"

#include "core/heatmap/heatmap_grid.h"

#include <qcustomplot.h>

#include <algorithm>

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

QSize shapeCellMap(QCPColorMap* map, const HeatmapGrid& g) {
    const int dx = std::max(2, int(g.cellsX)), dy = std::max(2, int(g.cellsY));
    const double cw = double(g.col1 - g.col0) / dx, ch = double(g.row1 - g.row0) / dy;
    QCPColorMapData* data = map->data();
    data->setSize(dx, dy);
    // (QCustomPlot maps a vertical range onto [top - 1, bottom - 1], QRect::bottom() being
    // top + height - 1, and clips plottables to the same pixels: the rows are all drawn,
    // one pixel higher than the axis rect says; tests/ui/test_heatmap_pixels.cpp checks.)
    data->setRange(QCPRange(double(g.col0) - 0.5 + 0.5 * cw, double(g.col0) - 0.5 + (dx - 0.5) * cw),
                   QCPRange(double(g.row0) - 0.5 + 0.5 * ch, double(g.row0) - 0.5 + (dy - 0.5) * ch));
    return {dx, dy};
}

}  // namespace sparsescope::ui
