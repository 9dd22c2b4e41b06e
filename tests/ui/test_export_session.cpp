// Export, pattern files, sessions and the window layout, driven offscreen:
// heatmap PNG/PDF are real images/documents; readouts CSV/JSON hold exactly the
// controller's stages (core's metrics JSON); a saved pattern is read back by the
// sparsescope-cli binary with the same figures; a saved session restores every
// field in a fresh window; bad session files and unwritable targets end in the
// error sink with the old state and any existing file intact; the dock layout
// and geometry come back from QSettings (redirected to a temporary folder).
#include "core/io/npy.h"
#include "core/metrics/metrics_json.h"
#include "core/pattern/pattern_json.h"
#include "ui/controller/analysis_controller.h"
#include "ui/controller/pattern_pipeline.h"
#include "ui/heatmap/heatmap_view.h"
#include "ui/panels/pattern_controls.h"
#include "ui/panels/readouts_panel.h"
#include "ui/panels/workload_panel.h"
#include "ui/window/export_actions.h"
#include "ui/window/main_window.h"
#include "ui/window/session_actions.h"
#include "ui/window/session_file.h"
#include "ui_test_support.h"

#include <QComboBox>
#include <QDockWidget>
#include <QFile>
#include <QImage>
#include <QProcess>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTest>
#include <nlohmann/json.hpp>
#include <random>
#include <qcustomplot.h>

using namespace sparsescope;
using namespace sparsescope::ui;
using nlohmann::json;

namespace {

QByteArray readAll(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

void writeBytes(const QString& path, const QByteArray& b) {
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(b);
}

PatternSpec custom() {
    PatternSpec s;
    s.window = 21;
    s.global = 3;
    s.stride = 9;
    s.random = 2;
    s.seed = 7;
    return s;
}

}  // namespace

class TestExportSession : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    QString model_;
    std::unique_ptr<MainWindow> win_;
    QStringList errors_;

    std::unique_ptr<MainWindow> makeWindow(const QString& sample) {
        auto w = std::make_unique<MainWindow>();
        w->setErrorSink([this](const QString& t, const QString& m) { errors_ << t + QLatin1Char('\n') + m; });
        w->show();
        w->controller()->setMaxTokens(120);
        w->controller()->setModelEvalDelay(0);
        QSignalSpy loaded(w->controller(), &AnalysisController::workloadChanged);
        w->start(model_, QStringLiteral(SPARSESCOPE_SOURCE_DIR "/samples"), sample);
        if (!loaded.wait(60000)) return nullptr;
        return w;
    }

    // Until every stage of the latest request arrived, the model-level one included.
    static bool settle(MainWindow* w) {
        AnalysisController* c = w->controller();
        for (int i = 0; i < 1000; ++i) {
            const uint64_t g = c->generation();
            if (!c->isLoading() && c->headStage() && c->headStage()->generation == g && c->layerStage() &&
                c->layerStage()->generation == g && c->modelAttentionStage() && c->modelAttentionStage()->generation == g &&
                !w->readouts()->isEvalStale() && c->modelEvalStage() && w->heatmap()->stage() == c->headStage())
                return true;
            QTest::qWait(20);
        }
        return false;
    }

    // Attention stages only (a Q/K/V set has no model-level figures).
    static bool settleAttention(MainWindow* w) {
        AnalysisController* c = w->controller();
        for (int i = 0; i < 1000; ++i) {
            const uint64_t g = c->generation();
            if (!c->isLoading() && c->headStage() && c->headStage()->generation == g && c->modelAttentionStage() &&
                c->modelAttentionStage()->generation == g && w->heatmap()->stage() == c->headStage())
                return true;
            QTest::qWait(20);
        }
        return false;
    }

    static std::string captured(MainWindow* w) { return sessionToJson(w->sessionActions()->capture()); }

