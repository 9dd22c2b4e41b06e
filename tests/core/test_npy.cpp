// .npy reader and writer (core/io/npy.h) against files written by NumPy itself
// (tests/golden/npy, made by tools/make_npy_fixtures.py), hand-made malformed
// headers, truncation and byte-flip sweeps, and write/read round trips.
#include <QTemporaryDir>
#include <QTest>
#include <bit>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>

#include "core/io/npy.h"
#include "core/io_test_support.h"

using namespace sparsescope;
using iotest::goldenNpy;

namespace {

using Shape = std::vector<int64_t>;

// A .npy image with the given header text (padded like NumPy) and data bytes.
std::vector<uint8_t> npyImage(const std::string& header, size_t dataBytes, int major = 1) {
    std::string text = header;
    const size_t preamble = major == 1 ? 10 : 12;
    while ((preamble + text.size() + 1) % 64) text += ' ';
    text += '\n';
    std::vector<uint8_t> out = {0x93, 'N', 'U', 'M', 'P', 'Y', static_cast<uint8_t>(major), 0};
    const uint32_t len = static_cast<uint32_t>(text.size());
    for (size_t i = 0; i < preamble - 8; ++i) out.push_back(static_cast<uint8_t>(len >> (8 * i)));
    out.insert(out.end(), text.begin(), text.end());
    for (size_t i = 0; i < dataBytes; ++i) out.push_back(static_cast<uint8_t>(i * 7));
    return out;
}

NpyArray parse(const std::vector<uint8_t>& bytes) {
    return parseNpy(bytes.data(), bytes.size(), "mem.npy");
}

std::vector<float> f32Values() { return {-0.625f, -0.375f, -0.125f, 0.125f, 0.375f, 0.625f}; }

}  // namespace

class TestNpy : public QObject {
    Q_OBJECT
private slots:
    // ---- good files written by NumPy ------------------------------------------------
    void readsFloat32() {
        for (const char* name : {"f32_2x3.npy", "f32_2x3_v2.npy", "f32_2x3_v3.npy"}) {
            const NpyArray a = readNpy(goldenNpy(name));
            QCOMPARE(a.dtype, NpyDtype::F32);
            QCOMPARE(a.shape, (Shape{2, 3}));
            QCOMPARE(a.numel(), int64_t(6));
            QCOMPARE(a.toFloat32(), f32Values());
        }
    }

    void readsFloat16() {
        const NpyArray a = readNpy(goldenNpy("f16_2x3x4.npy"));
        QCOMPARE(a.dtype, NpyDtype::F16);
        QCOMPARE(a.shape, (Shape{2, 3, 4}));
        const auto v = a.toFloat32();
        QCOMPARE(v.size(), size_t(24));
        for (size_t i = 0; i < v.size(); ++i) QCOMPARE(v[i], static_cast<float>(i) / 8 - 1);
    }

    void readsFloat16Specials() {
        const auto v = readNpy(goldenNpy("f16_specials.npy")).toFloat32();
        QCOMPARE(v.size(), size_t(14));
        const float inf = std::numeric_limits<float>::infinity();
        const float expected[] = {0.0f,
                                  -0.0f,
                                  1.0f,
                                  -2.0f,
                                  65504.0f,
                                  -65504.0f,
                                  inf,
                                  -inf,
                                  0.0f /*NaN*/,
                                  std::ldexp(1.0f, -24),
                                  std::ldexp(1.0f, -14),
                                  std::ldexp(1023.0f, -24),
                                  0.0999755859375f,
                                  0.333251953125f};
        for (size_t i = 0; i < v.size(); ++i) {
            if (i == 8) {
                QVERIFY(std::isnan(v[i]));
                continue;
            }
            QCOMPARE(std::bit_cast<uint32_t>(v[i]), std::bit_cast<uint32_t>(expected[i]));
        }
    }

    void readsFloat64() {
        const NpyArray a = readNpy(goldenNpy("f64_5.npy"));
        QCOMPARE(a.dtype, NpyDtype::F64);
        const auto v = a.toFloat32();
        QCOMPARE(v[0], 1.5f);
        QCOMPARE(v[1], -2.25f);
        QCOMPARE(v[2], std::numeric_limits<float>::infinity());  // 1e300: no UB, inf
        QCOMPARE(v[3], -0.0f);
        QCOMPARE(v[4], 3.0e38f);
    }

