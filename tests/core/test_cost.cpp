// Cost formulas in closed form: NSA's Table 4, KV reads per decoded token against
// hand formulas and against the masks the builder makes, prefill sums, the roofline
// arithmetic, the hardware profiles file and `sparsescope-cli cost`.
#include "core/common/error.h"
#include "core/cost/hardware.h"
#include "core/cost/method_cost.h"
#include "core/cost/roofline.h"
#include "core/io/npy.h"
#include "core/pattern/mask_builder.h"
#include "core/pattern/presets.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include "cli_test_support.h"

#include <QTest>

#include <cmath>
#include <fstream>
#include <random>

using namespace sparsescope;

namespace {

const HeadDims kDims{128, 128, 4};

double decodeKv(const PatternSpec& s, int64_t t) { return rowCost(s, t, kDims, CostPhase::Decode).kvTokens; }

std::string profilesPath() { return std::string(SPARSESCOPE_SOURCE_DIR) + "/resources/hardware/profiles.json"; }

using clitest::Run;
using clitest::runCli;

}  // namespace

class TestCost : public QObject {
    Q_OBJECT
private slots:
    // NSA paper, Table 4: KV tokens loaded per decoding step with l = 32, d = 16,
    // l' = 64, n = 16, w = 512: compressed floor((s - l)/d) + 1 + selected n l' + w.
    void nsaReproducesTable4_data() {
        QTest::addColumn<int>("context");
        QTest::addColumn<double>("tokens");
        QTest::addColumn<double>("speedup");
        QTest::newRow("8k") << 8192 << 2048.0 << 4.0;
        QTest::newRow("16k") << 16384 << 2560.0 << 6.4;
        QTest::newRow("32k") << 32768 << 3584.0 << 9.1;
        QTest::newRow("64k") << 65536 << 5632.0 << 11.6;
    }
    void nsaReproducesTable4() {
        QFETCH(int, context);
        QFETCH(double, tokens);
        QFETCH(double, speedup);
        const PatternSpec nsa = presetSpec("nsa");
        const double kv = decodeKv(nsa, context);
        QCOMPARE(kv, double((context - 32) / 16 + 1 + 16 * 64 + 512));
        QVERIFY2(std::abs(kv - tokens) / tokens < 0.005, qPrintable(QString("%1 vs %2").arg(kv).arg(tokens)));
        QVERIFY(std::abs(context / kv - speedup) / speedup < 0.005);
        // The roofline on the H100 profile: decoding is memory-bound, so the estimated
        // speed-up is the ratio of tokens loaded.
        const auto profiles = loadHardwareProfiles(profilesPath());
        const ContextCost c = estimateContextCost(nsa, AttentionShape{}, findProfile(profiles, "h100-sxm"), context);
        QCOMPARE(c.kvReadsPerToken, kv);
        QVERIFY2(std::abs(c.decodeSpeedup - speedup) / speedup < 0.005, qPrintable(QString::number(c.decodeSpeedup)));
    }

    void nsaBranchesInClosedForm() {
        const PatternSpec s = presetSpec("nsa");
        QCOMPARE(nsaCompressedTokens(s, 31), int64_t(0));
        QCOMPARE(nsaCompressedTokens(s, 32), int64_t(1));
        QCOMPARE(nsaCompressedTokens(s, 47), int64_t(1));
        QCOMPARE(nsaCompressedTokens(s, 48), int64_t(2));
        QCOMPARE(nsaSelectedTokens(s, 100), int64_t(100));    // 2 blocks: everything
        QCOMPARE(nsaSelectedTokens(s, 1024), int64_t(1024));  // 16 blocks: everything
        QCOMPARE(nsaSelectedTokens(s, 1030), int64_t(15 * 64 + 6));  // own partial block + 15
        QCOMPARE(decodeKv(s, 100), double(5 + 100 + 100));   // additive, as the paper counts
    }

