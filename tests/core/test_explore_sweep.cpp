// The Pareto sweep (core/explore/sweep.h) and the parameter table
// (core/pattern/pattern_params.h): rows equal analyzeCaptures / evaluateSparse of the
// same pattern, density grows with the window, the Pareto front and the budget
// picker agree with brute force, cancel and errors behave.
#include "core/common/error.h"
#include "core/explore/explore_export.h"
#include "core/explore/sweep.h"
#include "core/metrics/model_analysis.h"
#include "core/model/evaluation.h"
#include "core/model/model.h"
#include "core/model/model_input.h"
#include "core/pattern/pattern_params.h"
#include "core/pattern/presets.h"

#include <QTest>

#include <algorithm>
#include <memory>
#include <random>
#include <set>

using namespace sparsescope;

namespace {

// Every scalar figure of the aggregate, compared exactly (the sweep must be the same
// computation as analyzeCaptures, not an approximation of it).
void compareFigures(const HeadMetrics& got, const HeadMetrics& want) {
    QCOMPARE(got.n, want.n);
    QCOMPARE(got.keptPairs, want.keptPairs);
    QCOMPARE(got.possiblePairs, want.possiblePairs);
    QCOMPARE(got.density, want.density);
    QCOMPARE(got.recallMean, want.recallMean);
    QCOMPARE(got.recallMin, want.recallMin);
    QCOMPARE(got.recallP10, want.recallP10);
    QCOMPARE(got.klMean, want.klMean);
    QCOMPARE(got.hasOutputError, want.hasOutputError);
    QCOMPARE(got.outputRelErrorMean, want.outputRelErrorMean);
    QCOMPARE(got.outputRelErrorMax, want.outputRelErrorMax);
    QCOMPARE(got.top1Retention, want.top1Retention);
    QCOMPARE(got.keptTiles, want.keptTiles);
    QCOMPARE(got.possibleTiles, want.possibleTiles);
    QCOMPARE(got.blockDensity, want.blockDensity);
    QCOMPARE(got.flopsDense, want.flopsDense);
    QCOMPARE(got.flopsSparse, want.flopsSparse);
    QCOMPARE(got.flopsSelector, want.flopsSelector);
    QCOMPARE(got.oracleSelection, want.oracleSelection);
    QCOMPARE(got.kvReadsLast, want.kvReadsLast);
    QCOMPARE(got.rowDensityMedian, want.rowDensityMedian);
}

SweepRow syntheticRow(double cost, double recall, std::optional<double> lossDelta = std::nullopt) {
    SweepRow r;
    r.attention.density = cost;
    r.flopsShare = cost * 1.5;
    r.attention.recallMean = recall;
    if (lossDelta) {
        r.hasModelEval = true;
        r.eval.lossDelta = *lossDelta;
    }
    return r;
}

// Reference Pareto front, written independently: sort by cost ascending (ties: better
// accuracy first) and keep each point that strictly improves on the best so far.
std::vector<size_t> staircase(const std::vector<SweepRow>& rows, bool recall) {
    std::vector<size_t> idx;
    for (size_t i = 0; i < rows.size(); ++i)
        if (recall || rows[i].hasModelEval) idx.push_back(i);
    auto good = [&](size_t i) { return recall ? rows[i].attention.recallMean : -rows[i].eval.lossDelta; };
    std::stable_sort(idx.begin(), idx.end(), [&](size_t a, size_t b) {
        if (rows[a].attention.density != rows[b].attention.density)
            return rows[a].attention.density < rows[b].attention.density;
        return good(a) > good(b);
    });
    std::vector<size_t> front;
    double best = -1e300;
    for (size_t i : idx)
        if (good(i) > best) {
            front.push_back(i);
            best = good(i);
        }
    return front;
}

}  // namespace