    void readsIntegers() {
        const NpyArray i64 = readNpy(goldenNpy("i64_6.npy"));
        QCOMPARE(i64.dtype, NpyDtype::I64);
        QCOMPARE(i64.toInt64(),
                 (std::vector<int64_t>{0, 1, -1, int64_t(1) << 40, -(int64_t(1) << 62),
                                       std::numeric_limits<int64_t>::max()}));
        const NpyArray i32 = readNpy(goldenNpy("i32_2x2.npy"));
        QCOMPARE(i32.dtype, NpyDtype::I32);
        QCOMPARE(i32.shape, (Shape{2, 2}));
        QCOMPARE(i32.toInt64(), (std::vector<int64_t>{-5, 7, 2147483647, -2147483648LL}));
        QCOMPARE(i32.toFloat32()[0], -5.0f);
        const NpyArray u8 = readNpy(goldenNpy("u8_3x3.npy"));
        QCOMPARE(u8.dtype, NpyDtype::U8);
        QCOMPARE(u8.toInt64(), (std::vector<int64_t>{1, 0, 0, 1, 1, 0, 1, 1, 1}));
        const NpyArray b = readNpy(goldenNpy("bool_3.npy"));
        QCOMPARE(b.dtype, NpyDtype::Bool);
        QCOMPARE(b.toInt64(), (std::vector<int64_t>{1, 0, 1}));
        QCOMPARE(b.toFloat32(), (std::vector<float>{1, 0, 1}));
    }

    void readsScalarAndEmpty() {
        const NpyArray s = readNpy(goldenNpy("scalar_f32.npy"));
        QVERIFY(s.shape.empty());
        QCOMPARE(s.numel(), int64_t(1));
        QCOMPARE(s.toFloat32(), std::vector<float>{3.5f});
        const NpyArray e = readNpy(goldenNpy("empty_0x3.npy"));
        QCOMPARE(e.shape, (Shape{0, 3}));
        QCOMPARE(e.numel(), int64_t(0));
        QVERIFY(e.toFloat32().empty());
    }

    void toInt64RefusesFloats() {
        EXPECT_ERROR(readNpy(goldenNpy("f32_2x3.npy")).toInt64(), "f32_2x3.npy", "*", "integer");
    }

    // The writer's bytes equal np.save's for every version-1.0 fixture it can express.
    void serializeMatchesNumPyBytes_data() {
        QTest::addColumn<QString>("name");
        for (const char* n : {"f32_2x3.npy", "f16_2x3x4.npy", "f16_specials.npy", "f64_5.npy",
                              "i64_6.npy", "i32_2x2.npy", "u8_3x3.npy", "bool_3.npy",
                              "scalar_f32.npy", "empty_0x3.npy", "q_2x5x4.npy"})
            QTest::newRow(n) << QString(n);
    }
    void serializeMatchesNumPyBytes() {
        QFETCH(QString, name);
        const std::string path = goldenNpy(name.toStdString());
        QCOMPARE(serializeNpy(readNpy(path)), iotest::readBytes(path));
    }

    // ---- files NumPy writes but we refuse ------------------------------------------
    void refusesUnsupportedNumPyFiles_data() {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("needle");
        QTest::newRow("fortran") << "bad_fortran.npy"
                                 << "fortran_order"
                                 << "np.ascontiguousarray";
        QTest::newRow("big-endian") << "bad_bigendian.npy"
                                    << "descr"
                                    << "big-endian";
        QTest::newRow("complex") << "bad_complex.npy"
                                 << "descr"
                                 << "unsupported dtype '<c8'";
        QTest::newRow("structured") << "bad_structured.npy"
                                    << "descr"
                                    << "structured";
    }
    void refusesUnsupportedNumPyFiles() {
        QFETCH(QString, name);
        QFETCH(QString, field);
        QFETCH(QString, needle);
        const std::string path = goldenNpy(name.toStdString());
        EXPECT_ERROR(readNpy(path), path, field.toStdString(), needle.toStdString());
    }