    // KV reads per decoded token: hand formulas for each method at several contexts.
    void kvReadsInClosedForm() {
        for (int64_t s : {1, 7, 64, 300, 1000, 4097, 20000}) {
            const int64_t i = s - 1;
            PatternSpec dense;
            dense.dense = true;
            QCOMPARE(decodeKv(dense, s), double(s));
            QCOMPARE(decodeKv(presetSpec("window"), s), double(std::min<int64_t>(128, s)));
            QCOMPARE(decodeKv(presetSpec("streamingllm"), s), double(std::min<int64_t>(256, s)));
            QCOMPARE(decodeKv(presetSpec("longformer"), s), double(std::min<int64_t>(258, s)));
            // Strided: window 128 plus every 128th key back outside it.
            const int64_t strided = s <= 128 ? s : 128 + (i - 128) / 128 + 1;
            QCOMPARE(decodeKv(presetSpec("strided"), s), double(strided));
            // Fixed: the own block so far plus c summary keys of every earlier block.
            QCOMPARE(decodeKv(presetSpec("fixed"), s), double(i % 128 + 1 + (i / 128) * 8));
            // Quest: own page so far plus min(63, earlier pages) pages of 16.
            QCOMPARE(decodeKv(presetSpec("quest"), s), double(i % 16 + 1 + std::min<int64_t>(63, i / 16) * 16));
            QCOMPARE(decodeKv(presetSpec("h2o"), s), double(std::min<int64_t>(256, s)));
            PatternSpec dsa = presetSpec("dsa");
            dsa.indexerTopk = 100;
            QCOMPARE(decodeKv(dsa, s), double(std::min<int64_t>(s, 101)));  // K + the diagonal, at most s
            // MInference decodes densely; H2O and Quest prefill densely.
            QCOMPARE(decodeKv(presetSpec("vertical_slash"), s), double(s));
            QVERIFY(rowCost(presetSpec("quest"), s, kDims, CostPhase::Prefill).dense);
            QVERIFY(!rowCost(presetSpec("quest"), s, kDims, CostPhase::Decode).dense);
        }
        // BigBird at row 1000: 169 window keys, 128 global, 3 random blocks of 64.
        QCOMPARE(decodeKv(presetSpec("bigbird"), 1001), double(169 + 128 + 192));
    }

    // The closed forms equal the last row of the masks the builder makes (exact for
    // score-free rules without random links; data-dependent budgets are upper bounds).
    void kvReadsMatchTheBuiltMasks() {
        std::mt19937 rng(21);
        for (int64_t n : {1, 40, 257, 1001, 1500}) {
            for (const char* name : {"window", "streamingllm", "longformer", "strided", "fixed", "bigbird", "a_shape"}) {
                const PatternSpec s = presetSpec(name);
                QCOMPARE(double(buildMask(s, n).rowSize(n - 1)), decodeKv(s, n));
                QCOMPARE(prefillCost(s, n, kDims).pairs, double(buildMask(s, n).keptPairs()));
            }
            std::normal_distribution<float> g(0, 1);
            std::vector<float> q(size_t(n * 8)), k(size_t(n * 8));
            for (auto& x : q) x = g(rng);
            for (auto& x : k) x = g(rng);
            const ScoreInputs in{q.data(), k.data(), 8, 0.35f};
            for (const char* name : {"quest", "h2o"})  // budgets that are always filled
                QCOMPARE(double(buildMask(presetSpec(name), n, &in).rowSize(n - 1)), decodeKv(presetSpec(name), n));
            for (const char* name : {"nsa", "dsa", "topk", "block_topk", "top_p"})
                QVERIFY(double(buildMask(presetSpec(name), n, &in).rowSize(n - 1)) <= decodeKv(presetSpec(name), n));
        }
    }

    void prefillSumsInClosedForm() {
        const double perPair = 2 * 128 + 2 * 128 + 5;
        for (int64_t s : {1, 100, 128, 5000}) {
            PatternSpec dense;
            dense.dense = true;
            const SequenceCost d = prefillCost(dense, s, kDims);
            QCOMPARE(d.pairs, double(s * (s + 1) / 2));
            QCOMPARE(d.coreFlops, perPair * double(s * (s + 1) / 2));
            QCOMPARE(d.selectorFlops, 0.0);
            const int64_t w = std::min<int64_t>(128, s);
            QCOMPARE(prefillCost(presetSpec("window"), s, kDims).pairs, double(w * (w + 1) / 2 + (s - w) * w));
            // The oracle pays the dense q.k pass: 2d per causal pair.
            QCOMPARE(prefillCost(presetSpec("topk"), s, kDims).selectorFlops, 2.0 * 128 * double(s * (s + 1) / 2));
            QCOMPARE(selectorFlopsForRows(presetSpec("topk"), s, kDims), 2.0 * 128 * double(s * (s + 1) / 2));
        }
        // DSA's indexer: (2 d_I + 2) per causal pair (no projection at d_I >= d).
        PatternSpec dsa = presetSpec("dsa");
        dsa.indexerDim = 128;
        QCOMPARE(prefillCost(dsa, 1000, kDims).selectorFlops, (2.0 * 128 + 2) * 1000 * 1001 / 2);
        // Quest prefills densely and only builds its page bounds (2d/g per key).
        const SequenceCost quest = prefillCost(presetSpec("quest"), 1000, kDims);
        QCOMPARE(quest.pairs, 1000.0 * 1001 / 2);
        QCOMPARE(quest.selectorFlops, 1000 * 2.0 * 128 / 4);
        // MInference's estimate: the last 64 queries' scores, softmax and two sums.
        PatternSpec vs = presetSpec("vertical_slash");
        double est = 0;
        for (int64_t r = 1000 - 64; r < 1000; ++r) est += double(r + 1) * (2 * 128 + 5 + 2);
        QCOMPARE(prefillCost(vs, 1000, kDims).selectorFlops, est);
    }

