#include "ui/window/export_actions.h"

#include "ui/views/sweep_view.h"
#include "ui/views/workload_comparison_view.h"

#include "core/common/error.h"
#include "core/metrics/metrics_json.h"
#include "core/pattern/pattern_json.h"
#include "ui/controller/analysis_controller.h"
#include "ui/controller/pattern_pipeline.h"
#include "ui/heatmap/heatmap_view.h"
#include "ui/panels/pattern_controls.h"
#include "ui/window/main_window.h"

#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QMenu>
#include <QSaveFile>
#include <QTemporaryDir>
#include <qcustomplot.h>

#include <cstdio>

namespace sparsescope::ui {

namespace {

using nlohmann::json;

json evalToJson(const ModelEval& e) {
    return {{"tokens", e.tokens},         {"loss_dense", e.lossDense}, {"loss_sparse", e.lossSparse},
            {"loss_delta", e.lossDelta},  {"ppl_ratio", e.pplRatio},   {"top1_agreement", e.top1Agreement}};
}

// The stages of the controller's latest request; the model-level figures when they
// were computed for its pattern and layers.
struct CurrentStages {
    HeadStagePtr head;
    LayerStagePtr layer;
    ModelAttentionStagePtr model;
    ModelEvalStagePtr eval;
};

CurrentStages currentStages(const AnalysisController& c) {
    CurrentStages s;
    const uint64_t gen = c.generation();
    if (c.headStage() && c.headStage()->generation == gen) s.head = c.headStage();
    if (!s.head) throw Error("<readouts>", "head", "the readouts are still being computed; export again in a moment");
    if (c.layerStage() && c.layerStage()->generation == gen) s.layer = c.layerStage();
    if (c.modelAttentionStage() && c.modelAttentionStage()->generation == gen) s.model = c.modelAttentionStage();
    const ModelEvalStagePtr e = c.modelEvalStage();
    if (e && samePattern(e->pattern, c.pattern()) && e->layers == c.patternLayers()) s.eval = e;
    return s;
}

std::string number(double v) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    return buf;
}

void csvRows(std::string& out, const char* scope, const std::string& layer, const std::string& head, const json& j) {
    for (auto it = j.begin(); it != j.end(); ++it) {
        std::string v;
        if (it->is_boolean()) v = it->get<bool>() ? "1" : "0";
        else if (it->is_number_integer()) v = std::to_string(it->get<int64_t>());
        else if (it->is_number()) v = number(it->get<double>());
        else continue;
        out += std::string(scope) + "," + layer + "," + head + "," + it.key() + "," + v + "\n";
    }
}

bool copyInto(const QString& tmp, const QString& path, QString* problem) {
    QFile f(tmp);
    if (!f.open(QIODevice::ReadOnly) || f.size() == 0) {
        *problem = QObject::tr("the plot could not be rendered");
        return false;
    }
    return writeFileAtomically(path, f.readAll(), problem);
}

}  // namespace

bool writeFileAtomically(const QString& path, const QByteArray& bytes, QString* problem) {
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly)) {
        *problem = f.errorString();
        return false;
    }
    if (f.write(bytes) != bytes.size()) {
        *problem = f.errorString();
        f.cancelWriting();
        return false;
    }
    if (!f.commit()) {
        *problem = f.errorString();
        return false;
    }
    return true;
}

bool exportPlotPng(QCustomPlot* plot, const QString& path, QString* problem) {
    QTemporaryDir tmp;
    const QString file = tmp.filePath(QStringLiteral("heatmap.png"));
    if (!tmp.isValid() || !plot->savePng(file, 0, 0, 2.0)) {
        *problem = QObject::tr("the plot could not be rendered as PNG");
        return false;
    }
    return copyInto(file, path, problem);
}

