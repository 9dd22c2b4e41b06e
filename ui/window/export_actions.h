#pragma once
// File ▸ Export: the heatmap as PNG or PDF (QCustomPlot's savePng / savePdf),
// the readouts, the Pareto sweep and the workload comparison as CSV or JSON (core's
// keys), and the pattern as the
// JSON that `sparsescope-cli --pattern-file` reads; File ▸ Open pattern JSON.
// Every write goes through QSaveFile: the target is replaced only when the whole
// file was written, so a failed or interrupted export leaves an existing file intact.
// Failures go to the main window's error sink, naming the file and the problem.
#include "ui/controller/analysis_results.h"

#include <QByteArray>
#include <QObject>
#include <QString>

class QCustomPlot;
class QMenu;

namespace sparsescope::ui {

class AnalysisController;
class MainWindow;

// Writes `bytes` to `path` through QSaveFile; false and `problem` set on failure.
bool writeFileAtomically(const QString& path, const QByteArray& bytes, QString* problem);

// The plot through savePng / savePdf (into a temporary file), then atomically to `path`.
bool exportPlotPng(QCustomPlot* plot, const QString& path, QString* problem);
bool exportPlotPdf(QCustomPlot* plot, const QString& path, QString* problem);

// The controller's current stages (those of its latest request): the head's
// metrics, its layer's aggregate, the model aggregate and the model-level figures;
// stages still being computed are null (JSON) or left out (CSV). Throws Error when
// not even the head's readouts are there yet.
QByteArray readoutsJson(const AnalysisController& c);
// Columns: scope,layer,head,metric,value; scope is head | layer | model | model_level,
// metric one of core's metrics JSON keys (or loss_dense, loss_sparse, loss_delta,
// ppl_ratio, top1_agreement, tokens), value in full precision (%.17g).
QByteArray readoutsCsv(const AnalysisController& c);

class ExportActions : public QObject {
    Q_OBJECT
public:
    explicit ExportActions(MainWindow* window);
    // Adds the export entries and "Open pattern JSON…" to the File menu.
    void addTo(QMenu* file);

    // The menu's dialogs end here (tests call these directly). false = the error was shown.
    bool exportHeatmap(const QString& path);   // .pdf: PDF, anything else: PNG
    bool exportReadouts(const QString& path);  // .json: JSON, anything else: CSV
    bool exportSweep(const QString& path);      // the Pareto sweep shown: .json JSON, else CSV
    bool exportWorkloads(const QString& path);  // the workload comparison shown: .json JSON, else CSV
    bool savePattern(const QString& path);
    bool openPattern(const QString& path);     // shows it in the pattern controls

private:
    bool fail(const QString& what, const QString& path, const QString& problem);
    MainWindow* window_;
};

}  // namespace sparsescope::ui