    void missingFileNamesIt() {
        EXPECT_ERROR(readNpy("/nonexistent/x.npy"), "/nonexistent/x.npy", "", "cannot open");
        EXPECT_ERROR(readNpy(SPARSESCOPE_SOURCE_DIR), SPARSESCOPE_SOURCE_DIR, "", "folder");
    }

    // ---- malformed images ------------------------------------------------------------
    void malformed_data() {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("needle");
        auto row = [](const char* tag, const std::vector<uint8_t>& b, const char* field,
                      const char* needle) {
            QTest::newRow(tag) << QByteArray(reinterpret_cast<const char*>(b.data()), int(b.size()))
                               << QString(field) << QString(needle);
        };
        const std::string ok = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
        std::vector<uint8_t> good = npyImage(ok, 24);
        row("empty file", {}, "magic", "not a .npy file");
        row("bad magic", iotest::bytesOf("\x93NUMPZ\x01\x00\x10\x00{}"), "magic", "not a .npy");
        row("text file", iotest::bytesOf("hello world, not numpy"), "magic", "not a .npy");
        row("magic only", iotest::bytesOf("\x93NUMPY"), "version", "truncated");
        row("no length", iotest::bytesOf(std::string("\x93NUMPY\x01\x00\x05", 9)), "header length",
            "truncated");
        auto v4 = good;
        v4[6] = 4;
        row("version 4.0", v4, "version", "unsupported .npy format version 4.0");
        auto v11 = good;
        v11[7] = 1;
        row("version 1.1", v11, "version", "1.1");
        auto longHeader = good;
        longHeader[8] = 0xFF;
        longHeader[9] = 0xFF;
        row("header past EOF", longHeader, "header length", "claims 65535 bytes");
        auto v2huge = npyImage(ok, 24, 2);
        v2huge[8] = v2huge[9] = v2huge[10] = v2huge[11] = 0xFF;
        row("v2 header 4 GiB", v2huge, "header length", "claims 4294967295");
        row("not a dict", npyImage("[1, 2, 3]", 0), "header", "must be a dict");
        row("unclosed dict", npyImage("{'descr': '<f4', 'fortran_order': False", 0), "header",
            "not closed");
        row("garbage after", npyImage(ok + " junk", 24), "header", "after the closing");
        row("missing descr", npyImage("{'fortran_order': False, 'shape': (2,), }", 8), "descr",
            "missing key 'descr'");
        row("missing order", npyImage("{'descr': '<f4', 'shape': (2,), }", 8), "fortran_order",
            "missing key");
        row("missing shape", npyImage("{'descr': '<f4', 'fortran_order': False}", 4), "shape",
            "missing key 'shape'");
        row("extra key",
            npyImage("{'descr': '<f4', 'fortran_order': False, 'shape': (), 'x': 1}", 4), "header",
            "unexpected key 'x'");
        row("duplicate key",
            npyImage("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': ()}", 4),
            "descr", "twice");
        row("unterminated string", npyImage("{'descr: '<f4'}", 0), "header", "expected ':'");
        row("order not bool", npyImage("{'descr': '<f4', 'fortran_order': 0, 'shape': ()}", 4),
            "fortran_order", "True or False");
        row("shape list", npyImage("{'descr': '<f4', 'fortran_order': False, 'shape': [2]}", 8),
            "shape", "tuple");
        row("shape negative",
            npyImage("{'descr': '<f4', 'fortran_order': False, 'shape': (2, -1)}", 8), "shape",
            "negative");
        row("shape text", npyImage("{'descr': '<f4', 'fortran_order': False, 'shape': ('a',)}", 8),
            "shape", "non-negative integer");
        row("shape unclosed",
            npyImage("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3", 0), "shape",
            "not closed");
        row("dim > int64",
            npyImage("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,)}",
                     8),
            "shape", "64 bits");
        row("numel overflows",
            npyImage("{'descr': '<f4', 'fortran_order': False, "
                     "'shape': (9223372036854775807, 9223372036854775807)}",
                     8),
            "shape", "too large");
        row("bytes overflow",
            npyImage("{'descr': '<f4', 'fortran_order': False, 'shape': (2305843009213693952,)}",
                     8),
            "shape", "too large");
        row("huge but finite",
            npyImage("{'descr': '<f4', 'fortran_order': False, 'shape': (1000000, 1000000)}", 8),
            "data", "truncated");
        row("data short", npyImage(ok, 23), "data", "truncated: shape [2, 3] of float32 needs 24");
        row("data long", npyImage(ok, 25), "data", "trailing bytes");
        row("no data", npyImage(ok, 0), "data", "truncated");
        row("u2 dtype", npyImage("{'descr': '<u2', 'fortran_order': False, 'shape': (2,)}", 4),
            "descr", "unsupported dtype '<u2'");
        row("unicode dtype",
            npyImage("{'descr': '<U3', 'fortran_order': False, 'shape': (1,)}", 12), "descr",
            "unsupported dtype");
        row("no byte order", npyImage("{'descr': 'f4', 'fortran_order': False, 'shape': (1,)}", 4),
            "descr", "unsupported");
        row("empty descr", npyImage("{'descr': '', 'fortran_order': False, 'shape': (1,)}", 4),
            "descr", "unsupported");
        row("big-endian i8", npyImage("{'descr': '>i8', 'fortran_order': False, 'shape': (1,)}", 8),
            "descr", "big-endian");
        row("fortran 2-D", npyImage("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3)}", 24),
            "fortran_order", "Fortran order not supported; save with np.ascontiguousarray");
        row("escape", npyImage("{'descr': '<f\\4', 'fortran_order': False, 'shape': (1,)}", 4),
            "descr", "escapes");
    }
    void malformed() {
        QFETCH(QByteArray, bytes);
        QFETCH(QString, field);
        QFETCH(QString, needle);
        EXPECT_ERROR(parseNpy(reinterpret_cast<const uint8_t*>(bytes.constData()),
                              static_cast<size_t>(bytes.size()), "mem.npy"),
                     "mem.npy", field.toStdString(), needle.toStdString());
    }