    void rooflineArithmetic() {
        HardwareProfile hw;
        hw.name = "toy";
        hw.peakFlops = 1e12;
        hw.memoryBandwidth = 1e11;
        hw.picojoulesPerFlop = 2;
        hw.picojoulesPerByte = 10;
        AttentionShape shape;
        shape.layers = 2;
        shape.heads = 4;
        shape.kvHeads = 2;
        shape.headDim = shape.valueDim = 16;
        shape.bytesPerElement = 2;
        PatternSpec dense;
        dense.dense = true;
        const ContextCost c = estimateContextCost(dense, shape, hw, 1000);
        // Decode: per layer 2 KV heads x 1000 tokens x 32 elements x 2 bytes; 4 heads x
        // 1000 x (2*16 + 2*16 + 5) FLOPs.
        const double bytesLayer = 2 * 1000 * 32 * 2.0, flopsLayer = 4 * 1000 * 69.0;
        QCOMPARE(c.decodeDenseBytes, 2 * bytesLayer);
        QCOMPARE(c.decodeDenseFlops, 2 * flopsLayer);
        QCOMPARE(c.decodeDenseSeconds, 2 * std::max(flopsLayer / 1e12, bytesLayer / 1e11));
        QCOMPARE(c.decodeDenseEnergy, 2 * (flopsLayer * 2 + bytesLayer * 10) * 1e-12);
        QCOMPARE(c.decodeSpeedup, 1.0);
        QCOMPARE(c.prefillSpeedup, 1.0);
        // A window of 128 at 1280 keys: 10x fewer KV bytes, memory-bound: 10x faster decoding.
        const ContextCost w = estimateContextCost(presetSpec("window") /*128*/, shape, hw, 1280);
        QCOMPARE(w.kvReadsPerToken, 128.0);
        QVERIFY(std::abs(w.decodeSpeedup - 10.0) < 1e-9);
        QVERIFY_THROWS_EXCEPTION(Error, estimateContextCost(dense, shape, hw, 0));
        shape.kvHeads = 3;
        QVERIFY_THROWS_EXCEPTION(Error, estimateContextCost(dense, shape, hw, 10));
    }

    void hardwareProfilesFile() {
        const auto profiles = loadHardwareProfiles(profilesPath());
        QCOMPARE(profiles.size(), size_t(3));
        const HardwareProfile& h100 = findProfile(profiles, "h100-sxm");
        QCOMPARE(h100.peakFlops, 989.4e12);
        QCOMPARE(h100.memoryBandwidth, 3.35e12);
        for (const auto& p : profiles) {
            QVERIFY(!p.energySource.empty());
            if (!p.measure) QVERIFY(!p.flopsSource.empty() && !p.bandwidthSource.empty());
        }
        QVERIFY(findProfile(profiles, "cpu").measure);
        QVERIFY_THROWS_EXCEPTION(Error, findProfile(profiles, "tpu"));
        QTemporaryDir dir;
        const std::string bad = dir.filePath("bad.json").toStdString();
        std::ofstream(bad) << R"({"profiles": [{"name": "x", "peak_flops": -1, "memory_bandwidth": 1, "pj_per_flop": 1, "pj_per_byte": 1}]})";
        try {
            loadHardwareProfiles(bad);
            QFAIL("expected an Error");
        } catch (const Error& e) {
            QCOMPARE(QString::fromStdString(e.field()), QString("x.peak_flops"));
        }
        QVERIFY_THROWS_EXCEPTION(Error, loadHardwareProfiles(dir.filePath("missing.json").toStdString()));
    }

    void cpuMicroBenchmarkMeasuresSomething() {
        const CpuMeasurement m = measureThisCpu(0.1, 1);
        QVERIFY(m.flops > 1e8);
        QVERIFY(m.bandwidth > 1e8);
        HardwareProfile cpu;
        cpu.measure = true;
        applyMeasurement(cpu, m);
        QVERIFY(cpu.measured && cpu.peakFlops == m.flops);
    }