    QString path(const char* name) const { return dir_.filePath(QString::fromLatin1(name)); }

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        uitest::useTemporarySettings(dir_, QStringLiteral("SparseScopeExportTest"));
        model_ = uitest::writeModel(dir_, QStringLiteral("model"));
        win_ = makeWindow(QStringLiteral("prose-kjv-ruth"));
        QVERIFY(win_);
        win_->patternControls()->setSpec(custom());
        QVERIFY(settle(win_.get()));
        QVERIFY(errors_.isEmpty());
    }

    void heatmapPngAndPdf() {
        QVERIFY(win_->exportActions()->exportHeatmap(path("heatmap.png")));
        const QImage img(path("heatmap.png"));
        QVERIFY(!img.isNull());
        QVERIFY(img.width() >= win_->heatmap()->plot()->width());
        QVERIFY(win_->exportActions()->exportHeatmap(path("heatmap.pdf")));
        const QByteArray pdf = readAll(path("heatmap.pdf"));
        QVERIFY(pdf.size() > 1000);
        QVERIFY(pdf.startsWith("%PDF"));
        QVERIFY(pdf.trimmed().endsWith("%%EOF"));
    }

    void readoutsJsonEqualsStages() {
        QVERIFY(win_->exportActions()->exportReadouts(path("readouts.json")));
        const json j = json::parse(readAll(path("readouts.json")).toStdString());
        const AnalysisController* c = win_->controller();
        QVERIFY(j["head"] == metricsToJson(c->headStage()->metrics));
        QVERIFY(j["layer"]["aggregate"] == metricsToJson(c->layerStage()->aggregate));
        QCOMPARE(j["layer"]["per_head"].size(), c->layerStage()->perHead.size());
        QVERIFY(j["model"]["aggregate"] == metricsToJson(c->modelAttentionStage()->aggregate));
        QVERIFY(j["pattern"] == patternToJson(c->pattern()));
        QCOMPARE(j["selection"]["layer"].get<int>(), c->selection().layer);
        QCOMPARE(j["selection"]["head"].get<int>(), c->selection().head);
        const ModelEval& e = c->modelEvalStage()->eval;
        QCOMPARE(j["model_level"]["loss_delta"].get<double>(), e.lossDelta);
        QCOMPARE(j["model_level"]["loss_sparse"].get<double>(), e.lossSparse);
        QCOMPARE(j["model_level"]["top1_agreement"].get<double>(), e.top1Agreement);
        QCOMPARE(j["workload"]["tokens"].get<int64_t>(), c->workload()->n());
    }

    void readoutsCsvEqualsStages() {
        QVERIFY(win_->exportActions()->exportReadouts(path("readouts.csv")));
        const QList<QByteArray> lines = readAll(path("readouts.csv")).trimmed().split('\n');
        QCOMPARE(lines.front(), QByteArray("scope,layer,head,metric,value"));
        const AnalysisController* c = win_->controller();
        const std::map<QByteArray, json> want = {{"head", metricsToJson(c->headStage()->metrics)},
                                                 {"layer", metricsToJson(c->layerStage()->aggregate)},
                                                 {"model", metricsToJson(c->modelAttentionStage()->aggregate)}};
        std::map<QByteArray, int> rows;
        for (qsizetype i = 1; i < lines.size(); ++i) {
            const QList<QByteArray> f = lines[i].split(',');
            QCOMPARE(f.size(), 5);
            ++rows[f[0]];
            if (f[0] == "head") {
                QCOMPARE(f[1].toInt(), c->selection().layer);
                QCOMPARE(f[2].toInt(), c->selection().head);
            }
            if (f[0] == "model_level") {
                const ModelEval& e = c->modelEvalStage()->eval;
                if (f[3] == "loss_delta") QCOMPARE(f[4].toDouble(), e.lossDelta);
                if (f[3] == "ppl_ratio") QCOMPARE(f[4].toDouble(), e.pplRatio);
                continue;
            }
            const json& m = want.at(f[0]).at(f[3].toStdString());
            if (m.is_boolean()) QCOMPARE(f[4].toInt(), int(m.get<bool>()));
            else QCOMPARE(f[4].toDouble(), m.get<double>());  // %.17g: exact
        }
        QCOMPARE(rows["model_level"], 6);
        QVERIFY(rows["head"] >= 20);
        QCOMPARE(rows["head"], rows["model"]);
    }

    void patternRoundTripThroughCli() {
        QVERIFY(win_->exportActions()->savePattern(path("pattern.json")));
        writeBytes(path("text.txt"), QByteArray::fromStdString(win_->controller()->workload()->text));
        QProcess p;
        p.start(QStringLiteral(SPARSESCOPE_CLI_PATH),
                {QStringLiteral("analyze"), QStringLiteral("--model"), model_, QStringLiteral("--text-file"), path("text.txt"),
                 QStringLiteral("--max-tokens"), QStringLiteral("120"), QStringLiteral("--pattern-file"),
                 path("pattern.json"), QStringLiteral("--json")});
        QVERIFY(p.waitForFinished(120000));
        QCOMPARE(p.exitCode(), 0);
        const json cli = json::parse(p.readAllStandardOutput().toStdString());
        QVERIFY(cli["pattern"] == patternToJson(win_->controller()->pattern()));
        QVERIFY(sameRules(patternFromJson(cli["pattern"], "cli"), custom()));
        const HeadMetrics& gui = win_->controller()->modelAttentionStage()->aggregate;
        QCOMPARE(cli["aggregate"]["density"].get<double>(), gui.density);
        QCOMPARE(cli["aggregate"]["kept_pairs"].get<int64_t>(), gui.keptPairs);
        QVERIFY(std::abs(cli["aggregate"]["recall_mean"].get<double>() - gui.recallMean) < 1e-9);

        // And back into the window: Open pattern JSON shows it in the controls.
        win_->patternControls()->selectPreset(QStringLiteral("dense"));
        QVERIFY(win_->exportActions()->openPattern(path("pattern.json")));
        QVERIFY(sameRules(win_->patternControls()->spec(), custom()));
        QVERIFY(sameRules(win_->controller()->pattern(), custom()));
        QVERIFY(settle(win_.get()));
    }

    void badPatternFileKeepsPattern() {
        writeBytes(path("bad_pattern.json"), "{\"window\": \"wide\"}");
        const int before = errors_.size();
        QVERIFY(!win_->exportActions()->openPattern(path("bad_pattern.json")));
        QCOMPARE(errors_.size(), before + 1);
        QVERIFY(errors_.back().contains(path("bad_pattern.json")));
        QVERIFY(errors_.back().contains(QStringLiteral("window")));
        QVERIFY(sameRules(win_->controller()->pattern(), custom()));
        errors_.clear();
    }

    void sessionRestoresEveryField_data() {
        QTest::addColumn<QString>("text");  // sample | file | pasted
        QTest::newRow("sample") << QStringLiteral("sample");
        QTest::newRow("text file") << QStringLiteral("file");
        QTest::newRow("pasted text") << QStringLiteral("pasted");
    }

    void sessionRestoresEveryField() {
        QFETCH(QString, text);
        MainWindow* w = win_.get();
        QSignalSpy loaded(w->controller(), &AnalysisController::workloadChanged);
        if (text == QLatin1String("file")) {
            writeBytes(path("story.txt"), uitest::sampleText(150).toUtf8());
            w->openTextFile(path("story.txt"));
            QVERIFY(loaded.wait(60000));
        } else if (text == QLatin1String("pasted")) {
            w->pasteText(uitest::sampleText(90) + QStringLiteral(" pasted"));
            QVERIFY(loaded.wait(60000));
        }
        QVERIFY(settle(w));
        w->patternControls()->setSpec(custom());
        w->patternControls()->lastLayerBox()->setValue(1);
        w->patternControls()->firstLayerBox()->setValue(1);
        w->patternControls()->layerModeBox()->setCurrentIndex(1);
        w->controller()->selectHead(1, 2);
        QVERIFY(settle(w));
        w->heatmap()->setMode(HeatmapView::DenseMode);
        w->heatmap()->setLogScale(true);
        w->heatmap()->setViewWindow(10, 50, 5, 40);
        const SessionState saved = w->sessionActions()->capture();
        QVERIFY(w->sessionActions()->saveSession(path("session.json")));
        QCOMPARE(int(saved.textKind), text == QLatin1String("sample") ? int(SessionState::TextKind::Sample)
                                      : text == QLatin1String("file") ? int(SessionState::TextKind::File)
                                                                        : int(SessionState::TextKind::Pasted));
        QVERIFY(saved.zoom.has_value());
        QCOMPARE(saved.patternLayers, std::vector<int>{1});

        // A fresh window on another sample, other settings.
        auto fresh = makeWindow(QStringLiteral("dialogue-attention-tutorial"));
        QVERIFY(fresh);
        fresh->controller()->setMaxTokens(64);
        QVERIFY(settle(fresh.get()));
        QSignalSpy restored(fresh->sessionActions(), &SessionActions::sessionRestored);
        QVERIFY(fresh->sessionActions()->openSession(path("session.json")));
        QVERIFY(restored.wait(60000));
        QVERIFY(settle(fresh.get()));
        // Every field: the fresh window's own capture equals the saved session.
        QCOMPARE(QString::fromStdString(captured(fresh.get())), QString::fromStdString(sessionToJson(saved)));
        QCOMPARE(fresh->controller()->workload()->text, w->controller()->workload()->text);
        QCOMPARE(fresh->controller()->workload()->n(), w->controller()->workload()->n());
        QCOMPARE(fresh->controller()->patternLayers(), (LayerSet{1}));
        QCOMPARE(fresh->controller()->selection(), (HeadSelection{1, 2}));
        QCOMPARE(fresh->heatmap()->mode(), HeatmapView::DenseMode);
        QVERIFY(fresh->heatmap()->logScale());
        QCOMPARE(fresh->heatmap()->grid().row0, int64_t(10));
        QCOMPARE(fresh->heatmap()->grid().col1, int64_t(40));
        QCOMPARE(fresh->workloadPanel()->currentSample(), w->workloadPanel()->currentSample());
        QVERIFY(sameRules(fresh->patternControls()->spec(), custom()));
        QVERIFY2(errors_.isEmpty(), qPrintable(errors_.join(QLatin1Char('\n'))));
        w->heatmap()->resetZoom();
        w->heatmap()->setLogScale(false);
        w->heatmap()->setMode(HeatmapView::MaskMode);
    }

    void badSessionKeepsState_data() {
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<QString>("field");  // what the error must name
        const QByteArray good = QByteArray::fromStdString(captured(win_.get()));
        json j = json::parse(good.toStdString());
        auto with = [&j](auto edit) {
            json c = j;
            edit(c);
            return QByteArray::fromStdString(c.dump(2));
        };
        QTest::newRow("not json") << QByteArray("{ this is not json") << QStringLiteral("not valid JSON");
        QTest::newRow("truncated") << good.left(good.size() / 2) << QStringLiteral("not valid JSON");
        QTest::newRow("empty") << QByteArray() << QStringLiteral("not valid JSON");
        QTest::newRow("unknown version") << with([](json& c) { c["version"] = 2; }) << QStringLiteral("version");
        QTest::newRow("no format") << with([](json& c) { c.erase("format"); }) << QStringLiteral("format");
        QTest::newRow("no selection") << with([](json& c) { c.erase("selection"); }) << QStringLiteral("selection");
        QTest::newRow("no pattern") << with([](json& c) { c.erase("pattern"); }) << QStringLiteral("pattern");
        QTest::newRow("bad pattern") << with([](json& c) { c["pattern"]["window"] = -4; }) << QStringLiteral("pattern");
        QTest::newRow("missing model folder")
            << with([](json& c) { c["workload"]["model_dir"] = "/nonexistent/model"; }) << QStringLiteral("workload.model_dir");
        QTest::newRow("head out of range") << with([](json& c) { c["selection"]["head"] = 99; }) << QStringLiteral("selection.head");
        QTest::newRow("unknown sample") << with([](json& c) { c["workload"]["text"] = {{"kind", "sample"}, {"sample_id", "nope"}}; })
                                        << QStringLiteral("workload.text.sample_id");
        QTest::newRow("bad mode") << with([](json& c) { c["view"]["heatmap_mode"] = "rainbow"; }) << QStringLiteral("view.heatmap_mode");
        QTest::newRow("zoom wrong type") << with([](json& c) { c["view"]["zoom"] = {{"row0", "a"}}; }) << QStringLiteral("view.zoom.row0");
        QTest::newRow("gappy layers") << with([](json& c) { c["pattern_layers"] = {0, 2}; }) << QStringLiteral("pattern_layers[1]");
    }

    void badSessionKeepsState() {
        QFETCH(QByteArray, content);
        QFETCH(QString, field);
        QVERIFY(settle(win_.get()));
        const std::string before = captured(win_.get());
        const uint64_t generation = win_->controller()->generation();
        writeBytes(path("bad_session.json"), content);
        errors_.clear();
        QVERIFY(!win_->sessionActions()->openSession(path("bad_session.json")));
        QCOMPARE(errors_.size(), 1);
        QVERIFY2(errors_.front().contains(path("bad_session.json")), qPrintable(errors_.front()));
        QVERIFY2(errors_.front().contains(field), qPrintable(errors_.front()));
        QVERIFY(!win_->controller()->isLoading());
        QCOMPARE(win_->controller()->generation(), generation);
        QCOMPARE(captured(win_.get()), before);
        errors_.clear();
    }

    void unwritableTargetsFail() {
        const QString target = path("a_folder");
        QVERIFY(QDir().mkpath(target));
        const QStringList before = QDir(dir_.path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot);
        errors_.clear();
        ExportActions* x = win_->exportActions();
        QVERIFY(!x->exportHeatmap(target));
        QVERIFY(!x->exportReadouts(target));
        QVERIFY(!x->savePattern(target));
        QVERIFY(!win_->sessionActions()->saveSession(target));
        QCOMPARE(errors_.size(), 4);
        for (const QString& e : errors_) QVERIFY2(e.contains(target), qPrintable(e));
        QVERIFY(QFileInfo(target).isDir());
        // No partial or temporary file was left beside it.
        QCOMPARE(QDir(dir_.path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot), before);
        errors_.clear();
    }

    void failedExportKeepsExistingFile() {
        writeBytes(path("old.csv"), "OLD");
        // Right after a change the readouts are being recomputed: the export fails
        // before writing, and the existing file keeps its contents.
        win_->controller()->selectHead(0, 1);
        QVERIFY(!win_->exportActions()->exportReadouts(path("old.csv")));
        QCOMPARE(readAll(path("old.csv")), QByteArray("OLD"));
        QCOMPARE(errors_.size(), 1);
        QVERIFY(errors_.front().contains(path("old.csv")));
        errors_.clear();
        QVERIFY(settle(win_.get()));
    }

    void sessionFileRoundTrip_data() {
        QTest::addColumn<int>("kind");
        QTest::newRow("sample") << 0;
        QTest::newRow("file") << 1;
        QTest::newRow("pasted") << 2;
        QTest::newRow("npz") << 3;
        QTest::newRow("npy") << 4;
    }

    void sessionFileRoundTrip() {
        QFETCH(int, kind);
        SessionState s;
        s.modelDir = "/m";
        s.maxTokens = 77;
        s.textKind = SessionState::TextKind(std::min(kind, 2));
        s.sampleId = kind == 0 ? "legal-gpl3" : "";
        s.textPath = kind == 1 ? "/t.txt" : "";
        s.text = kind == 2 ? "some \"quoted\" text\nwith a newline" : "";
        if (kind >= 3) s.source = SessionState::Source::Qkv;
        if (kind == 3) s.npz = "/x.npz";
        if (kind == 4) s.q = "/q.npy", s.k = "/k.npy", s.v = "/v.npy";
        s.pattern = custom();
        s.patternLayers = {2, 3, 4};
        s.layer = 3;
        s.head = 5;
        s.heatmapMode = "sparse";
        s.logScale = true;
        s.zoom = SessionZoom{1, 9, 2, 8};
        const std::string text = sessionToJson(s);
        const SessionState back = parseSession(text, "mem");
        QCOMPARE(sessionToJson(back), text);
        QCOMPARE(int(back.source), int(s.source));
        QCOMPARE(back.text, s.text);
        QVERIFY(back.zoom == s.zoom);
        QVERIFY(sameRules(back.pattern, s.pattern));
    }

    void qkvSessionRestores() {
        std::mt19937 rng(3);
        std::normal_distribution<float> g(0, 1);
        std::vector<float> data(size_t(2 * 40 * 8));
        for (const char* name : {"set_q.npy", "set_k.npy", "set_v.npy"}) {
            for (float& x : data) x = g(rng);
            writeNpy(path(name).toStdString(), {2, 40, 8}, data.data());
        }
        auto a = makeWindow(QStringLiteral("legal-gpl3"));
        QVERIFY(a);
        QSignalSpy loaded(a->controller(), &AnalysisController::workloadChanged);
        a->openQkvFiles({path("set_q.npy")});
        QVERIFY(loaded.wait(60000));
        a->patternControls()->setSpec(custom());
        a->controller()->selectHead(0, 1);
        QVERIFY(settleAttention(a.get()));
        QVERIFY(a->sessionActions()->saveSession(path("qkv_session.json")));
        const SessionState saved = a->sessionActions()->capture();
        QCOMPARE(saved.k, path("set_k.npy").toStdString());
        QCOMPARE(saved.v, path("set_v.npy").toStdString());

        auto b = makeWindow(QStringLiteral("legal-gpl3"));
        QVERIFY(b);
        QSignalSpy restored(b->sessionActions(), &SessionActions::sessionRestored);
        QVERIFY(b->sessionActions()->openSession(path("qkv_session.json")));
        QVERIFY(restored.wait(60000));
        QVERIFY(settleAttention(b.get()));
        QCOMPARE(QString::fromStdString(captured(b.get())), QString::fromStdString(sessionToJson(saved)));
        QCOMPARE(b->controller()->workload()->n(), int64_t(40));
        QVERIFY(!b->controller()->workload()->hasModel());
        QVERIFY2(errors_.isEmpty(), qPrintable(errors_.join(QLatin1Char('\n'))));
    }

    void windowLayoutRemembered() {
        auto first = std::make_unique<MainWindow>();
        first->show();
        first->resize(1711, 1033);
        // saveState/restoreState find docks by objectName: every dock needs one.
        for (const QDockWidget* d : first->findChildren<QDockWidget*>())
            QVERIFY2(!d->objectName().isEmpty(), qPrintable(d->windowTitle()));
        auto* readoutsDock = first->findChild<QDockWidget*>(QStringLiteral("readoutsDock"));
        QVERIFY(readoutsDock);
        readoutsDock->hide();
        first->compareDock()->show();
        QTest::qWait(20);
        const QSize saved = first->size();  // the docks' minimum sizes may have grown it
        QVERIFY(saved != QSize(1560, 960));  // not the window's default size
        QVERIFY(first->close());
        first.reset();

        auto second = std::make_unique<MainWindow>();
        second->show();
        QTest::qWait(20);
        QCOMPARE(second->size(), saved);  // not the default 1560 x 960
        QVERIFY(second->findChild<QDockWidget*>(QStringLiteral("readoutsDock"))->isHidden());
        QVERIFY(!second->compareDock()->isHidden());
        QVERIFY(!QSettings().value(QStringLiteral("mainWindow/state")).toByteArray().isEmpty());
        // The settings went to the temporary folder, not the user's.
        QVERIFY(QSettings().fileName().startsWith(dir_.path()));
    }

    void cleanupTestCase() { win_.reset(); }
};

QTEST_MAIN(TestExportSession)
#include "test_export_session.moc"