    void lenientWhereNumPyIs() {
        // Double quotes, no trailing comma, Python 2 'L' suffixes, 1-D Fortran order.
        const auto a = parse(
            npyImage("{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": (2L, 3L)}", 24));
        QCOMPARE(a.shape, (Shape{2, 3}));
        const auto b =
            parse(npyImage("{'descr': '<f4', 'fortran_order': True, 'shape': (6,)}", 24));
        QCOMPARE(b.numel(), int64_t(6));
        const auto c =
            parse(npyImage("{'descr': '|u1', 'fortran_order': False, 'shape': (3,)}", 3));
        QCOMPARE(c.dtype, NpyDtype::U8);
    }

    // Every proper prefix of a real file must be refused cleanly.
    void everyTruncationIsAnError() {
        const auto bytes = iotest::readBytes(goldenNpy("f16_2x3x4.npy"));
        for (size_t n = 0; n < bytes.size(); ++n) {
            EXPECT_ERROR(parseNpy(bytes.data(), n, "cut.npy"), "cut.npy", "*", "");
        }
    }

    // Any single corrupted header byte either still parses or throws Error: no crash,
    // no other exception, and no allocation beyond the file (ASan/UBSan run checks).
    void headerByteFlipsAreSafe() {
        const auto bytes = iotest::readBytes(goldenNpy("f32_2x3.npy"));
        const uint8_t values[] = {0x00, 0x20, 0x27, 0x28, 0x29, 0x2C, 0x30, 0x39, 0x7B, 0x7D, 0xFF};
        int refused = 0;
        for (size_t pos = 0; pos < 128; ++pos) {
            for (uint8_t v : values) {
                auto copy = bytes;
                copy[pos] = v;
                try {
                    const NpyArray a = parseNpy(copy.data(), copy.size(), "flip.npy");
                    QCOMPARE(static_cast<size_t>(a.numel()) * npyItemSize(a.dtype), a.bytes.size());
                } catch (const Error&) {
                    ++refused;
                }
            }
        }
        QVERIFY(refused > 300);  // most flips break something
    }

    // ---- writing ---------------------------------------------------------------------
    void roundTrips() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const std::string base = dir.path().toStdString();
        const std::vector<float> f = {1.5f,   -0.0f,    std::numeric_limits<float>::infinity(),
                                      3e-42f, 65504.0f, -7.25f};
        writeNpy(base + "/f.npy", {3, 2}, f.data());
        const NpyArray rf = readNpy(base + "/f.npy");
        QCOMPARE(rf.shape, (Shape{3, 2}));
        QCOMPARE(rf.dtype, NpyDtype::F32);
        const auto back = rf.toFloat32();
        QCOMPARE(std::memcmp(back.data(), f.data(), f.size() * 4), 0);  // bit exact

        const std::vector<uint8_t> u = {0, 1, 255, 7};
        writeNpy(base + "/u.npy", {2, 1, 2}, u.data());
        QCOMPARE(readNpy(base + "/u.npy").bytes, u);
        QCOMPARE(readNpy(base + "/u.npy").shape, (Shape{2, 1, 2}));

        const std::vector<int64_t> l = {std::numeric_limits<int64_t>::min(), 0, 42};
        writeNpy(base + "/l.npy", {3}, l.data());
        QCOMPARE(readNpy(base + "/l.npy").toInt64(), l);

        const std::vector<int32_t> i = {-1, 2147483647};
        writeNpy(base + "/i.npy", {2}, i.data());
        const NpyArray ri = readNpy(base + "/i.npy");
        QCOMPARE(ri.dtype, NpyDtype::I32);
        QCOMPARE(ri.toInt64(), (std::vector<int64_t>{-1, 2147483647}));

        const float scalar = 2.0f;
        writeNpy(base + "/s.npy", {}, &scalar);
        QCOMPARE(readNpy(base + "/s.npy").toFloat32(), std::vector<float>{2.0f});
        writeNpy(base + "/e.npy", {4, 0}, static_cast<const float*>(nullptr));
        QCOMPARE(readNpy(base + "/e.npy").shape, (Shape{4, 0}));

        NpyArray h;  // an NpyArray of float16 through the generic overload
        h.dtype = NpyDtype::F16;
        h.shape = {2};
        h.bytes = {0x00, 0x3C, 0x00, 0xC0};  // 1.0, -2.0
        writeNpy(base + "/h.npy", h);
        QCOMPARE(readNpy(base + "/h.npy").toFloat32(), (std::vector<float>{1.0f, -2.0f}));

        // The data starts at a multiple of 64, as np.save lays it out.
        QCOMPARE(iotest::readBytes(base + "/f.npy").size(), size_t(128 + 24));
    }