class TestExploreSweep : public QObject {
    Q_OBJECT
    std::unique_ptr<Model> model_;
    std::vector<int32_t> ids_;
    ForwardResult dense_;

private slots:
    void initTestCase() {
        model_ = Model::load(findDefaultModelDir({SPARSESCOPE_SOURCE_DIR "/resources/model"}));
        const std::string text = readTextFile(SPARSESCOPE_SOURCE_DIR "/samples/prose_kjv_ruth.txt");
        ids_ = tokenizeForModel(*model_, text, "ruth", 192).ids;
        QCOMPARE(ids_.size(), size_t(192));
        ForwardOptions o;
        o.capture = true;
        o.captureProbs = false;
        dense_ = model_->forward(ids_, o);
    }

    // --- parameter table

    void paramTableRoundTrip() {
        const PatternSpec base = presetSpec("bigbird");
        std::set<std::string> names;
        for (const PatternParam& p : patternParams()) {
            QVERIFY2(names.insert(p.name).second, p.name);
            const double v = p.integer ? 24 : 0.75;
            const PatternSpec s = withPatternParam(base, p.name, v);
            QCOMPARE(getPatternParam(s, p.name), v);
            QVERIFY(!s.dense);
            QCOMPARE(s.preset, std::string("bigbird+custom"));
            // Only that field (and NSA's switch) changed: setting the old value back restores the rules.
            PatternSpec back = withPatternParam(s, p.name, getPatternParam(base, p.name));
            if (std::string(p.name).rfind("nsa_", 0) == 0) back.nsa = base.nsa;
            QVERIFY2(sameRules(back, base), p.name);
        }
        QCOMPARE(names.size(), size_t(18));
        QCOMPARE(getPatternParam(presetSpec("streamingllm"), "global"), double(presetSpec("streamingllm").global));
    }

    void paramSwitches() {
        const PatternSpec dense = presetSpec("dense");
        QVERIFY(dense.dense);
        QVERIFY(!withPatternParam(dense, "window", 16).dense);
        QVERIFY(withPatternParam(PatternSpec{}, "nsa_window", 64).nsa);
        QVERIFY(withPatternParam(PatternSpec{}, "nsa_select_count", 4).nsa);
        QCOMPARE(withPatternParam(PatternSpec{}, "top_p", 0.9).topP, 0.9);
        QCOMPARE(withPatternParam(PatternSpec{}, "window", 8).preset, std::string("custom"));
    }

    void paramErrors_data() {
        QTest::addColumn<QString>("name");
        QTest::addColumn<double>("value");
        QTest::addColumn<QString>("field");
        QTest::newRow("unknown") << "windw" << 8.0 << "param";
        QTest::newRow("fraction") << "window" << 8.5 << "window";
        QTest::newRow("negative") << "global" << -1.0 << "global";
        QTest::newRow("stride 1") << "stride" << 1.0 << "stride";
        QTest::newRow("top_p > 1") << "top_p" << 1.5 << "top-p";
        QTest::newRow("nan") << "topk" << std::nan("") << "topk";
        QTest::newRow("huge") << "window" << 1e300 << "window";
    }
    void paramErrors() {
        QFETCH(QString, name);
        QFETCH(double, value);
        QFETCH(QString, field);
        try {
            withPatternParam(PatternSpec{}, name.toStdString(), value);
            QFAIL("no error");
        } catch (const Error& e) {
            QCOMPARE(QString::fromStdString(e.field()), field);
            if (field == QLatin1String("param")) QVERIFY(std::string(e.what()).find("window, global") != std::string::npos);
        }
    }

    void defaultValues() {
        QCOMPARE(defaultSweepValues("window", 100), (std::vector<double>{1, 2, 4, 8, 16, 32, 64, 100}));
        QCOMPARE(defaultSweepValues("stride", 10), (std::vector<double>{2, 4, 8, 10}));
        const std::vector<double> w = defaultSweepValues("window", 1 << 20, 6);
        QCOMPARE(w.size(), size_t(6));
        QCOMPARE(w.front(), 1.0);
        QCOMPARE(w.back(), double(1 << 20));
        QVERIFY(std::is_sorted(w.begin(), w.end()));
        for (double p : defaultSweepValues("top_p", 512)) QVERIFY(p > 0 && p <= 1);
    }

    // --- sweep rows

