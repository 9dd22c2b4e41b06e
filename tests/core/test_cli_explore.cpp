// sparsescope-cli sweep and workloads end to end (separate processes, the bundled
// model, short texts): exit codes, CSV header and rows, rows equal to `analyze` /
// `eval` for the same flags, JSON, and clear messages for bad usage.
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include "cli_test_support.h"

#include <QTest>

namespace {

using clitest::Run;
using clitest::runCli;

const QString kText = QStringLiteral(SPARSESCOPE_SOURCE_DIR "/samples/prose_kjv_ruth.txt");

// CSV text -> header and rows of cells (the sweep's fields hold no commas).
QList<QStringList> parseCsv(const QByteArray& out) {
    QList<QStringList> rows;
    for (const QString& line : QString::fromUtf8(out).split(QLatin1Char('\n'), Qt::SkipEmptyParts))
        rows << line.split(QLatin1Char(','));
    return rows;
}

}  // namespace

class TestCliExplore : public QObject {
    Q_OBJECT

private slots:
    void help() {
        for (const char* cmd : {"sweep", "workloads"}) {
            const Run r = runCli({cmd, "--help"});
            QCOMPARE(r.code, 0);
            QVERIFY(r.out.contains("usage: sparsescope-cli"));
        }
        const Run all = runCli({"--help"});
        QVERIFY(all.out.contains("sweep"));
        QVERIFY(all.out.contains("workloads"));
    }

    void sweepCsvRowsEqualAnalyze() {
        const QStringList common = {"--text-file", kText, "--max-tokens", "128", "--preset", "streamingllm",
                                    "--layers", "0,3-4"};
        const Run r = runCli(QStringList{"sweep", "--param", "window", "--values", "8,32,128", "--csv"} + common);
        QCOMPARE(r.code, 0);
        const QList<QStringList> csv = parseCsv(r.out);
        QCOMPARE(csv.size(), 4);
        const QStringList header = csv[0];
        QCOMPARE(header.mid(0, 6), (QStringList{"preset", "param", "value", "tokens", "density", "flops_share"}));
        QVERIFY(!header.contains(QStringLiteral("loss_delta")));
        const QStringList values = {"8", "32", "128"};
        for (int i = 0; i < 3; ++i) {
            const QStringList& row = csv[i + 1];
            QCOMPARE(row.size(), header.size());
            QCOMPARE(row[header.indexOf("param")], QStringLiteral("window"));
            QCOMPARE(row[header.indexOf("value")], values[i]);
            QCOMPARE(row[header.indexOf("tokens")], QStringLiteral("128"));
            // `analyze` with the same flags and that window: the same figures, to the bit
            // (17 significant digits in the CSV, shortest round trip in the JSON).
            const Run a = runCli(QStringList{"analyze", "--json", "--window", values[i]} + common);
            QCOMPARE(a.code, 0);
            const QJsonObject agg = QJsonDocument::fromJson(a.out).object()["aggregate"].toObject();
            for (const char* key : {"density", "recall_mean", "recall_min", "recall_p10", "kl_mean",
                                    "output_rel_error_mean", "top1_retention", "block_density", "flops_dense",
                                    "flops_sparse", "kv_reads_last"})
                QCOMPARE(row[header.indexOf(QLatin1String(key))].toDouble(), agg[QLatin1String(key)].toDouble());
            QCOMPARE(row[header.indexOf("flops_share")].toDouble(),
                     agg["flops_sparse"].toDouble() / agg["flops_dense"].toDouble());
        }
        // Density grows with the window.
        QVERIFY(csv[1][4].toDouble() < csv[2][4].toDouble());
        QVERIFY(csv[2][4].toDouble() < csv[3][4].toDouble());
    }

    void sweepModelLevelEqualsEval() {
        const QStringList common = {"--text-file", kText, "--max-tokens", "64", "--preset", "streamingllm"};
        const Run r = runCli(QStringList{"sweep", "--param", "window", "--values", "4,16", "--model-level", "--csv"} + common);
        QCOMPARE(r.code, 0);
        const QList<QStringList> csv = parseCsv(r.out);
        QCOMPARE(csv.size(), 3);
        const QStringList header = csv[0];
        QVERIFY(header.endsWith(QStringLiteral("top1_agreement")));
        const Run e = runCli(QStringList{"eval", "--json", "--window", "16"} + common);
        QCOMPARE(e.code, 0);
        const QJsonObject j = QJsonDocument::fromJson(e.out).object();
        for (const char* key : {"loss_dense", "loss_sparse", "loss_delta", "ppl_ratio", "top1_agreement"})
            QCOMPARE(csv[2][header.indexOf(QLatin1String(key))].toDouble(), j[QLatin1String(key)].toDouble());
    }