    void writeIsAtomicAndClean() {
        QTemporaryDir dir;
        const std::string base = dir.path().toStdString();
        const std::vector<float> a = {1, 2, 3}, b = {4, 5};
        writeNpy(base + "/x.npy", {3}, a.data());
        writeNpy(base + "/x.npy", {2}, b.data());  // replaces
        QCOMPARE(readNpy(base + "/x.npy").toFloat32(), b);
        int files = 0;
        for (const auto& entry : std::filesystem::directory_iterator(base)) {
            ++files;
            QCOMPARE(entry.path().filename().string(), std::string("x.npy"));
        }
        QCOMPARE(files, 1);  // no temporary left behind

        EXPECT_ERROR(writeNpy(base + "/missing/y.npy", {3}, a.data()), base + "/missing/y.npy", "",
                     "cannot create");
        QVERIFY(!std::filesystem::exists(base + "/missing"));
        EXPECT_ERROR(writeNpy(base + "/z.npy", {-1}, a.data()), base + "/z.npy", "shape",
                     "negative");
        EXPECT_ERROR(writeNpy(base + "/z.npy", {std::numeric_limits<int64_t>::max(), 2}, a.data()),
                     base + "/z.npy", "shape", "too large");
        NpyArray lying;
        lying.shape = {4};
        lying.bytes.resize(8);  // float32 x 4 needs 16
        EXPECT_ERROR(writeNpy(base + "/z.npy", lying), base + "/z.npy", "data", "needs 16");
        QVERIFY(!std::filesystem::exists(base + "/z.npy"));
        EXPECT_ERROR(lying.toFloat32(), "", "data", "holds 8 bytes");
    }
};

QTEST_APPLESS_MAIN(TestNpy)
#include "test_npy.moc"