bool exportPlotPdf(QCustomPlot* plot, const QString& path, QString* problem) {
    QTemporaryDir tmp;
    const QString file = tmp.filePath(QStringLiteral("heatmap.pdf"));
    if (!tmp.isValid() || !plot->savePdf(file, 0, 0, QCP::epAllowCosmetic, QStringLiteral("SparseScope"))) {
        *problem = QObject::tr("the plot could not be rendered as PDF");
        return false;
    }
    return copyInto(file, path, problem);
}

QByteArray readoutsJson(const AnalysisController& c) {
    const CurrentStages s = currentStages(c);
    const Workload& w = *s.head->workload;
    json j;
    j["format"] = "sparsescope-readouts";
    j["version"] = 1;
    j["workload"] = {{"model_dir", w.modelDir}, {"text_source", w.textSource}, {"qkv_source", w.qkvSource},
                     {"tokens", w.n()},         {"layers", w.layerCount()},   {"heads", w.headCount()}};
    j["pattern"] = patternToJson(s.head->pattern);
    j["pattern_layers"] = resolveLayers(c.patternLayers(), w.layerCount());
    j["selection"] = {{"layer", s.head->selection.layer}, {"head", s.head->selection.head}};
    j["head"] = metricsToJson(s.head->metrics);
    j["layer"] = nullptr;
    if (s.layer) {
        json per = json::array();
        for (const HeadMetrics& m : s.layer->perHead) per.push_back(metricsToJson(m));
        j["layer"] = {{"layer", s.layer->layer}, {"aggregate", metricsToJson(s.layer->aggregate)}, {"per_head", per}};
    }
    j["model"] = nullptr;
    if (s.model) {
        json perLayer = json::array();
        for (size_t l = 0; l < s.model->perLayer.size(); ++l) perLayer.push_back({{"layer", l}, {"aggregate", metricsToJson(s.model->perLayer[l])}});
        j["model"] = {{"layers", s.model->layers}, {"aggregate", metricsToJson(s.model->aggregate)}, {"per_layer", perLayer}};
    }
    j["model_level"] = s.eval ? evalToJson(s.eval->eval) : json(nullptr);
    return QByteArray::fromStdString(j.dump(2) + "\n");
}

QByteArray readoutsCsv(const AnalysisController& c) {
    const CurrentStages s = currentStages(c);
    std::string out = "scope,layer,head,metric,value\n";
    const std::string l = std::to_string(s.head->selection.layer), h = std::to_string(s.head->selection.head);
    csvRows(out, "head", l, h, metricsToJson(s.head->metrics));
    if (s.layer) csvRows(out, "layer", std::to_string(s.layer->layer), "", metricsToJson(s.layer->aggregate));
    if (s.model) csvRows(out, "model", "", "", metricsToJson(s.model->aggregate));
    if (s.eval) csvRows(out, "model_level", "", "", evalToJson(s.eval->eval));
    return QByteArray::fromStdString(out);
}

ExportActions::ExportActions(MainWindow* window) : QObject(window), window_(window) {}

void ExportActions::addTo(QMenu* file) {
    file->addAction(tr("Export heatmap as PNG/PDF…"), this, [this] {
        const QString p = QFileDialog::getSaveFileName(window_, tr("Export heatmap"), QString(),
                                                       tr("PNG image (*.png);;PDF document (*.pdf)"));
        if (!p.isEmpty()) exportHeatmap(p);
    });
    file->addAction(tr("Export readouts as CSV/JSON…"), this, [this] {
        const QString p = QFileDialog::getSaveFileName(window_, tr("Export readouts"), QString(),
                                                       tr("CSV table (*.csv);;JSON (*.json)"));
        if (!p.isEmpty()) exportReadouts(p);
    });
    file->addAction(tr("Export sweep results as CSV/JSON…"), this, [this] {
        const QString p = QFileDialog::getSaveFileName(window_, tr("Export sweep results"), QString(),
                                                       tr("CSV table (*.csv);;JSON (*.json)"));
        if (!p.isEmpty()) exportSweep(p);
    });
    file->addAction(tr("Export workload comparison as CSV/JSON…"), this, [this] {
        const QString p = QFileDialog::getSaveFileName(window_, tr("Export workload comparison"), QString(),
                                                       tr("CSV table (*.csv);;JSON (*.json)"));
        if (!p.isEmpty()) exportWorkloads(p);
    });
    file->addAction(tr("Save pattern as JSON…"), this, [this] {
        const QString p = QFileDialog::getSaveFileName(window_, tr("Save pattern"), QString(), tr("Pattern JSON (*.json)"));
        if (!p.isEmpty()) savePattern(p);
    });
    file->addAction(tr("Open pattern JSON…"), this, [this] {
        const QString p = QFileDialog::getOpenFileName(window_, tr("Open pattern"), QString(), tr("Pattern JSON (*.json)"));
        if (!p.isEmpty()) openPattern(p);
    });
}

