// sparsescope-cli end to end: exit codes, messages and JSON fields, run as a
// separate process on files written by the test.
#include "core/io/npy.h"
#include "core/metrics/head_analysis.h"
#include "core/pattern/mask_builder.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include "cli_test_support.h"

#include <QTest>

#include <random>

using namespace sparsescope;

namespace {

using clitest::Run;
using clitest::runCli;

}  // namespace

class TestCli : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    HeadTensor q_, k_, v_;
    QString path(const char* name) const { return dir_.filePath(name); }

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        std::mt19937 rng(11);
        std::normal_distribution<float> g(0, 1);
        q_ = HeadTensor(2, 50, 8);
        k_ = HeadTensor(2, 50, 8);
        v_ = HeadTensor(2, 50, 8);
        for (auto* t : {&q_, &k_, &v_})
            for (auto& x : t->data) x = g(rng);
        writeNpy(path("q.npy").toStdString(), {2, 50, 8}, q_.data.data());
        writeNpy(path("k.npy").toStdString(), {2, 50, 8}, k_.data.data());
        writeNpy(path("v.npy").toStdString(), {2, 50, 8}, v_.data.data());
        writeNpy(path("k_short.npy").toStdString(), {2, 49, 8}, k_.data.data());
    }

    void helpOnEverySubcommand() {
        for (const char* cmd : {"mask", "analyze", "tokenize", "forward", "eval"}) {
            const Run r = runCli({cmd, "--help"});
            QCOMPARE(r.code, 0);
            QVERIFY(r.out.contains("usage: sparsescope-cli"));
        }
        QCOMPARE(runCli({"--help"}).code, 0);
    }

    void maskMatchesBuilder() {
        const Run r = runCli({"mask", "--n", "40", "--window", "5", "--global", "2", "--stride", "9",
                              "--out", path("mask.npy")});
        QCOMPARE(r.code, 0);
        const NpyArray a = readNpy(path("mask.npy").toStdString());
        QCOMPARE(a.dtype, NpyDtype::U8);
        QCOMPARE(a.shape, (std::vector<int64_t>{40, 40}));
        PatternSpec s;
        s.window = 5;
        s.global = 2;
        s.stride = 9;
        const SparseMask m = buildMask(s, 40);
        std::vector<uint8_t> want(40 * 40, 0);
        for (int64_t i = 0; i < 40; ++i)
            for (int64_t e = m.rowBegin(i); e < m.rowEnd(i); ++e) want[i * 40 + m.cols[e]] = 1;
        QVERIFY(a.bytes == want);
    }

    void topkMaskUsesQk() {
        const Run r = runCli({"mask", "--q", path("q.npy"), "--k", path("k.npy"), "--head", "1",
                              "--topk", "3", "--out", path("topk.npy")});
        QCOMPARE(r.code, 0);
        const NpyArray a = readNpy(path("topk.npy").toStdString());
        int64_t kept = 0;
        for (uint8_t b : a.bytes) kept += b;
        // Rows 0..2 keep everything (<= 3 keys, 6 pairs); rows 3..49 keep 3 keys plus,
        // when the diagonal is not among them, the diagonal.
        QVERIFY(kept >= 6 + 47 * 3 && kept <= 6 + 47 * 4);
        QCOMPARE(runCli({"mask", "--n", "10", "--topk", "3", "--out", path("x.npy")}).code, 2);
    }

    void analyzeJsonMatchesCore() {
        const Run r = runCli({"analyze", "--q", path("q.npy"), "--k", path("k.npy"), "--v",
                              path("v.npy"), "--preset", "streamingllm", "--window", "6", "--json"});
        QCOMPARE(r.code, 0);
        const QJsonObject j = QJsonDocument::fromJson(r.out).object();
        QCOMPARE(j["n"].toInt(), 50);
        QCOMPARE(j["heads"].toInt(), 2);
        QVERIFY(j["pattern"].isObject());
        QCOMPARE(j["pattern"].toObject()["window"].toInt(), 6);
        QCOMPARE(j["pattern"].toObject()["global"].toInt(), 4);
        QCOMPARE(j["per_head"].toArray().size(), 2);
        const QJsonObject agg = j["aggregate"].toObject();
        for (const char* key : {"density", "recall_mean", "recall_min", "recall_p10", "kl_mean",
                                "output_rel_error_mean", "output_rel_error_max", "top1_retention",
                                "block_density", "block_size", "flops_dense", "flops_sparse",
                                "kv_reads_last"})
            QVERIFY2(agg.contains(key), key);
        PatternSpec s;
        s.global = 4;
        s.window = 6;
        const AnalysisResult want = analyzeHeads(q_, k_, &v_, s);
        QVERIFY(std::abs(agg["recall_mean"].toDouble() - want.aggregate.recallMean) < 1e-9);
        QVERIFY(std::abs(agg["density"].toDouble() - want.aggregate.density) < 1e-12);
        QCOMPARE(agg["kv_reads_last"].toDouble(), 10.0);  // 4 sinks + 6 recent
    }

    void analyzeWithoutVOmitsOutputError() {
        const Run r = runCli({"analyze", "--q", path("q.npy"), "--k", path("k.npy"), "--window", "4", "--json"});
        QCOMPARE(r.code, 0);
        const QJsonObject agg = QJsonDocument::fromJson(r.out).object()["aggregate"].toObject();
        QVERIFY(!agg.contains("output_rel_error_mean"));
        QVERIFY(agg.contains("recall_mean"));
    }

    void exitCodes_data() {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<int>("code");
        QTest::addColumn<QString>("message");
        QTest::newRow("no command") << QStringList{} << 2 << "usage";
        QTest::newRow("unknown command") << QStringList{"frobnicate"} << 2 << "unknown command";
        QTest::newRow("unknown flag") << QStringList{"mask", "--n", "4", "--windw", "3"} << 2 << "--windw";
        QTest::newRow("not a number") << QStringList{"mask", "--n", "four", "--out", "x"} << 2 << "integer";
        QTest::newRow("missing --out") << QStringList{"mask", "--n", "4"} << 2 << "--out";
        QTest::newRow("stride 1") << QStringList{"mask", "--n", "4", "--stride", "1", "--out", "x"} << 1 << "stride";
        QTest::newRow("negative window") << QStringList{"mask", "--n", "4", "--window", "-2", "--out", "x"} << 1 << "window";
        QTest::newRow("unknown preset") << QStringList{"mask", "--n", "4", "--preset", "nope", "--out", "x"} << 1 << "nope";
        QTest::newRow("missing file") << QStringList{"analyze", "--q", "/nonexistent/q.npy", "--k", "/nonexistent/k.npy"} << 1 << "/nonexistent/q.npy";
    }
    void exitCodes() {
        QFETCH(QStringList, args);
        QFETCH(int, code);
        QFETCH(QString, message);
        const Run r = runCli(args);
        QCOMPARE(r.code, code);
        QVERIFY2(QString::fromUtf8(r.err).contains(message), r.err.constData());
    }

    void modelCommandsMatchHuggingFace() {
        // The golden Llama (GQA, F32) made with transformers: ids, logits, attention.
        const QString g = QStringLiteral(SPARSESCOPE_SOURCE_DIR "/tests/golden/models/llama");
        Run r = runCli({"tokenize", "--model", g, "--text-file", g + "/text.txt", "--out", path("ids.npy")});
        QCOMPARE(r.code, 0);
        QCOMPARE(readNpy(path("ids.npy").toStdString()).toInt64(), readNpy((g + "/ids.npy").toStdString()).toInt64());
        r = runCli({"forward", "--model", g, "--ids", g + "/ids.npy", "--logits-out", path("logits.npy"),
                    "--attn-out", path("attn.npy")});
        QCOMPARE(r.code, 0);
        for (const char* name : {"logits", "attn"}) {
            const NpyArray got = readNpy(path((std::string(name) + ".npy").c_str()).toStdString());
            const NpyArray want = readNpy((g + "/" + name + ".npy").toStdString());
            QCOMPARE(got.shape, want.shape);
            const std::vector<float> a = got.toFloat32(), b = want.toFloat32();
            float maxDiff = 0;
            for (size_t i = 0; i < a.size(); ++i) maxDiff = std::max(maxDiff, std::abs(a[i] - b[i]));
            QVERIFY2(maxDiff < (std::string(name) == "logits" ? 1e-4f : 1e-5f), name);
        }
        // The fixture's sparse run: window 8 + 2 global tokens in every layer.
        r = runCli({"forward", "--model", g, "--ids", g + "/ids.npy", "--window", "8", "--global", "2",
                    "--logits-out", path("sparse.npy")});
        QCOMPARE(r.code, 0);
        const std::vector<float> a = readNpy(path("sparse.npy").toStdString()).toFloat32();
        const std::vector<float> b = readNpy((g + "/sparse_logits.npy").toStdString()).toFloat32();
        QCOMPARE(a.size(), b.size());
        for (size_t i = 0; i < a.size(); ++i) QVERIFY(std::abs(a[i] - b[i]) < 1e-4f);
    }

    void evalJson() {
        const QString g = QStringLiteral(SPARSESCOPE_SOURCE_DIR "/tests/golden/models/llama");
        const Run r = runCli({"eval", "--model", g, "--text-file", g + "/text.txt", "--window", "8",
                              "--layers", "1", "--json"});
        QCOMPARE(r.code, 0);
        const QJsonObject j = QJsonDocument::fromJson(r.out).object();
        for (const char* key : {"tokens", "loss_dense", "loss_sparse", "loss_delta", "ppl_ratio",
                                "top1_agreement", "aggregate", "per_layer"})
            QVERIFY2(j.contains(key), key);
        QCOMPARE(j["per_layer"].toArray().size(), 1);
        QVERIFY(std::abs(j["ppl_ratio"].toDouble() - std::exp(j["loss_delta"].toDouble())) < 1e-9);
        QVERIFY(j["aggregate"].toObject().contains("recall_mean"));
    }

    void defaultModelWhenOmitted() {
        const Run r = runCli({"tokenize", "--text", "The pass key is 12345."});
        QCOMPARE(r.code, 0);
        QVERIFY(r.out.split(' ').size() >= 5);
    }

    void badTextAndModelInput_data() {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("message");
        QTest::newRow("empty text") << QStringList{"tokenize", "--text-file", "EMPTY"} << "is empty";
        QTest::newRow("whitespace only") << QStringList{"tokenize", "--text-file", "BLANK"} << "only whitespace";
        QTest::newRow("missing model") << QStringList{"tokenize", "--model", "/nonexistent/model", "--text", "hi"} << "/nonexistent/model";
        QTest::newRow("bad layer") << QStringList{"eval", "--text", "a b c d", "--window", "2", "--layers", "99"} << "layer 99";
    }
    void badTextAndModelInput() {
        QFETCH(QStringList, args);
        QFETCH(QString, message);
        QFile(path("empty.txt")).open(QIODevice::WriteOnly);
        QFile blank(path("blank.txt"));
        QVERIFY(blank.open(QIODevice::WriteOnly));
        blank.write(" \n\t  \n");
        blank.close();
        args.replaceInStrings("EMPTY", path("empty.txt"));
        args.replaceInStrings("BLANK", path("blank.txt"));
        const Run r = runCli(args);
        QVERIFY(r.code == 1 || r.code == 2);
        QVERIFY2(QString::fromUtf8(r.err).contains(message), r.err.constData());
    }

    void shapeMismatchNamesTheFile() {
        const Run r = runCli({"analyze", "--q", path("q.npy"), "--k", path("k_short.npy")});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("k_short.npy"), r.err.constData());
    }
};

QTEST_MAIN(TestCli)
#include "test_cli.moc"
