#pragma once
// A QCustomPlot colour map that shows one data cell per screen pixel exactly, for
// every token-pair picture (the heatmap, reachability, the comparison view):
//  - not antialiased: QCPPainter draws antialiased plottables half a pixel off, which
//    moves every cell one pixel right and clips the last column;
//  - no interpolation and no grid lines (they would show over the first row/column);
//  - axis lines 4 px off the data and ticks pointing outwards, so a 1-2 pixel strip at
//    the edge (4 sink columns of 1024 tokens) is never hidden under them.
// Returns the colour map, owned by the plot, on the plot's x (keys) and y (queries,
// top to bottom) axes. tests/ui/test_heatmap_pixels.cpp checks the pixels.
#include <QSize>

class QCustomPlot;
class QCPColorMap;

namespace sparsescope {
struct HeatmapGrid;
}

namespace sparsescope::ui {

QCPColorMap* addCellMap(QCustomPlot* plot);

// Sizes the map's data for `grid`, cells uniform in token units (cell x centred at
// col0 - 0.5 + (x + 0.5) * width), and returns the data size: at least 2 x 2, since
// QCPColorMapData needs two cells to have a width (a single cell becomes two halves;
// data cell x shows grid cell x * cellsX / size.width()).
QSize shapeCellMap(QCPColorMap* map, const HeatmapGrid& grid);

}  // namespace sparsescope::ui