    void sweepJsonAndDefaults() {
        const Run r = runCli({"sweep", "--text-file", kText, "--max-tokens", "64", "--param", "top_p", "--values",
                              "0.5,0.9", "--json"});
        QCOMPARE(r.code, 0);
        const QJsonObject j = QJsonDocument::fromJson(r.out).object();
        QCOMPARE(j["param"].toString(), QStringLiteral("top_p"));
        QCOMPARE(j["tokens"].toInt(), 64);
        const QJsonArray rows = j["rows"].toArray();
        QCOMPARE(rows.size(), 2);
        QCOMPARE(rows[1].toObject()["pattern"].toObject()["top_p"].toDouble(), 0.9);
        QVERIFY(rows[1].toObject()["aggregate"].toObject()["recall_mean"].toDouble() >= 0.9 - 1e-9);
        // No --values: powers of two up to the token count.
        const Run d = runCli({"sweep", "--text-file", kText, "--max-tokens", "40", "--param", "window", "--csv"});
        QCOMPARE(d.code, 0);
        const QList<QStringList> csv = parseCsv(d.out);
        QStringList got;
        for (int i = 1; i < csv.size(); ++i) got << csv[i][2];
        QCOMPARE(got, (QStringList{"1", "2", "4", "8", "16", "32", "40"}));
        // Plain table by default.
        const Run t = runCli({"sweep", "--text-file", kText, "--max-tokens", "40", "--param", "window", "--values", "8"});
        QCOMPARE(t.code, 0);
        QVERIFY(t.out.contains("recall"));
    }

    void sweepBadUsage_data() {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("message");
        QTest::newRow("unknown param") << QStringList{"--param", "windw", "--values", "8"}
                                       << "unknown parameter 'windw'; sweepable: window, global";
        QTest::newRow("no param") << QStringList{"--values", "8"} << "needs --param";
        QTest::newRow("bad number") << QStringList{"--param", "window", "--values", "8,x"} << "got 'x'";
        QTest::newRow("fraction") << QStringList{"--param", "window", "--values", "8.5"} << "whole number";
        QTest::newRow("stride 1") << QStringList{"--param", "stride", "--values", "1"} << "stride";
        QTest::newRow("csv and json") << QStringList{"--param", "window", "--values", "8", "--csv", "--json"}
                                      << "not both";
    }
    void sweepBadUsage() {
        QFETCH(QStringList, args);
        QFETCH(QString, message);
        const Run r = runCli(QStringList{"sweep", "--text-file", kText, "--max-tokens", "32"} + args);
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains(message.toUtf8()), r.err.constData());
        QVERIFY(r.out.isEmpty());
    }

    void sweepBadInput() {
        const Run r = runCli({"sweep", "--text-file", "/nonexistent/file.txt", "--param", "window", "--values", "8"});
        QCOMPARE(r.code, 1);
        QVERIFY(r.err.contains("/nonexistent/file.txt"));
    }

    void workloadsCsv() {
        const Run r = runCli({"workloads", "--preset", "streamingllm", "--window", "8", "--max-tokens", "96", "--csv"});
        QCOMPARE(r.code, 0);
        const QList<QStringList> csv = parseCsv(r.out);
        QCOMPARE(csv.size(), 9);  // header + 8 bundled samples
        QCOMPARE(csv[0].mid(0, 5), (QStringList{"id", "title", "kind", "tokens", "density"}));
        QVERIFY(csv[0].contains(QStringLiteral("retrieved_sparse")));
        QVERIFY(r.err.contains("remade with"));  // the passkey task was made smaller to fit
        // JSON: the passkey sample reports retrieval, the prose sample does not.
        const Run j = runCli({"workloads", "--preset", "streamingllm", "--window", "8", "--max-tokens", "96", "--json"});
        QCOMPARE(j.code, 0);
        int withRetrieval = 0;
        for (const QJsonValue& row : QJsonDocument::fromJson(j.out).object()["rows"].toArray()) {
            const QJsonObject o = row.toObject();
            QVERIFY(o["tokens"].toInt() <= 96);
            if (o.contains("retrieval")) {
                ++withRetrieval;
                QVERIFY(o["kind"].toString() == QLatin1String("passkey") || o["kind"].toString() == QLatin1String("keyvalue"));
            }
        }
        QCOMPARE(withRetrieval, 2);
    }

    void workloadsFolderAndErrors() {
        QTemporaryDir dir;
        QFile f(dir.filePath("note.txt"));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("A short note about nothing in particular, written for the test.\n");
        f.close();
        const Run r = runCli({"workloads", "--preset", "streamingllm", "--folder", dir.path(), "--csv"});
        QCOMPARE(r.code, 0);
        QCOMPARE(parseCsv(r.out).size(), 2);
        QCOMPARE(runCli({"workloads", "--csv"}).code, 2);  // no pattern
        QCOMPARE(runCli({"workloads", "--preset", "streamingllm", "--folder", dir.path(), "--samples", dir.path()}).code, 2);
        QCOMPARE(runCli({"workloads", "--preset", "streamingllm", "--folder", dir.filePath("none")}).code, 1);
    }
};

QTEST_APPLESS_MAIN(TestCliExplore)
#include "test_cli_explore.moc"