    void rowsEqualAnalyzeCaptures_data() {
        QTest::addColumn<QString>("preset");
        QTest::addColumn<QString>("param");
        QTest::addColumn<QList<double>>("values");
        QTest::addColumn<QList<int>>("layers");
        QTest::newRow("streamingllm window") << "streamingllm" << "window" << QList<double>{8, 16, 32, 64, 192}
                                             << QList<int>{};
        QTest::newRow("custom stride, layers 1,3") << "custom" << "stride" << QList<double>{2, 4, 16}
                                                    << QList<int>{1, 3};
        QTest::newRow("topk (oracle)") << "custom" << "topk" << QList<double>{4, 32} << QList<int>{0};
        QTest::newRow("top_p") << "custom" << "top_p" << QList<double>{0.5, 0.9} << QList<int>{2};
        QTest::newRow("nsa window") << "nsa" << "nsa_window" << QList<double>{0, 32} << QList<int>{5};
    }
    void rowsEqualAnalyzeCaptures() {
        QFETCH(QString, preset);
        QFETCH(QString, param);
        QFETCH(QList<double>, values);
        QFETCH(QList<int>, layers);
        const PatternSpec base = preset == QLatin1String("custom") ? PatternSpec{} : presetSpec(preset.toStdString());
        SweepOptions o;
        o.layers = std::vector<int>(layers.begin(), layers.end());
        const SweepResult s =
            runSweep(dense_.layers, base, param.toStdString(), std::vector<double>(values.begin(), values.end()), o);
        QCOMPARE(s.rows.size(), size_t(values.size()));
        QVERIFY(!s.cancelled);
        QCOMPARE(s.tokens, int64_t(ids_.size()));
        for (size_t i = 0; i < s.rows.size(); ++i) {
            const SweepRow& r = s.rows[i];
            QCOMPARE(r.value, values[qsizetype(i)]);
            QCOMPARE(getPatternParam(r.pattern, param.toStdString()), values[qsizetype(i)]);
            const ModelAnalysis want = analyzeCaptures(dense_.layers, r.pattern, o.layers);
            compareFigures(r.attention, want.aggregate);
            QCOMPARE(r.flopsShare, want.aggregate.flopsSparse / want.aggregate.flopsDense);
            QVERIFY(r.attention.rowRecall.empty());
            QVERIFY(!r.hasModelEval);
        }
    }

    void densityMonotoneInWindow() {
        std::vector<double> windows;
        for (double w = 1; w <= 192; w += 7) windows.push_back(w);
        windows.push_back(192);
        const SweepResult s = runSweep(dense_.layers, PatternSpec{}, "window", windows);
        for (size_t i = 1; i < s.rows.size(); ++i) {
            QVERIFY(s.rows[i].attention.density >= s.rows[i - 1].attention.density);
            QVERIFY(s.rows[i].attention.recallMean >= s.rows[i - 1].attention.recallMean - 1e-12);
            if (windows[i] > windows[i - 1]) QVERIFY(s.rows[i].attention.density > s.rows[i - 1].attention.density);
        }
        // Hand-worked ends: W = 1 keeps the diagonal (n of n(n+1)/2 pairs), W = n keeps all.
        const double n = double(ids_.size());
        QCOMPARE(s.rows.front().attention.density, n / (n * (n + 1) / 2));
        QCOMPARE(s.rows.back().attention.density, 1.0);
        // Every key kept: recall 1 up to the float32 sums of the probabilities.
        QVERIFY2(std::abs(s.rows.back().attention.recallMean - 1.0) < 1e-5,
                 qPrintable(QString::number(s.rows.back().attention.recallMean, 'g', 17)));
    }

