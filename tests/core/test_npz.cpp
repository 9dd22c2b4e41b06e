// .npz reader/writer (core/io/npz.h, zip_reader.h) against np.savez and
// np.savez_compressed output, hand-built archives (zip64 records, comments, folder
// entries, unsupported features) and damaged copies of real archives.
#include <QTemporaryDir>
#include <QTest>

#include "core/io/npz.h"
#include "core/io/zip_reader.h"
#include "core/io_test_support.h"

using namespace sparsescope;
using iotest::goldenNpy;

namespace {

using Shape = std::vector<int64_t>;
using Bytes = std::vector<uint8_t>;

void put16(Bytes& b, uint32_t v) {
    b.push_back(uint8_t(v));
    b.push_back(uint8_t(v >> 8));
}
void put32(Bytes& b, uint32_t v) {
    put16(b, v & 0xFFFF);
    put16(b, v >> 16);
}
void put64(Bytes& b, uint64_t v) {
    put32(b, uint32_t(v));
    put32(b, uint32_t(v >> 32));
}
uint32_t get32(const Bytes& b, size_t at) {
    return b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (uint32_t(b[at + 3]) << 24);
}
void set32(Bytes& b, size_t at, uint32_t v) {
    for (int i = 0; i < 4; ++i) b[at + i] = uint8_t(v >> (8 * i));
}
void set16(Bytes& b, size_t at, uint32_t v) {
    b[at] = uint8_t(v);
    b[at + 1] = uint8_t(v >> 8);
}

// A STORED zip written field by field from the PKWARE APPNOTE, independent of the
// writer under test. zip64 = sizes/offset as 0xFFFFFFFF plus zip64 extra fields
// and zip64 end records, as a writer does for members past 4 GiB.
struct Member {
    std::string name;
    Bytes data;
    uint16_t method = 0;
    uint16_t flags = 0;
    int32_t crcDelta = 0;
};
Bytes buildZip(const std::vector<Member>& members, bool zip64, const std::string& comment = "") {
    Bytes out, dir;
    for (const Member& m : members) {
        const uint32_t crc = iotest::crc32Reference(m.data.data(), m.data.size()) + m.crcDelta;
        const uint64_t offset = out.size();
        put32(out, 0x04034b50);
        put16(out, zip64 ? 45 : 20);
        put16(out, m.flags);
        put16(out, m.method);
        put32(out, 0);
        put32(out, crc);
        put32(out, uint32_t(m.data.size()));
        put32(out, uint32_t(m.data.size()));
        put16(out, uint32_t(m.name.size()));
        put16(out, 0);
        out.insert(out.end(), m.name.begin(), m.name.end());
        out.insert(out.end(), m.data.begin(), m.data.end());

        put32(dir, 0x02014b50);
        put16(dir, 45);
        put16(dir, zip64 ? 45 : 20);
        put16(dir, m.flags);
        put16(dir, m.method);
        put32(dir, 0);
        put32(dir, crc);
        put32(dir, zip64 ? 0xFFFFFFFFu : uint32_t(m.data.size()));
        put32(dir, zip64 ? 0xFFFFFFFFu : uint32_t(m.data.size()));
        put16(dir, uint32_t(m.name.size()));
        put16(dir, zip64 ? 4 + 4 + 24 : 4);  // an unrelated extra field first, then zip64
        put16(dir, 0);
        put16(dir, 0);
        put16(dir, 0);
        put32(dir, 0);
        put32(dir, zip64 ? 0xFFFFFFFFu : uint32_t(offset));
        dir.insert(dir.end(), m.name.begin(), m.name.end());
        put16(dir, 0x5455);  // "UT" timestamp field, empty
        put16(dir, 0);
        if (zip64) {
            put16(dir, 0x0001);
            put16(dir, 24);
            put64(dir, m.data.size());
            put64(dir, m.data.size());
            put64(dir, offset);
        }
    }
    const uint64_t dirOffset = out.size();
    out.insert(out.end(), dir.begin(), dir.end());
    if (zip64) {
        const uint64_t end64 = out.size();
        put32(out, 0x06064b50);
        put64(out, 44);
        put16(out, 45);
        put16(out, 45);
        put32(out, 0);
        put32(out, 0);
        put64(out, members.size());
        put64(out, members.size());
        put64(out, dir.size());
        put64(out, dirOffset);
        put32(out, 0x07064b50);
        put32(out, 0);
        put64(out, end64);
        put32(out, 1);
    }
    put32(out, 0x06054b50);
    put16(out, 0);
    put16(out, 0);
    put16(out, zip64 ? 0xFFFF : uint32_t(members.size()));
    put16(out, zip64 ? 0xFFFF : uint32_t(members.size()));
    put32(out, zip64 ? 0xFFFFFFFFu : uint32_t(dir.size()));
    put32(out, zip64 ? 0xFFFFFFFFu : uint32_t(dirOffset));
    put16(out, uint32_t(comment.size()));
    out.insert(out.end(), comment.begin(), comment.end());
    return out;
}

Bytes npyOf(const std::vector<float>& values) {
    NpyArray a;
    a.shape = {int64_t(values.size())};
    a.bytes.resize(values.size() * 4);
    std::memcpy(a.bytes.data(), values.data(), a.bytes.size());
    return serializeNpy(a);
}

std::map<std::string, NpyArray> parse(const Bytes& b) {
    return parseNpz(b.data(), b.size(), "mem.npz");
}

// Offset of the first central directory record of an archive.
size_t centralOffset(const Bytes& b) { return get32(b, b.size() - 22 + 16); }

float formula(int a, int i, int j) { return float(100 * a + 10 * i + j) / 8.0f; }

}  // namespace

