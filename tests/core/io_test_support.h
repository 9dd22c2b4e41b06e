#pragma once
// Helpers shared by the core/io test suites: golden file paths, raw file I/O,
// a CRC-32 written independently of zlib, and EXPECT_ERROR, which checks that an
// expression throws sparsescope::Error with the expected source, field and text.
#include <QTest>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "core/common/error.h"

namespace iotest {

inline std::string goldenNpy(const std::string& name) {
    return std::string(SPARSESCOPE_SOURCE_DIR) + "/tests/golden/npy/" + name;
}

inline std::vector<uint8_t> readBytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

inline void writeBytes(const std::string& path, const std::vector<uint8_t>& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
}

inline std::vector<uint8_t> bytesOf(const std::string& s) { return {s.begin(), s.end()}; }

// CRC-32 (ISO-HDLC, reflected polynomial 0xEDB88320), bit by bit.
inline uint32_t crc32Reference(const uint8_t* p, size_t n) {
    uint32_t crc = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; ++i) {
        crc ^= p[i];
        for (int b = 0; b < 8; ++b) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

// "" when fn throws sparsescope::Error whose source contains `source`, whose field
// equals `field` ("*" = any) and whose problem contains `needle`; otherwise why not.
template <class Fn>
std::string expectError(Fn&& fn, const std::string& source, const std::string& field,
                        const std::string& needle) {
    try {
        fn();
    } catch (const sparsescope::Error& e) {
        const std::string all = std::string(" [message: ") + e.what() + "]";
        if (e.source().find(source) == std::string::npos)
            return "source '" + e.source() + "' does not contain '" + source + "'" + all;
        if (field != "*" && e.field() != field)
            return "field '" + e.field() + "' is not '" + field + "'" + all;
        if (e.problem().find(needle) == std::string::npos)
            return "problem does not contain '" + needle + "'" + all;
        return "";
    } catch (const std::exception& e) {
        return std::string("wrong exception type: ") + e.what();
    }
    return "no exception was thrown";
}

}  // namespace iotest

#define EXPECT_ERROR(expr, source, field, needle)                                    \
    do {                                                                             \
        const std::string why_ =                                                     \
            iotest::expectError([&] { (void)(expr); }, (source), (field), (needle)); \
        QVERIFY2(why_.empty(), why_.c_str());                                        \
    } while (0)