bool ExportActions::fail(const QString& what, const QString& path, const QString& problem) {
    window_->showError(what, tr("File: %1\n\nProblem: %2").arg(path, problem));
    return false;
}

bool ExportActions::exportHeatmap(const QString& path) {
    QString problem;
    const bool pdf = path.endsWith(QLatin1String(".pdf"), Qt::CaseInsensitive);
    QCustomPlot* plot = window_->heatmap()->plot();
    const bool ok = pdf ? exportPlotPdf(plot, path, &problem) : exportPlotPng(plot, path, &problem);
    return ok || fail(tr("Could not export the heatmap"), path, problem);
}

bool ExportActions::exportSweep(const QString& path) {
    const SweepView* v = window_->sweepView();
    if (v->results().empty())
        return fail(tr("Could not export the sweep"), path, tr("no sweep has run yet (View ▸ Pareto sweep, Run sweep)"));
    const bool json = path.endsWith(QLatin1String(".json"), Qt::CaseInsensitive);
    QString problem;
    return writeFileAtomically(path, json ? v->toJson() : v->toCsv().toUtf8(), &problem) ||
           fail(tr("Could not export the sweep"), path, problem);
}

bool ExportActions::exportWorkloads(const QString& path) {
    const WorkloadComparisonView* v = window_->workloadComparisonView();
    if (!v->comparison())
        return fail(tr("Could not export the workload comparison"), path,
                    tr("no comparison has run yet (View ▸ Workload comparison, Compare)"));
    const bool json = path.endsWith(QLatin1String(".json"), Qt::CaseInsensitive);
    QString problem;
    return writeFileAtomically(path, json ? v->toJson() : v->toCsv().toUtf8(), &problem) ||
           fail(tr("Could not export the workload comparison"), path, problem);
}

bool ExportActions::exportReadouts(const QString& path) {
    QByteArray bytes;
    try {
        bytes = path.endsWith(QLatin1String(".json"), Qt::CaseInsensitive) ? readoutsJson(*window_->controller())
                                                                           : readoutsCsv(*window_->controller());
    } catch (const Error& e) {
        return fail(tr("Could not export the readouts"), path, QString::fromStdString(e.problem()));
    }
    QString problem;
    return writeFileAtomically(path, bytes, &problem) || fail(tr("Could not export the readouts"), path, problem);
}

bool ExportActions::savePattern(const QString& path) {
    const QByteArray bytes = QByteArray::fromStdString(patternToJson(window_->controller()->pattern()).dump(2) + "\n");
    QString problem;
    return writeFileAtomically(path, bytes, &problem) || fail(tr("Could not save the pattern"), path, problem);
}

bool ExportActions::openPattern(const QString& path) {
    try {
        const PatternSpec spec = loadPatternFile(path.toStdString());
        validate(spec);
        window_->patternControls()->setSpec(spec);
        return true;
    } catch (const Error& e) {
        const QString problem = QString::fromStdString(e.field().empty() ? e.problem() : e.field() + ": " + e.problem());
        return fail(tr("Could not open the pattern"), path, problem);
    }
}

}  // namespace sparsescope::ui