class TestNpz : public QObject {
    Q_OBJECT
private slots:
    void readsSavez() {
        const auto arrays = readNpz(goldenNpy("qkv.npz"));
        QCOMPARE(arrays.size(), size_t(3));
        QCOMPARE(arrays.at("q").shape, (Shape{2, 5, 4}));
        QCOMPARE(arrays.at("v").shape, (Shape{2, 5, 3}));
        const auto q = arrays.at("q").toFloat32(), k = arrays.at("k").toFloat32(),
                   v = arrays.at("v").toFloat32();
        for (int a = 0; a < 2; ++a)
            for (int i = 0; i < 5; ++i) {
                for (int j = 0; j < 4; ++j) {
                    QCOMPARE(q[(a * 5 + i) * 4 + j], formula(a, i, j));
                    QCOMPARE(k[(a * 5 + i) * 4 + j], -formula(a, i, j));
                }
                for (int j = 0; j < 3; ++j) QCOMPARE(v[(a * 5 + i) * 3 + j], formula(a, i, j) / 2);
            }
    }

    void readsSavezCompressed() {
        const auto arrays = readNpz(goldenNpy("qk_compressed_f16.npz"));
        QCOMPARE(arrays.size(), size_t(2));
        QCOMPARE(arrays.at("q").dtype, NpyDtype::F16);
        QCOMPARE(arrays.at("q").shape, (Shape{5, 4}));
        const auto k = arrays.at("k").toFloat32();
        for (int i = 0; i < 5; ++i)
            for (int j = 0; j < 4; ++j) QCOMPARE(k[i * 4 + j], -formula(0, i, j));

        const auto mixed = readNpz(goldenNpy("mixed_compressed.npz"));
        const auto big = mixed.at("big").toFloat32();
        QCOMPARE(big.size(), size_t(1088));
        for (size_t i = 0; i < big.size(); ++i) QCOMPARE(big[i], i < 1024 ? 0.0f : float(i - 1024));
        QCOMPARE(mixed.at("ids").toInt64(), (std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6}));
        QCOMPARE(mixed.at("mask").shape, (Shape{4, 4}));
        QCOMPARE(mixed.at("mask").toInt64()[1], int64_t(0));
        QCOMPARE(mixed.at("mask").toInt64()[4], int64_t(1));
        // The fixture really is compressed (method 8) and really shrinks.
        const auto bytes = iotest::readBytes(goldenNpy("mixed_compressed.npz"));
        const auto entries = listZipEntries(bytes.data(), bytes.size(), "x");
        QCOMPARE(entries.size(), size_t(3));
        for (const auto& e : entries) QCOMPARE(e.method, uint16_t(8));
        QVERIFY(bytes.size() < 4352 / 2);
    }

    void handBuiltArchives() {
        const Bytes a = npyOf({1, 2, 3}), b = npyOf({-4});
        for (bool zip64 : {false, true}) {
            const auto arrays = parse(
                buildZip({{"a.npy", a}, {"dir/", {}}, {"b.npy", b}}, zip64, "an archive comment"));
            QCOMPARE(arrays.size(), size_t(2));  // the folder entry is skipped
            QCOMPARE(arrays.at("a").toFloat32(), (std::vector<float>{1, 2, 3}));
            QCOMPARE(arrays.at("b").toFloat32(), (std::vector<float>{-4}));
        }
        // A member not named *.npy keeps its name.
        QCOMPARE(parse(buildZip({{"raw", a}}, false)).count("raw"), size_t(1));
        QVERIFY(parse(buildZip({}, false)).empty());
    }

    void refusesBadArchives_data() {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("needle");
        auto row = [](const char* tag, const Bytes& b, const char* field, const char* needle) {
            QTest::newRow(tag) << QByteArray(reinterpret_cast<const char*>(b.data()), int(b.size()))
                               << QString(field) << QString(needle);
        };
        const Bytes a = npyOf({1, 2, 3});
        const Bytes good = buildZip({{"a.npy", a}}, false);
        const size_t cd = centralOffset(good);

        row("empty", {}, "zip", "too short");
        row("npy not zip", a, "zip", "no end-of-central-directory");
        row("duplicate", buildZip({{"a.npy", a}, {"a.npy", a}}, false), "a.npy", "twice");
        row("encrypted", buildZip({{"a.npy", a, 0, 1}}, false), "a.npy", "encrypted");
        row("bzip2", buildZip({{"a.npy", a, 12}}, false), "a.npy", "compression method 12");
        row("crc", buildZip({{"a.npy", a, 0, 0, 1}}, false), "a.npy", "CRC-32 mismatch");
        row("member not npy", buildZip({{"x.npy", iotest::bytesOf("hello")}}, false), "magic",
            "not a .npy");
        auto multiDisk = good;
        set16(multiDisk, multiDisk.size() - 22 + 4, 1);
        row("multi-disk", multiDisk, "zip", "multi-disk");
        auto dirOutside = good;
        set32(dirOutside, dirOutside.size() - 22 + 16, 0x7FFFFFFF);
        row("directory outside", dirOutside, "central directory", "outside the file");
        auto tooMany = good;
        set16(tooMany, tooMany.size() - 22 + 10, 0xFFFF);
        row("entry count", tooMany, "central directory", "claims 65535 entries");
        auto badSig = good;
        badSig[cd] = 'X';
        row("central signature", badSig, "central directory", "damaged");
        auto hugeSize = good;
        set32(hugeSize, cd + 20, 0x7FFFFFF0);
        set32(hugeSize, cd + 24, 0x7FFFFFF0);
        row("size past EOF", hugeSize, "a.npy", "runs past the end");
        auto storedMismatch = good;
        set32(storedMismatch, cd + 24, uint32_t(a.size() + 1));
        row("stored sizes differ", storedMismatch, "a.npy", "different compressed and real");
        auto zip64NoExtra = good;
        set32(zip64NoExtra, cd + 24, 0xFFFFFFFFu);
        row("zip64 without extra", zip64NoExtra, "a.npy", "no zip64 extra field");
        auto localOff = good;
        set32(localOff, cd + 42, 5);
        row("local header offset", localOff, "a.npy", "local header");
        auto nameLen = good;
        set16(nameLen, cd + 28, 60000);
        row("name runs past", nameLen, "central directory", "runs past");
        auto localName = good;
        localName[30] = 'b';
        row("local name differs", localName, "a.npy", "disagrees");
        auto locator = buildZip({{"a.npy", a}}, true);
        set32(locator, locator.size() - 22 - 20 + 8, 0x7FFFFFF0);
        row("zip64 locator", locator, "zip64 end record", "outside");
    }
    void refusesBadArchives() {
        QFETCH(QByteArray, bytes);
        QFETCH(QString, field);
        QFETCH(QString, needle);
        EXPECT_ERROR(parseNpz(reinterpret_cast<const uint8_t*>(bytes.constData()),
                              size_t(bytes.size()), "mem.npz"),
                     "mem.npz", field.toStdString(), needle.toStdString());
    }

    // Lies in the directory of a real deflated archive.
    void refusesLyingDeflateSizes() {
        const Bytes good = iotest::readBytes(goldenNpy("qk_compressed_f16.npz"));
        const auto entries = listZipEntries(good.data(), good.size(), "x");
        const size_t cd = centralOffset(good);
        auto bomb = good;
        set32(bomb, cd + 24, 0x7FFFFFFF);  // 2 GiB from ~200 bytes: impossible
        EXPECT_ERROR(parse(bomb), "mem.npz", entries[0].name, "impossible uncompressed size");
        auto bigger = good;
        set32(bigger, cd + 24, uint32_t(entries[0].uncompressedSize + 10));
        EXPECT_ERROR(parse(bigger), "mem.npz", entries[0].name, "inflates to");
        auto smaller = good;
        set32(smaller, cd + 24, uint32_t(entries[0].uncompressedSize - 10));
        EXPECT_ERROR(parse(smaller), "mem.npz", entries[0].name, "more bytes than the directory");
        auto shortInput = good;
        set32(shortInput, cd + 20, uint32_t(entries[0].compressedSize - 20));
        EXPECT_ERROR(parse(shortInput), "mem.npz", entries[0].name, "corrupt or truncated deflate");
        auto garbage = good;  // deflate bytes of the first member overwritten
        const size_t dataAt = 30 + entries[0].name.size() + (good[28] | (good[29] << 8));
        for (size_t i = 0; i < 12; ++i) garbage[dataAt + i] = uint8_t(0xFF - i);
        EXPECT_ERROR(parse(garbage), "mem.npz", entries[0].name, "");
    }

    void everyTruncationIsAnError() {
        for (const char* name : {"qkv.npz", "qk_compressed_f16.npz"}) {
            const Bytes bytes = iotest::readBytes(goldenNpy(name));
            for (size_t n = 0; n < bytes.size(); ++n)
                EXPECT_ERROR(parseNpz(bytes.data(), n, "cut.npz"), "cut.npz", "*", "");
        }
    }

    // Every byte of a compressed archive replaced once: parses or throws Error, never
    // crashes (the ASan/UBSan run is what makes this test bite).
    void byteFlipsAreSafe() {
        const Bytes bytes = iotest::readBytes(goldenNpy("qk_compressed_f16.npz"));
        int refused = 0;
        for (size_t pos = 0; pos < bytes.size(); ++pos) {
            for (uint8_t delta : {uint8_t(1), uint8_t(0x80)}) {
                Bytes copy = bytes;
                copy[pos] ^= delta;
                try {
                    parseNpz(copy.data(), copy.size(), "flip.npz");
                } catch (const Error&) {
                    ++refused;
                }
            }
        }
        QVERIFY(refused > int(bytes.size()));
    }

    void writeReadRoundTrip() {
        QTemporaryDir dir;
        const std::string path = dir.path().toStdString() + "/out.npz";
        std::map<std::string, NpyArray> arrays;
        arrays["q"] = readNpy(goldenNpy("q_2x5x4.npy"));
        arrays["ids"] = readNpy(goldenNpy("i64_6.npy"));
        arrays["empty"] = readNpy(goldenNpy("empty_0x3.npy"));
        arrays["h"] = readNpy(goldenNpy("f16_specials.npy"));
        writeNpz(path, arrays);
        const auto back = readNpz(path);
        QCOMPARE(back.size(), arrays.size());
        for (const auto& [key, array] : arrays) {
            QCOMPARE(back.at(key).shape, array.shape);
            QCOMPARE(back.at(key).dtype, array.dtype);
            QCOMPARE(back.at(key).bytes, array.bytes);
        }
        // Members are named <key>.npy and CRCs agree with the reference CRC.
        const Bytes file = iotest::readBytes(path);
        for (const ZipEntry& e : listZipEntries(file.data(), file.size(), path)) {
            QVERIFY(e.name.size() > 4 && e.name.substr(e.name.size() - 4) == ".npy");
            const Bytes data = extractZipEntry(file.data(), file.size(), e, path);
            QCOMPARE(e.crc32, iotest::crc32Reference(data.data(), data.size()));
        }
        NpyArray lying;
        lying.shape = {3};
        EXPECT_ERROR(writeNpz(dir.path().toStdString() + "/bad.npz", {{"x", lying}}), "bad.npz",
                     "data", "needs 12");
        EXPECT_ERROR(writeNpz(dir.path().toStdString() + "/bad.npz", {{"", lying}}), "bad.npz", "",
                     "empty member name");
    }

    void namesTheArchiveAndMember() {
        EXPECT_ERROR(readNpz("/nonexistent/a.npz"), "/nonexistent/a.npz", "", "cannot open");
        EXPECT_ERROR(readNpz(goldenNpy("f32_2x3.npy")), "f32_2x3.npy", "zip", "end-of-central");
        const Bytes bad = buildZip({{"q.npy", iotest::bytesOf("\x93NUMPY\x01\x00")}}, false);
        EXPECT_ERROR(parse(bad), "mem.npz (member q.npy)", "*", "");
    }
};

QTEST_APPLESS_MAIN(TestNpz)
#include "test_npz.moc"
