#include "ui/window/session_actions.h"

#include "core/common/error.h"
#include "core/model/model_config.h"
#include "core/model/model_input.h"
#include "core/workload/sample_manifest.h"
#include "ui/controller/analysis_controller.h"
#include "ui/heatmap/heatmap_view.h"
#include "ui/panels/pattern_controls.h"
#include "ui/panels/workload_panel.h"
#include "ui/window/export_actions.h"
#include "ui/window/main_window.h"

#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QMenu>
#include <QSpinBox>
#include <qcustomplot.h>

#include <algorithm>
#include <cmath>

namespace sparsescope::ui {

namespace {
QString qs(const std::string& s) { return QString::fromStdString(s); }
std::string absolute(const std::string& p) { return QFileInfo(qs(p)).absoluteFilePath().toStdString(); }
}  // namespace

SessionActions::SessionActions(MainWindow* window) : QObject(window), window_(window) {}

void SessionActions::connectController() {
    AnalysisController* c = window_->controller();
    connect(c, &AnalysisController::workloadChanged, this, &SessionActions::onWorkloadChanged);
    connect(c, &AnalysisController::headReady, this, &SessionActions::onHeadReady);
    connect(c, &AnalysisController::loadFailed, this, [this] { onLoadEnded(true); });
    connect(c, &AnalysisController::loadCancelled, this, [this] { onLoadEnded(true); });
}

void SessionActions::addTo(QMenu* file) {
    file->addAction(tr("Save session…"), this, [this] {
        const QString p = QFileDialog::getSaveFileName(window_, tr("Save session"), QString(),
                                                       tr("SparseScope session (*.sparsescope.json *.json)"));
        if (!p.isEmpty()) saveSession(p);
    });
    file->addAction(tr("Open session…"), this, [this] {
        const QString p = QFileDialog::getOpenFileName(window_, tr("Open session"), QString(),
                                                       tr("SparseScope session (*.sparsescope.json *.json)"));
        if (!p.isEmpty()) openSession(p);
    });
}

SessionState SessionActions::capture() const {
    const AnalysisController* c = window_->controller();
    const WorkloadPtr w = c->workload();
    if (!w) throw Error("<session>", "workload", "nothing is loaded yet");
    SessionState s;
    if (w->hasModel()) {
        s.source = SessionState::Source::Model;
        s.modelDir = absolute(w->modelDir);
        s.maxTokens = c->maxTokens();
        const auto& samples = window_->workloadPanel()->samples();
        const int index = window_->workloadPanel()->currentSample();
        if (index >= 0 && size_t(index) < samples.size() && samples[size_t(index)].title == w->textSource) {
            s.textKind = SessionState::TextKind::Sample;
            s.sampleId = samples[size_t(index)].id;
        } else if (QFileInfo(qs(w->textSource)).isFile()) {
            s.textKind = SessionState::TextKind::File;
            s.textPath = absolute(w->textSource);
        } else {
            s.textKind = SessionState::TextKind::Pasted;
            s.text = w->text;
        }
    } else {
        s.source = SessionState::Source::Qkv;
        const QFileInfo q(qs(w->qkvSource));
        if (q.suffix().compare(QLatin1String("npz"), Qt::CaseInsensitive) == 0) {
            s.npz = absolute(w->qkvSource);
        } else {
            // The K and V files beside q, named like MainWindow::openQkvFiles expects.
            const QString base = q.completeBaseName().chopped(1);
            s.q = q.absoluteFilePath().toStdString();
            s.k = q.dir().absoluteFilePath(base + QStringLiteral("k.npy")).toStdString();
            const QString v = q.dir().absoluteFilePath(base + QStringLiteral("v.npy"));
            if (w->hasV && QFileInfo::exists(v)) s.v = v.toStdString();
        }
    }
    s.pattern = c->pattern();
    s.patternLayers = c->patternLayers();
    s.layer = c->selection().layer;
    s.head = c->selection().head;
    const HeatmapView* h = window_->heatmap();
    s.heatmapMode = kSessionHeatmapModes[int(h->mode())];
    s.logScale = h->logScale();
    // The visible window, rounded like HeatmapView::redraw does.
    const int64_t n = w->n();
    const QCPRange xr = h->plot()->xAxis->range(), yr = h->plot()->yAxis->range();
    SessionZoom z;
    z.col0 = std::clamp<int64_t>(int64_t(std::floor(xr.lower + 0.5)), 0, n - 1);
    z.col1 = std::clamp<int64_t>(int64_t(std::ceil(xr.upper - 0.5)) + 1, z.col0 + 1, n);
    z.row0 = std::clamp<int64_t>(int64_t(std::floor(yr.lower + 0.5)), 0, n - 1);
    z.row1 = std::clamp<int64_t>(int64_t(std::ceil(yr.upper - 0.5)) + 1, z.row0 + 1, n);
    if (!(z == SessionZoom{0, n, 0, n})) s.zoom = z;
    return s;
}

bool SessionActions::fail(const QString& path, const QString& field, const QString& problem) {
    window_->showError(tr("Could not open the session"),
                       tr("File: %1\n\nField: %2\n\nProblem: %3\n\nThe current state stays.")
                           .arg(path, field.isEmpty() ? tr("(the whole file)") : field, problem));
    return false;
}

bool SessionActions::saveSession(const QString& path) {
    QString problem;
    try {
        const QByteArray bytes = QByteArray::fromStdString(sessionToJson(capture()));
        if (writeFileAtomically(path, bytes, &problem)) return true;
    } catch (const Error& e) {
        problem = qs(e.problem());
    }
    window_->showError(tr("Could not save the session"), tr("File: %1\n\nProblem: %2").arg(path, problem));
    return false;
}

bool SessionActions::openSession(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return fail(path, QString(), f.errorString());
    SessionState s;
    QString text;  // model mode: the text to run
    QString textSource;
    int sampleIndex = -1;
    try {
        s = parseSession(f.readAll().toStdString(), path.toStdString());
        if (s.source == SessionState::Source::Model) {
            if (!QFileInfo(qs(s.modelDir)).isDir())
                return fail(path, QStringLiteral("workload.model_dir"), tr("the folder %1 does not exist").arg(qs(s.modelDir)));
            const ModelConfig cfg = parseModelConfig((QDir(qs(s.modelDir)).filePath(QStringLiteral("config.json"))).toStdString());
            if (s.layer >= cfg.layers)
                return fail(path, QStringLiteral("selection.layer"), tr("the model has %1 layers").arg(cfg.layers));
            if (s.head >= cfg.heads)
                return fail(path, QStringLiteral("selection.head"), tr("the model has %1 heads").arg(cfg.heads));
            if (!s.patternLayers.empty() && s.patternLayers.back() >= cfg.layers)
                return fail(path, QStringLiteral("pattern_layers"), tr("the model has %1 layers").arg(cfg.layers));
            if (s.textKind == SessionState::TextKind::Sample) {
                const auto& samples = window_->workloadPanel()->samples();
                for (size_t i = 0; i < samples.size(); ++i)
                    if (samples[i].id == s.sampleId) sampleIndex = int(i);
                if (sampleIndex < 0)
                    return fail(path, QStringLiteral("workload.text.sample_id"),
                                tr("no bundled sample is called \"%1\"").arg(qs(s.sampleId)));
                const SampleInfo& info = window_->workloadPanel()->samples()[size_t(sampleIndex)];
                text = qs(loadSampleText(info, window_->samplesDir().toStdString()));
                textSource = qs(info.title);
            } else if (s.textKind == SessionState::TextKind::File) {
                text = qs(readTextFile(s.textPath));
                textSource = qs(s.textPath);
            } else {
                text = qs(s.text);
                textSource = tr("pasted text");
            }
        } else {
            for (const std::string& p : {s.npz, s.q, s.k, s.v})
                if (!p.empty() && !QFileInfo(qs(p)).isFile())
                    return fail(path, QStringLiteral("workload"), tr("the file %1 does not exist").arg(qs(p)));
        }
    } catch (const Error& e) {
        return fail(path, qs(e.field()), e.source() == path.toStdString() ? qs(e.problem()) : qs(e.what()));
    }

    Pending p;
    p.state = s;
    p.path = path;
    p.oldMaxTokens = window_->controller()->maxTokens();
    p.oldSample = window_->workloadPanel()->currentSample();
    pending_ = p;
    AnalysisController* c = window_->controller();
    if (s.source == SessionState::Source::Model) {
        window_->workloadPanel()->setMaxTokens(s.maxTokens);
        c->setMaxTokens(s.maxTokens);  // a reload it starts is replaced by the next line's
        window_->workloadPanel()->setCurrentSample(sampleIndex);
        c->openModelWithText(qs(s.modelDir), text, textSource);
    } else if (!s.npz.empty()) {
        c->openQkvNpz(qs(s.npz));
    } else {
        c->openQkv(qs(s.q), qs(s.k), qs(s.v));
    }
    return true;
}

void SessionActions::onWorkloadChanged() {
    if (!pending_ || pending_->applied) return;
    const SessionState& s = pending_->state;
    const WorkloadPtr w = window_->controller()->workload();
    // A load the user started meanwhile replaced the session's: leave that one alone.
    const bool ours = s.source == SessionState::Source::Model
                          ? w->hasModel() && absolute(w->modelDir) == absolute(s.modelDir)
                          : !w->hasModel() && absolute(w->qkvSource) == absolute(s.npz.empty() ? s.q : s.npz);
    if (!ours) {
        const QString path = pending_->path;
        pending_.reset();
        emit sessionFailed(path);
        return;
    }
    // The controller defers its request while this signal is delivered: the changes
    // below end in one analysis of the restored state.
    PatternControls* pc = window_->patternControls();
    pc->setSpec(s.pattern);
    if (!s.patternLayers.empty() && s.patternLayers.back() < w->layerCount()) {
        pc->lastLayerBox()->setValue(s.patternLayers.back());
        pc->firstLayerBox()->setValue(s.patternLayers.front());
        pc->layerModeBox()->setCurrentIndex(1);
    } else {
        pc->layerModeBox()->setCurrentIndex(0);
    }
    window_->controller()->setPatternLayers(pc->layers());
    window_->controller()->selectHead(std::min(s.layer, w->layerCount() - 1), std::min(s.head, w->headCount() - 1));
    HeatmapView* h = window_->heatmap();
    const auto modes = std::begin(kSessionHeatmapModes);
    const auto mode = std::find_if(modes, std::end(kSessionHeatmapModes), [&](const char* m) { return s.heatmapMode == m; });
    h->setMode(static_cast<HeatmapView::Mode>(std::distance(modes, mode)));
    h->setLogScale(s.logScale);
    pending_->applied = true;
}

void SessionActions::onHeadReady() {
    if (!pending_ || !pending_->applied) return;
    const SessionState s = pending_->state;
    const QString path = pending_->path;
    pending_.reset();
    if (s.zoom) {
        const int64_t n = window_->controller()->workload()->n();
        const SessionZoom& z = *s.zoom;
        const int64_t r0 = std::min(z.row0, n - 1), c0 = std::min(z.col0, n - 1);
        window_->heatmap()->setViewWindow(r0, std::clamp(z.row1, r0 + 1, n), c0, std::clamp(z.col1, c0 + 1, n));
    }
    emit sessionRestored(path);
}

void SessionActions::onLoadEnded(bool failed) {
    if (!failed || !pending_ || pending_->applied) return;
    const Pending p = *pending_;
    pending_.reset();
    // The previous workload stays (the controller keeps it); put its settings back.
    window_->workloadPanel()->setCurrentSample(p.oldSample);
    window_->workloadPanel()->setMaxTokens(p.oldMaxTokens);
    window_->controller()->setMaxTokens(p.oldMaxTokens);
    emit sessionFailed(p.path);
}

}  // namespace sparsescope::ui
