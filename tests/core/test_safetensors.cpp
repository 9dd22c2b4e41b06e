// safetensors reader and WeightStore (core/io/safetensors.h) on files built here byte
// by byte: values of every float dtype, misaligned data, every malformed header we
// could think of, truncation and byte-flip sweeps, and sharded model folders.
#include <QTemporaryDir>
#include <QTest>
#include <bit>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>

#include "core/io/safetensors.h"
#include "core/io_test_support.h"

using namespace sparsescope;
using nlohmann::json;

namespace {

using Shape = std::vector<int64_t>;
using Bytes = std::vector<uint8_t>;

struct Spec {
    std::string name, dtype;
    Shape shape;
    Bytes data;
};

template <class T>
Bytes raw(const std::vector<T>& values) {
    Bytes b(values.size() * sizeof(T));
    if (!b.empty()) std::memcpy(b.data(), values.data(), b.size());
    return b;
}

// length (u64 LE) + header text + data.
Bytes rawFile(const std::string& header, const Bytes& data, uint64_t lengthField) {
    Bytes out(8 + header.size() + data.size());
    for (int i = 0; i < 8; ++i) out[i] = uint8_t(lengthField >> (8 * i));
    if (!header.empty()) std::memcpy(out.data() + 8, header.data(), header.size());
    if (!data.empty()) std::memcpy(out.data() + 8 + header.size(), data.data(), data.size());
    return out;
}
Bytes rawFile(const std::string& header, const Bytes& data = {}) {
    return rawFile(header, data, header.size());
}

// A valid file: tensors laid out back to back in the given order; the header is
// padded with spaces to `headerBytes` when that is larger (to control alignment).
Bytes buildFile(const std::vector<Spec>& specs, size_t headerBytes = 0,
                const json& metadata = nullptr) {
    json header = json::object();
    Bytes data;
    for (const Spec& s : specs) {
        header[s.name] = {{"dtype", s.dtype},
                          {"shape", s.shape},
                          {"data_offsets", {data.size(), data.size() + s.data.size()}}};
        data.insert(data.end(), s.data.begin(), s.data.end());
    }
    if (!metadata.is_null()) header["__metadata__"] = metadata;
    std::string text = header.dump();
    if (text.size() < headerBytes) text.append(headerBytes - text.size(), ' ');
    return rawFile(text, data);
}

std::vector<Spec> sampleSpecs() {
    return {
        {"w", "F32", {2, 3}, raw<float>({1.0f, -2.0f, 3.5f, 0.0f, -0.0f, 1e-40f})},
        {"h", "F16", {4}, raw<uint16_t>({0x3C00, 0xC000, 0x7BFF, 0x0001})},
        {"e", "F32", {0, 4}, {}},
        {"b", "BF16", {2, 2}, raw<uint16_t>({0x3F80, 0xC040, 0x4049, 0x7F80})},
        {"s", "F32", {}, raw<float>({7.0f})},
        {"d", "F64", {2}, raw<double>({0.5, 1e300})},
        {"ids", "I64", {3}, raw<int64_t>({1, 2, 3})},
        {"last", "F32", {2}, raw<float>({9.0f, 10.0f})},
    };
}

}  // namespace

class TestSafetensors : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;
    std::string file(const std::string& name) { return tmp_.path().toStdString() + "/" + name; }
    std::string write(const std::string& name, const Bytes& bytes) {
        iotest::writeBytes(file(name), bytes);
        return file(name);
    }

    void checkSampleValues(const SafetensorsFile& f) {
        QCOMPARE(f.toFloat32("w"), (std::vector<float>{1.0f, -2.0f, 3.5f, 0.0f, -0.0f, 1e-40f}));
        QVERIFY(std::signbit(f.toFloat32("w")[4]));
        QCOMPARE(f.toFloat32("h"),
                 (std::vector<float>{1.0f, -2.0f, 65504.0f, std::ldexp(1.0f, -24)}));
        QCOMPARE(f.toFloat32("b"), (std::vector<float>{1.0f, -3.0f, 3.140625f,
                                                       std::numeric_limits<float>::infinity()}));
        QCOMPARE(f.toFloat32("s"), std::vector<float>{7.0f});
        QCOMPARE(f.toFloat32("d"),
                 (std::vector<float>{0.5f, std::numeric_limits<float>::infinity()}));
        QVERIFY(f.toFloat32("e").empty());
        QCOMPARE(f.toFloat32("last"), (std::vector<float>{9.0f, 10.0f}));
    }