    void modelLevelEqualsEvaluateSparse() {
        // A shorter text keeps the forward passes quick.
        const std::vector<int32_t> ids(ids_.begin(), ids_.begin() + 96);
        ForwardOptions cap;
        cap.capture = true;
        cap.captureProbs = false;
        const ForwardResult dense = model_->forward(ids, cap);
        SweepOptions o;
        o.modelLevel = true;
        o.model = model_.get();
        o.ids = &ids;
        o.layers = {0, 2, 4};
        std::vector<std::pair<int, int>> progress;
        o.progress = [&](int done, int total) {
            progress.emplace_back(done, total);
            return true;
        };
        const SweepResult s = runSweep(dense.layers, presetSpec("streamingllm"), "window", {4, 16, 96}, o);
        QCOMPARE(s.rows.size(), size_t(3));
        // One dense pass, then an attention step and a forward step per value.
        QCOMPARE(progress.size(), size_t(7));
        QCOMPARE(progress.back(), std::make_pair(7, 7));
        for (const SweepRow& r : s.rows) {
            QVERIFY(r.hasModelEval);
            const ModelEval want = evaluateSparse(*model_, ids, r.pattern, o.layers);
            QCOMPARE(r.eval.tokens, want.tokens);
            QCOMPARE(r.eval.lossDense, want.lossDense);
            QCOMPARE(r.eval.lossSparse, want.lossSparse);
            QCOMPARE(r.eval.lossDelta, want.lossDelta);
            QCOMPARE(r.eval.top1Agreement, want.top1Agreement);
        }
        QVERIFY(s.rows[0].eval.lossDelta > 0.01);            // 4 recent + 4 sinks lose something
        QVERIFY(std::abs(s.rows[2].eval.lossDelta) < 1e-4);  // the window covers the text
        // Cached dense logits give the same rows.
        o.denseLogits = &dense.logits;
        const SweepResult cached = runSweep(dense.layers, presetSpec("streamingllm"), "window", {4}, o);
        QCOMPARE(cached.rows[0].eval.lossSparse, s.rows[0].eval.lossSparse);
        QCOMPARE(cached.rows[0].eval.lossDense, s.rows[0].eval.lossDense);
    }

    void cancel() {
        std::atomic<bool> stop{false};
        SweepOptions o;
        o.cancel = &stop;
        o.progress = [&](int done, int) {
            if (done == 2) stop = true;
            return true;
        };
        const SweepResult s = runSweep(dense_.layers, PatternSpec{}, "window", {2, 4, 8, 16}, o);
        QCOMPARE(s.rows.size(), size_t(2));
        QVERIFY(s.cancelled);
        // Progress returning false stops as well.
        o.cancel = nullptr;
        o.progress = [](int, int) { return false; };
        QCOMPARE(runSweep(dense_.layers, PatternSpec{}, "window", {2, 4}, o).rows.size(), size_t(1));
        // Cancelled before the start: nothing, at once.
        stop = true;
        o.cancel = &stop;
        o.progress = {};
        QVERIFY(runSweep(dense_.layers, PatternSpec{}, "window", {2, 4}, o).rows.empty());
    }

    void sweepErrors() {
        QVERIFY_THROWS_EXCEPTION(Error, runSweep(dense_.layers, PatternSpec{}, "nope", {1}));
        QVERIFY_THROWS_EXCEPTION(Error, runSweep(dense_.layers, PatternSpec{}, "window", {}));
        QVERIFY_THROWS_EXCEPTION(Error, runSweep(dense_.layers, PatternSpec{}, "stride", {2, 1}));
        QVERIFY_THROWS_EXCEPTION(Error, runSweep({}, PatternSpec{}, "window", {4}));
        SweepOptions o;
        o.layers = {6};
        QVERIFY_THROWS_EXCEPTION(Error, runSweep(dense_.layers, PatternSpec{}, "window", {4}, o));
        o.layers = {};
        o.modelLevel = true;
        QVERIFY_THROWS_EXCEPTION(Error, runSweep(dense_.layers, PatternSpec{}, "window", {4}, o));
    }

    // --- choosing a point