    void cliCostPrintsTheTable() {
        const Run r = runCli({"cost", "--preset", "nsa", "--context", "8192,16384,32768,65536", "--hardware",
                              "h100-sxm", "--hardware-file", QString::fromStdString(profilesPath()), "--json"});
        QVERIFY2(r.code == 0, r.err.constData());
        const QJsonObject j = QJsonDocument::fromJson(r.out).object();
        QVERIFY(j["estimate"].toBool());
        QVERIFY(j["shape"].toObject().contains("source"));
        const QJsonArray contexts = j["contexts"].toArray();
        QCOMPARE(contexts.size(), 4);
        const double table[] = {2048, 2560, 3584, 5632}, speed[] = {4.0, 6.4, 9.1, 11.6};
        for (int c = 0; c < 4; ++c) {
            const QJsonObject o = contexts[c].toObject();
            for (const char* key : {"kv_reads_per_token", "core_flops", "selector_flops", "total_flops",
                                    "decode_speedup_estimate", "prefill_speedup_estimate"})
                QVERIFY2(o.contains(key), key);
            QVERIFY(std::abs(o["kv_reads_per_token"].toDouble() - table[c]) / table[c] < 0.005);
            QVERIFY(std::abs(o["decode_speedup_estimate"].toDouble() - speed[c]) / speed[c] < 0.005);
            QCOMPARE(o["total_flops"].toDouble(), o["core_flops"].toDouble() + o["selector_flops"].toDouble());
        }
        // Shape flags, a measured CPU, and bad usage.
        const Run shape = runCli({"cost", "--preset", "streamingllm", "--context", "4096", "--heads", "8", "--kv-heads", "2",
                                  "--head-dim", "64", "--layers", "4", "--hardware", "laptop-m2", "--json"});
        QVERIFY2(shape.code == 0, shape.err.constData());
        const QJsonObject s = QJsonDocument::fromJson(shape.out).object()["shape"].toObject();
        QCOMPARE(s["heads"].toInt(), 8);
        QCOMPARE(s["kv_heads"].toInt(), 2);
        QCOMPARE(runCli({"cost", "--preset", "nsa"}).code, 2);                                    // no --context
        QCOMPARE(runCli({"cost", "--preset", "nsa", "--context", "100", "--hardware", "tpu"}).code, 1);
        QCOMPARE(runCli({"cost", "--preset", "nsa", "--context", "100", "--heads", "6", "--kv-heads", "4"}).code, 1);
        QCOMPARE(runCli({"cost", "--help"}).code, 0);
    }

    // The method flags reach analyze: DSA reports its indexer overlap, every pattern
    // its row-density spread.
    void cliAnalyzeReportsMethodReadouts() {
        QTemporaryDir dir;
        std::mt19937 rng(5);
        std::uniform_int_distribution<int> pos(1, 3);
        std::vector<float> q(2 * 60 * 4), k(2 * 60 * 4);
        for (auto& x : q) x = float(pos(rng));
        for (auto& x : k) x = float(pos(rng));
        const QString qf = dir.filePath("q.npy"), kf = dir.filePath("k.npy");
        writeNpy(qf.toStdString(), {2, 60, 4}, q.data());
        writeNpy(kf.toStdString(), {2, 60, 4}, k.data());
        const Run r = runCli({"analyze", "--q", qf, "--k", kf, "--preset", "dsa", "--indexer-topk", "6", "--json"});
        QVERIFY2(r.code == 0, r.err.constData());
        const QJsonObject agg = QJsonDocument::fromJson(r.out).object()["aggregate"].toObject();
        QCOMPARE(agg["indexer_overlap"].toDouble(), 1.0);  // positive scores, one head per K: exact
        QVERIFY(agg.contains("row_density_p90"));
        const Run nsa = runCli({"analyze", "--q", qf, "--k", kf, "--nsa", "--nsa-compress-block", "8",
                                "--nsa-compress-stride", "4", "--nsa-select-block", "8", "--json"});
        QVERIFY2(nsa.code == 0, nsa.err.constData());
        QVERIFY(QJsonDocument::fromJson(nsa.out).object()["pattern"].toObject()["nsa"].toBool());
        QCOMPARE(runCli({"analyze", "--q", qf, "--k", kf, "--top-p", "1.5"}).code, 1);
        QCOMPARE(runCli({"analyze", "--q", qf, "--k", kf, "--top-p", "x"}).code, 2);
    }
};

QTEST_APPLESS_MAIN(TestCost)
#include "test_cost.moc"
