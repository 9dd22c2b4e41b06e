// Q/K/V loading (core/io/qkv_loader.h) from NumPy-made .npy and .npz fixtures:
// shapes [n,d] and [h,n,d], float32 and float16, and every disagreement refused
// with the offending file named.
#include <QTest>

#include "core/io/qkv_loader.h"
#include "core/io_test_support.h"

using namespace sparsescope;
using iotest::goldenNpy;

namespace {
float formula(int64_t a, int64_t i, int64_t j) { return float(100 * a + 10 * i + j) / 8.0f; }
}  // namespace

class TestQkvLoader : public QObject {
    Q_OBJECT
private slots:
    void loadsThreeFiles() {
        // q float32, k float16, v float32 with a different head dim.
        const QkvSet s = loadQkv(goldenNpy("q_2x5x4.npy"), goldenNpy("k_2x5x4_f16.npy"),
                                 goldenNpy("v_2x5x3.npy"));
        QVERIFY(s.hasV);
        QCOMPARE(s.q.heads, int64_t(2));
        QCOMPARE(s.q.n, int64_t(5));
        QCOMPARE(s.q.d, int64_t(4));
        QCOMPARE(s.v.d, int64_t(3));
        for (int64_t a = 0; a < 2; ++a)
            for (int64_t i = 0; i < 5; ++i) {
                for (int64_t j = 0; j < 4; ++j) {
                    QCOMPARE(s.q.head(a)(i, j), formula(a, i, j));
                    QCOMPARE(s.k.head(a)(i, j), -formula(a, i, j));
                }
                for (int64_t j = 0; j < 3; ++j) QCOMPARE(s.v.head(a)(i, j), formula(a, i, j) / 2);
            }
    }

    void withoutV() {
        const QkvSet s = loadQkv(goldenNpy("f32_2x3.npy"), goldenNpy("f32_2x3.npy"), "");
        QVERIFY(!s.hasV);
        QVERIFY(s.v.empty());
        QCOMPARE(s.q.heads, int64_t(1));  // [n, d] is one head
        QCOMPARE(s.q.n, int64_t(2));
        QCOMPARE(s.q.d, int64_t(3));
        QCOMPARE(s.k.data, (std::vector<float>{-0.625f, -0.375f, -0.125f, 0.125f, 0.375f, 0.625f}));
    }

    void refuses_data() {
        QTest::addColumn<QString>("q");
        QTest::addColumn<QString>("k");
        QTest::addColumn<QString>("v");
        QTest::addColumn<QString>("blamed");
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("needle");
        QTest::newRow("k tokens differ") << "q_2x5x4.npy"
                                         << "k_2x6x4.npy"
                                         << ""
                                         << "k_2x6x4.npy"
                                         << "shape"
                                         << "[2, 6, 4] (heads, n, d) but q has [2, 5, 4]";
        QTest::newRow("v heads differ") << "q_2x5x4.npy"
                                        << "q_2x5x4.npy"
                                        << "v_3x5x4.npy"
                                        << "v_3x5x4.npy"
                                        << "shape"
                                        << "same heads and tokens";
        QTest::newRow("rank 4") << "q_4d.npy"
                                << "q_2x5x4.npy"
                                << ""
                                << "q_4d.npy"
                                << "shape"
                                << "[n, d] or [heads, n, d], got [1, 2, 5, 4]";
        QTest::newRow("rank 1") << "f16_specials.npy"
                                << "q_2x5x4.npy"
                                << ""
                                << "f16_specials.npy"
                                << "shape"
                                << "got [14]";
        QTest::newRow("int64") << "q_2x5x4.npy"
                               << "i64_6.npy"
                               << ""
                               << "i64_6.npy"
                               << "dtype"
                               << "float32 or float16, got int64";
        QTest::newRow("int32") << "q_i32.npy"
                               << "q_2x5x4.npy"
                               << ""
                               << "q_i32.npy"
                               << "dtype"
                               << "got int32";
        QTest::newRow("float64") << "f64_5.npy"
                                 << "q_2x5x4.npy"
                                 << ""
                                 << "f64_5.npy"
                                 << "dtype"
                                 << "got float64";
        QTest::newRow("empty") << "empty_0x3.npy"
                               << "empty_0x3.npy"
                               << ""
                               << "empty_0x3.npy"
                               << "shape"
                               << "empty dimension";
        QTest::newRow("fortran") << "q_2x5x4.npy"
                                 << "bad_fortran.npy"
                                 << ""
                                 << "bad_fortran.npy"
                                 << "fortran_order"
                                 << "np.ascontiguousarray";
        QTest::newRow("missing v") << "q_2x5x4.npy"
                                   << "q_2x5x4.npy"
                                   << "nope.npy"
                                   << "nope.npy"
                                   << ""
                                   << "cannot open";
    }
    void refuses() {
        QFETCH(QString, q);
        QFETCH(QString, k);
        QFETCH(QString, v);
        QFETCH(QString, blamed);
        QFETCH(QString, field);
        QFETCH(QString, needle);
        const std::string vPath = v.isEmpty() ? "" : goldenNpy(v.toStdString());
        EXPECT_ERROR(loadQkv(goldenNpy(q.toStdString()), goldenNpy(k.toStdString()), vPath),
                     goldenNpy(blamed.toStdString()), field.toStdString(), needle.toStdString());
    }

    void loadsNpz() {
        const QkvSet s = loadQkvNpz(goldenNpy("qkv.npz"));
        QVERIFY(s.hasV);
        QCOMPARE(s.q.heads, int64_t(2));
        QCOMPARE(s.v.d, int64_t(3));
        QCOMPARE(s.k.head(1)(4, 3), -formula(1, 4, 3));
        QCOMPARE(s.v.head(1)(2, 1), formula(1, 2, 1) / 2);

        const QkvSet c = loadQkvNpz(goldenNpy("qk_compressed_f16.npz"));
        QVERIFY(!c.hasV);
        QCOMPARE(c.q.heads, int64_t(1));
        QCOMPARE(c.q.n, int64_t(5));
        QCOMPARE(c.q.head(0)(3, 2), formula(0, 3, 2));
    }

    void refusesBadNpz() {
        const std::string mismatch = goldenNpy("qkv_mismatch.npz");
        EXPECT_ERROR(loadQkvNpz(mismatch), mismatch + " (member k)", "shape", "[2, 6, 4]");
        const std::string kv = goldenNpy("kv_only.npz");
        EXPECT_ERROR(loadQkvNpz(kv), kv, "q", "it has: k, v");
        const std::string mixed = goldenNpy("mixed_compressed.npz");
        EXPECT_ERROR(loadQkvNpz(mixed), mixed, "q", "missing array 'q'");
        EXPECT_ERROR(loadQkvNpz(goldenNpy("q_2x5x4.npy")), "q_2x5x4.npy", "zip", "");
    }
};

QTEST_APPLESS_MAIN(TestQkvLoader)
#include "test_qkv_loader.moc"