    void paretoHandWorked() {
        // cost, recall: (0.1, 0.5) (0.2, 0.4)x (0.3, 0.9) (0.3, 0.8)x (0.5, 0.9)x (0.6, 0.95)
        const std::vector<SweepRow> rows = {syntheticRow(0.3, 0.9), syntheticRow(0.1, 0.5), syntheticRow(0.2, 0.4),
                                            syntheticRow(0.3, 0.8), syntheticRow(0.5, 0.9), syntheticRow(0.6, 0.95)};
        QCOMPARE(paretoFront(rows, CostAxis::Density, AccuracyAxis::RecallMean), (std::vector<size_t>{1, 0, 5}));
        QCOMPARE(cheapestWithin(rows, CostAxis::Density, AccuracyAxis::RecallMean, 0.85), std::optional<size_t>(0));
        QCOMPARE(cheapestWithin(rows, CostAxis::FlopsShare, AccuracyAxis::RecallMean, 0.92), std::optional<size_t>(5));
        QCOMPARE(cheapestWithin(rows, CostAxis::Density, AccuracyAxis::RecallMean, 0.99), std::nullopt);
        // Δloss without the model level: no figure, no point.
        QVERIFY(paretoFront(rows, CostAxis::Density, AccuracyAxis::LossDelta).empty());
        QCOMPARE(cheapestWithin(rows, CostAxis::Density, AccuracyAxis::LossDelta, 1.0), std::nullopt);
    }

    void paretoAgainstBruteForce() {
        std::mt19937 rng(12345);
        std::uniform_int_distribution<int> grid(0, 9);  // coarse: many ties
        for (int trial = 0; trial < 300; ++trial) {
            std::vector<SweepRow> rows;
            const int n = 1 + trial % 17;
            for (int i = 0; i < n; ++i) {
                std::optional<double> loss;
                if (grid(rng) < 7) loss = grid(rng) * 0.01;
                rows.push_back(syntheticRow(grid(rng) * 0.1, grid(rng) * 0.1, loss));
            }
            QCOMPARE(paretoFront(rows, CostAxis::Density, AccuracyAxis::RecallMean), staircase(rows, true));
            QCOMPARE(paretoFront(rows, CostAxis::Density, AccuracyAxis::LossDelta), staircase(rows, false));
            for (double limit : {0.0, 0.35, 0.9, 2.0}) {
                // Brute force: the smallest cost among rows meeting the limit, then the best recall.
                std::optional<size_t> want;
                for (size_t i = 0; i < rows.size(); ++i) {
                    if (rows[i].attention.recallMean < limit) continue;
                    if (!want || rows[i].attention.density < rows[*want].attention.density ||
                        (rows[i].attention.density == rows[*want].attention.density &&
                         rows[i].attention.recallMean > rows[*want].attention.recallMean))
                        want = i;
                }
                QCOMPARE(cheapestWithin(rows, CostAxis::Density, AccuracyAxis::RecallMean, limit), want);
                // The cheapest point within the budget is always on the Pareto front.
                if (want) {
                    const auto front = paretoFront(rows, CostAxis::Density, AccuracyAxis::RecallMean);
                    QVERIFY(std::find(front.begin(), front.end(), *want) != front.end());
                }
            }
        }
    }

    void csvAndJson() {
        const SweepResult s = runSweep(dense_.layers, presetSpec("streamingllm"), "window", {8, 32});
        const std::string csv = sweepCsv({s}, false);
        const auto lines = QString::fromStdString(csv).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), 3);
        QVERIFY(lines[0].startsWith(QLatin1String("preset,param,value,tokens,density,flops_share")));
        const QStringList cells = lines[1].split(QLatin1Char(','));
        QCOMPARE(cells.size(), int(sweepCsvColumns(false).size()));
        QCOMPARE(cells[0], QStringLiteral("streamingllm"));  // the curve: the base pattern's name
        QCOMPARE(cells[2].toDouble(), 8.0);
        QCOMPARE(cells[4].toDouble(), s.rows[0].attention.density);  // 17 digits read back exactly
        QCOMPARE(cells[9].toDouble(), s.rows[0].attention.recallMean);
        const nlohmann::json j = sweepToJson(s);
        QCOMPARE(j["rows"].size(), size_t(2));
        QCOMPARE(j["rows"][1]["aggregate"]["recall_mean"].get<double>(), s.rows[1].attention.recallMean);
        QCOMPARE(j["rows"][1]["pattern"]["window"].get<int>(), 32);
        QCOMPARE(csvField("a,\"b\""), std::string("\"a,\"\"b\"\"\""));
    }
};

QTEST_APPLESS_MAIN(TestExploreSweep)
#include "test_explore_sweep.moc"