private slots:
    void initTestCase() { QVERIFY(tmp_.isValid()); }

    void readsEveryDtype() {
        const std::string path =
            write("all.safetensors", buildFile(sampleSpecs(), 0, {{"format", "pt"}}));
        const SafetensorsFile f(path);
        QCOMPARE(f.names().size(), size_t(8));
        QCOMPARE(f.info("w").shape, (Shape{2, 3}));
        QCOMPARE(f.info("b").dtype, StDtype::BF16);
        QCOMPARE(f.info("e").numel(), int64_t(0));
        QCOMPARE(f.info("s").numel(), int64_t(1));
        QCOMPARE(f.metadata().at("format"), std::string("pt"));
        checkSampleValues(f);
        EXPECT_ERROR(f.toFloat32("ids"), path, "ids", "I64 cannot be converted");
        EXPECT_ERROR(f.info("missing"), path, "missing", "missing tensor");
        QVERIFY(!f.has("missing"));
    }

    // Data sections starting at every offset mod 8: values come out right and UBSan
    // sees no misaligned load (the reader memcpy's).
    void misalignedData() {
        for (size_t pad = 0; pad < 8; ++pad) {
            const Bytes bytes = buildFile(sampleSpecs(), 400 + pad);
            const std::string path = write("mis" + std::to_string(pad) + ".safetensors", bytes);
            const SafetensorsFile f(path);
            QCOMPARE((8 + 400 + pad) % 8, pad);
            checkSampleValues(f);
        }
    }

    void largeTensorConvertsInParallel() {
        std::vector<uint16_t> halves(300000);
        for (size_t i = 0; i < halves.size(); ++i) halves[i] = uint16_t(i % 0x7C00);
        const std::string path =
            write("big.safetensors", buildFile({{"x", "F16", {300, 1000}, raw(halves)}}, 3));
        const auto v = SafetensorsFile(path).toFloat32("x");
        for (size_t i = 0; i < v.size(); i += 997) {
            const double h = halves[i];
            const int e = int(halves[i]) >> 10, m = halves[i] & 0x3FF;
            const double expected =
                e == 0 ? std::ldexp(m, -24) : std::ldexp(1 + m / 1024.0, e - 15);
            QCOMPARE(double(v[i]), expected);
            (void)h;
        }
    }

    void malformed_data() {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("needle");
        auto row = [](const char* tag, const Bytes& b, const char* field, const char* needle) {
            QTest::newRow(tag) << QByteArray(reinterpret_cast<const char*>(b.data()), int(b.size()))
                               << QString(field) << QString(needle);
        };
        const Bytes twelve(12, 0);
        auto one = [](const std::string& entry) { return "{\"a\": " + entry + "}"; };
        row("empty file", {}, "header length", "too short");
        row("7 bytes", Bytes(7, 0), "header length", "too short");
        row("length past EOF", rawFile("{}", {}, 1000), "header length", "claims 1000 bytes");
        row("length 2^64-1", rawFile("{}", {}, ~uint64_t(0)), "header length",
            "claims 18446744073709551615");
        row("length 2^63", rawFile("{}", {}, uint64_t(1) << 63), "header length", "claims");
        row("length 0", rawFile("", twelve, 0), "header", "not valid JSON");
        row("truncated json", rawFile("{\"a\": {\"dtype\": \"F32\""), "header", "not valid JSON");
        row("binary junk", rawFile(std::string("\x00\xff\x13", 3)), "header", "not valid JSON");
        row("array", rawFile("[1, 2]"), "header", "must be a JSON object");
        row("string", rawFile("\"x\""), "header", "must be a JSON object");
        row("entry number", rawFile(one("5")), "a", "must be an object");
        row("no dtype", rawFile(one("{\"shape\": [1], \"data_offsets\": [0, 4]}"), twelve), "a",
            "no 'dtype'");
        row("no shape", rawFile(one("{\"dtype\": \"F32\", \"data_offsets\": [0, 4]}"), twelve), "a",
            "no 'shape'");
        row("no offsets", rawFile(one("{\"dtype\": \"F32\", \"shape\": [1]}"), twelve), "a",
            "no 'data_offsets'");
        row("dtype number",
            rawFile(one("{\"dtype\": 4, \"shape\": [1], \"data_offsets\": [0, 4]}"), twelve), "a",
            "dtype must be a string");
        row("dtype unknown",
            rawFile(one("{\"dtype\": \"F7\", \"shape\": [1], \"data_offsets\": [0, 4]}"), twelve),
            "a", "unknown dtype 'F7'");
        row("shape string",
            rawFile(one("{\"dtype\": \"F32\", \"shape\": \"1\", \"data_offsets\": [0, 4]}"),
                    twelve),
            "a", "shape must be an array");
        row("shape negative",
            rawFile(one("{\"dtype\": \"F32\", \"shape\": [-1], \"data_offsets\": [0, 4]}"), twelve),
            "a", "non-negative integers");
        row("shape float",
            rawFile(one("{\"dtype\": \"F32\", \"shape\": [2.5], \"data_offsets\": [0, 4]}"),
                    twelve),
            "a", "non-negative integers");
        row("dim 2^63",
            rawFile(one("{\"dtype\": \"F32\", \"shape\": [9223372036854775808], \"data_offsets\": "
                        "[0, 4]}"),
                    twelve),
            "a", "too large");
        row("numel overflow",
            rawFile(one("{\"dtype\": \"F32\", \"shape\": [4294967296, 4294967296, 4294967296], "
                        "\"data_offsets\": [0, 4]}"),
                    twelve),
            "a", "too large");
        row("bytes overflow",
            rawFile(one("{\"dtype\": \"F64\", \"shape\": [4611686018427387904], \"data_offsets\": "
                        "[0, 4]}"),
                    twelve),
            "a", "too large");
        row("offsets short",
            rawFile(one("{\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0]}"), twelve),
            "a", "[begin, end]");
        row("offsets negative",
            rawFile(one("{\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [-4, 0]}"), twelve),
            "a", "[begin, end]");
        row("offsets object",
            rawFile(one("{\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": {}}"), twelve), "a",
            "[begin, end]");
        row("end before begin",
            rawFile(one("{\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [8, 4]}"), twelve),
            "a", "end before they begin");
        row("past data",
            rawFile(one("{\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [0, 16]}"), twelve),
            "a", "data section has 12 bytes");
        row("size mismatch",
            rawFile(one("{\"dtype\": \"F32\", \"shape\": [3], \"data_offsets\": [0, 8]}"), twelve),
            "a", "span 8 bytes but F32 [3] needs 12");
        row("huge claim",
            rawFile(one("{\"dtype\": \"F32\", \"shape\": [1000000000], \"data_offsets\": [0, "
                        "4000000000]}"),
                    twelve),
            "a", "truncated file?");
        row("overlap",
            rawFile("{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}, "
                    "\"b\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [4, 12]}}",
                    twelve),
            "b", "overlap those of 'a'");
        row("same range",
            rawFile("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4, 8]}, "
                    "\"b\": {\"dtype\": \"I32\", \"shape\": [1], \"data_offsets\": [4, 8]}}",
                    twelve),
            "*", "overlap");
        row("metadata array", rawFile("{\"__metadata__\": [1]}"), "__metadata__",
            "object of strings");
        row("metadata value", rawFile("{\"__metadata__\": {\"k\": 1}}"), "__metadata__",
            "value of 'k' is not a string");
    }
    void malformed() {
        QFETCH(QByteArray, bytes);
        QFETCH(QString, field);
        QFETCH(QString, needle);
        const std::string path = file("bad.safetensors");
        iotest::writeBytes(path, Bytes(bytes.begin(), bytes.end()));
        EXPECT_ERROR(SafetensorsFile{path}, path, field.toStdString(), needle.toStdString());
    }

    void acceptsEdgeCases() {
        // Gaps between tensors, an unused tail, padding spaces, an empty tensor whose
        // offsets sit inside another's range, and an empty header object.
        const std::string path =
            write("edge.safetensors",
                  rawFile("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4, 8]},"
                          " \"z\": {\"dtype\": \"F32\", \"shape\": [0], \"data_offsets\": [6, 6]},"
                          " \"__metadata__\": {}}      ",
                          raw<float>({0.0f, 2.5f, 0.0f})));
        const SafetensorsFile f(path);
        QCOMPARE(f.toFloat32("a"), std::vector<float>{2.5f});
        QCOMPARE(f.names().size(), size_t(2));
        QVERIFY(SafetensorsFile(write("empty.safetensors", rawFile("{}"))).names().empty());
    }

    // A header length past the 100 MB limit is refused without reading it; the file
    // is sparse, so this costs no disk.
    void headerLimit() {
        const std::string path = write("huge.safetensors", rawFile("{}", {}, 150000000));
        std::filesystem::resize_file(path, 150000100);
        EXPECT_ERROR(SafetensorsFile{path}, path, "header length", "100 MB limit");
    }

    void missingAndFolder() {
        EXPECT_ERROR(SafetensorsFile{"/nonexistent/m.safetensors"}, "/nonexistent/m.safetensors",
                     "", "cannot open");
        EXPECT_ERROR(SafetensorsFile{tmp_.path().toStdString()}, tmp_.path().toStdString(), "",
                     "not a regular file");
    }

    // Shrinks one file step by step (rewriting a file per step is slow on some disks).
    void everyTruncationIsAnError() {
        const Bytes bytes = buildFile(sampleSpecs());
        const std::string path = write("cut.safetensors", bytes);
        for (size_t n = bytes.size(); n-- > 0;) {
            std::filesystem::resize_file(path, n);
            EXPECT_ERROR(SafetensorsFile{path}, path, "*", "");
        }
    }

    void headerByteFlipsAreSafe() {
        const Bytes bytes = buildFile(sampleSpecs());
        const std::string path = write("flip.safetensors", bytes);
        std::fstream patch(path, std::ios::in | std::ios::out | std::ios::binary);
        const size_t headerEnd = 8 + size_t(bytes[0] | (bytes[1] << 8));
        int opened = 0, refused = 0;
        for (size_t pos = 0; pos < headerEnd; ++pos) {
            for (uint8_t v :
                 {uint8_t('0'), uint8_t('9'), uint8_t(']'), uint8_t('"'), uint8_t(0xFF)}) {
                // Patched in place, and restored below.
                patch.seekp(long(pos));
                patch.put(char(v));
                patch.flush();
                try {
                    const SafetensorsFile f(path);
                    for (const auto& name : f.names()) {
                        try {
                            QCOMPARE(f.toFloat32(name).size(), size_t(f.info(name).numel()));
                        } catch (const Error&) {  // a dtype that does not convert
                        }
                    }
                    ++opened;
                } catch (const Error&) {
                    ++refused;
                }
                patch.seekp(long(pos));
                patch.put(char(bytes[pos]));
                patch.flush();
            }
        }
        QVERIFY(refused > opened);
    }

    // ---- WeightStore -----------------------------------------------------------------
    void singleFileFolder() {
        const std::string dir = file("single");
        std::filesystem::create_directory(dir);
        std::vector<uint16_t> big(1000, 0x3C00);
        iotest::writeBytes(dir + "/model.safetensors",
                           buildFile({{"w", "F32", {2, 3}, raw<float>({1, 2, 3, 4, 5, 6})},
                                      {"emb", "BF16", {10, 100}, raw(big)}}));
        const WeightStore store(dir);
        QCOMPARE(store.load("w", {2, 3}), (std::vector<float>{1, 2, 3, 4, 5, 6}));
        QCOMPARE(store.load("w"), (std::vector<float>{1, 2, 3, 4, 5, 6}));
        QCOMPARE(store.load("emb")[999], 0.0078125f);  // 0x3C00 as bfloat16 is 2^-7
        QCOMPARE(store.storedDtype(), std::string("BF16"));
        QCOMPARE(store.fileOf("w"), dir + "/model.safetensors");
        QCOMPARE(store.names(), (std::vector<std::string>{"emb", "w"}));
        EXPECT_ERROR(store.load("w", {3, 2}), dir + "/model.safetensors", "w",
                     "shape [2, 3] in the file, expected [3, 2]");
        EXPECT_ERROR(store.load("lm_head.weight"), dir + "/model.safetensors", "lm_head.weight",
                     "missing tensor");
        QVERIFY(!store.has("lm_head.weight"));
        // A path to the file itself works too.
        QCOMPARE(WeightStore(dir + "/model.safetensors").load("w", {2, 3})[5], 6.0f);
    }

    void shardedFolder() {
        const std::string dir = file("sharded");
        std::filesystem::create_directory(dir);
        iotest::writeBytes(
            dir + "/model-00001-of-00002.safetensors",
            buildFile({{"a", "F16", {4}, raw<uint16_t>({0x3C00, 0x4000, 0x4200, 0x4400})}}, 5));
        iotest::writeBytes(
            dir + "/model-00002-of-00002.safetensors",
            buildFile({{"b", "BF16", {2, 2}, raw<uint16_t>({0x3F80, 0xC040, 0x4049, 0})},
                       {"c", "F16", {1}, raw<uint16_t>({0xBC00})}}));
        const json index = {{"metadata", {{"total_size", 18}}},
                            {"weight_map",
                             {{"a", "model-00001-of-00002.safetensors"},
                              {"b", "model-00002-of-00002.safetensors"}}}};
        iotest::writeBytes(dir + "/model.safetensors.index.json", iotest::bytesOf(index.dump(2)));
        const WeightStore store(dir);
        QCOMPARE(store.load("a", {4}), (std::vector<float>{1, 2, 3, 4}));
        QCOMPARE(store.load("b", {2, 2}), (std::vector<float>{1, -3, 3.140625f, 0}));
        QCOMPARE(store.load("c"), std::vector<float>{-1});  // in a shard, not in the index
        QCOMPARE(store.fileOf("b"), dir + "/model-00002-of-00002.safetensors");
        QCOMPARE(store.info("a").dtype, StDtype::F16);
        QCOMPARE(store.storedDtype(), std::string("F16"));
        EXPECT_ERROR(store.load("zzz"), dir + "/model.safetensors.index.json", "zzz",
                     "missing tensor");
        EXPECT_ERROR(store.load("a", {2, 2}), "model-00001-of-00002.safetensors", "a",
                     "shape [4] in the file, expected [2, 2]");
    }

    void badFolders() {
        const std::string root = file("bad");
        std::filesystem::create_directory(root);
        EXPECT_ERROR(WeightStore{root + "/nope"}, root + "/nope", "", "does not exist");
        EXPECT_ERROR(WeightStore{root}, root, "model.safetensors", "neither model.safetensors nor");

        auto indexed = [&](const std::string& name, const std::string& indexText) {
            const std::string dir = root + "/" + name;
            std::filesystem::create_directory(dir);
            iotest::writeBytes(dir + "/s1.safetensors",
                               buildFile({{"a", "F32", {1}, raw<float>({1})}}));
            iotest::writeBytes(dir + "/model.safetensors.index.json", iotest::bytesOf(indexText));
            return dir;
        };
        std::string dir = indexed("badjson", "{\"weight_map\": {");
        EXPECT_ERROR(WeightStore{dir}, dir + "/model.safetensors.index.json", "", "not valid JSON");
        dir = indexed("nomap", "{\"metadata\": {}}");
        EXPECT_ERROR(WeightStore{dir}, "index.json", "weight_map", "missing");
        dir = indexed("noshard", "{\"weight_map\": {\"a\": \"s2.safetensors\"}}");
        EXPECT_ERROR(WeightStore{dir}, dir + "/s2.safetensors", "", "shard listed in");
        dir = indexed("notinshard",
                      "{\"weight_map\": {\"a\": \"s1.safetensors\", \"q\": \"s1.safetensors\"}}");
        EXPECT_ERROR(WeightStore{dir}, dir + "/s1.safetensors", "q", "missing from this shard");
        dir = indexed("escape", "{\"weight_map\": {\"a\": \"../single/model.safetensors\"}}");
        EXPECT_ERROR(WeightStore{dir}, "index.json", "weight_map", "plain file name");
        dir = indexed("nonstring", "{\"weight_map\": {\"a\": 3}}");
        EXPECT_ERROR(WeightStore{dir}, "index.json", "a", "not a shard file name");

        dir = root + "/corrupt";
        std::filesystem::create_directory(dir);
        Bytes bytes = buildFile({{"a", "F32", {4}, raw<float>({1, 2, 3, 4})}});
        bytes.resize(bytes.size() - 3);
        iotest::writeBytes(dir + "/model.safetensors", bytes);
        EXPECT_ERROR(WeightStore{dir}, dir + "/model.safetensors", "a", "truncated file?");
    }
};

QTEST_APPLESS_MAIN(TestSafetensors)
#include "test_safetensors.moc"
