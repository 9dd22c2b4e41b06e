#include "core/io/npz.h"

#include <zlib.h>

#include <algorithm>

#include "core/common/error.h"
#include "core/io/file_util.h"
#include "core/io/zip_reader.h"

namespace sparsescope {

namespace {

void put16(std::vector<uint8_t>& out, uint32_t v) {
    out.push_back(static_cast<uint8_t>(v & 0xFF));
    out.push_back(static_cast<uint8_t>((v >> 8) & 0xFF));
}
void put32(std::vector<uint8_t>& out, uint32_t v) {
    put16(out, v & 0xFFFF);
    put16(out, v >> 16);
}

uint32_t crcOf(const std::vector<uint8_t>& bytes) {
    uLong crc = crc32(0L, Z_NULL, 0);
    for (size_t done = 0; done < bytes.size();) {
        const size_t n = std::min<size_t>(1u << 30, bytes.size() - done);
        crc = crc32(crc, bytes.data() + done, static_cast<uInt>(n));
        done += n;
    }
    return static_cast<uint32_t>(crc);
}

}  // namespace

std::map<std::string, NpyArray> parseNpz(const uint8_t* data, size_t size, const std::string& src) {
    std::map<std::string, NpyArray> arrays;
    for (const ZipEntry& entry : listZipEntries(data, size, src)) {
        if (!entry.name.empty() && entry.name.back() == '/') continue;  // a folder entry
        std::string key = entry.name;
        if (key.size() > 4 && key.compare(key.size() - 4, 4, ".npy") == 0) {
            key.resize(key.size() - 4);
        }
        if (arrays.count(key)) throw Error(src, entry.name, "member appears twice");
        const std::vector<uint8_t> bytes = extractZipEntry(data, size, entry, src);
        arrays.emplace(key,
                       parseNpy(bytes.data(), bytes.size(), src + " (member " + entry.name + ")"));
    }
    return arrays;
}

std::map<std::string, NpyArray> readNpz(const std::string& path) {
    const std::vector<uint8_t> bytes = readFileBytes(path);
    return parseNpz(bytes.data(), bytes.size(), path);
}

void writeNpz(const std::string& path, const std::map<std::string, NpyArray>& arrays) {
    constexpr uint64_t kLimit = 0xFFFFFFFFu;
    if (arrays.size() >= 0xFFFF) throw Error(path, "", "too many members for a ZIP without zip64");
    std::vector<uint8_t> out, directory;
    for (const auto& [key, array] : arrays) {
        if (key.empty()) throw Error(path, "", "empty member name");
        const std::string name = key + ".npy";
        if (name.size() > 0xFFFF) throw Error(path, key, "member name too long");
        const std::vector<uint8_t> image = serializeNpy(array, path + " (member " + name + ")");
        if (image.size() >= kLimit || out.size() >= kLimit) {
            throw Error(path, key, "archive larger than 4 GiB is not supported by this writer");
        }
        const uint32_t crc = crcOf(image);
        const uint32_t offset = static_cast<uint32_t>(out.size());
        // Bit 11: the name is UTF-8. Time 00:00, date 1980-01-01: reproducible output.
        const uint16_t flags = 0x0800;
        const auto header = [&](std::vector<uint8_t>& o, bool central) {
            put32(o, central ? 0x02014b50 : 0x04034b50);
            if (central) put16(o, 20);  // version made by
            put16(o, 20);               // version needed
            put16(o, flags);
            put16(o, 0);  // stored
            put16(o, 0);
            put16(o, 0x21);
            put32(o, crc);
            put32(o, static_cast<uint32_t>(image.size()));
            put32(o, static_cast<uint32_t>(image.size()));
            put16(o, static_cast<uint32_t>(name.size()));
            put16(o, 0);  // extra length
            if (central) {
                put16(o, 0);  // comment length
                put16(o, 0);  // disk
                put16(o, 0);  // internal attributes
                put32(o, 0);  // external attributes
                put32(o, offset);
            }
            o.insert(o.end(), name.begin(), name.end());
        };
        header(out, false);
        out.insert(out.end(), image.begin(), image.end());
        header(directory, true);
    }
    if (out.size() + directory.size() >= kLimit) {
        throw Error(path, "", "archive larger than 4 GiB is not supported by this writer");
    }
    const uint32_t directoryOffset = static_cast<uint32_t>(out.size());
    out.insert(out.end(), directory.begin(), directory.end());
    put32(out, 0x06054b50);
    put16(out, 0);
    put16(out, 0);
    put16(out, static_cast<uint32_t>(arrays.size()));
    put16(out, static_cast<uint32_t>(arrays.size()));
    put32(out, static_cast<uint32_t>(directory.size()));
    put32(out, directoryOffset);
    put16(out, 0);  // comment length
    writeFileAtomically(path, out.data(), out.size());
}

}  // namespace sparsescope
