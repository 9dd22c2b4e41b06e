#include "core/io/zip_reader.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <string_view>

#include "core/common/error.h"

namespace sparsescope {

namespace {

constexpr uint32_t kLocalSig = 0x04034b50;
constexpr uint32_t kCentralSig = 0x02014b50;
constexpr uint32_t kEndSig = 0x06054b50;
constexpr uint32_t kEnd64Sig = 0x06064b50;
constexpr uint32_t kEnd64LocatorSig = 0x07064b50;
constexpr size_t kEndSize = 22, kEnd64Size = 56, kEnd64LocatorSize = 20;
constexpr size_t kCentralSize = 46, kLocalSize = 30;

uint16_t u16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }
uint32_t u32(const uint8_t* p) {
    return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
           (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
}
uint64_t u64(const uint8_t* p) { return u32(p) | (static_cast<uint64_t>(u32(p + 4)) << 32); }

// True when [offset, offset + length) lies inside a buffer of `size` bytes.
bool fits(uint64_t offset, uint64_t length, size_t size) {
    return offset <= size && length <= size - offset;
}

struct Directory {
    uint64_t entries = 0;
    uint64_t size = 0;
    uint64_t offset = 0;
};

Directory findDirectory(const uint8_t* data, size_t size, const std::string& src) {
    if (size < kEndSize) throw Error(src, "zip", "too short to be a ZIP archive (.npz)");
    // The end record sits at the end, followed only by a comment of <= 65535 bytes.
    const size_t lowest = size - kEndSize > 65535 ? size - kEndSize - 65535 : 0;
    size_t pos = size - kEndSize + 1;
    bool found = false;
    while (pos-- > lowest) {
        if (u32(data + pos) == kEndSig && pos + kEndSize + u16(data + pos + 20) == size) {
            found = true;
            break;
        }
    }
    if (!found) {
        throw Error(src, "zip",
                    "no end-of-central-directory record: not a ZIP/.npz file, or truncated");
    }
    const uint8_t* end = data + pos;
    if (u16(end + 4) != 0 || u16(end + 6) != 0) {
        throw Error(src, "zip", "multi-disk archives are not supported");
    }
    Directory dir{u16(end + 10), u32(end + 12), u32(end + 16)};

    // zip64: a locator right before the end record points at the zip64 end record.
    if (pos >= kEnd64LocatorSize && u32(data + pos - kEnd64LocatorSize) == kEnd64LocatorSig) {
        const uint64_t at = u64(data + pos - kEnd64LocatorSize + 8);
        if (!fits(at, kEnd64Size, size) || u32(data + at) != kEnd64Sig) {
            throw Error(src, "zip64 end record", "locator points outside the file or at garbage");
        }
        const uint8_t* e64 = data + at;
        dir = Directory{u64(e64 + 32), u64(e64 + 40), u64(e64 + 48)};
    }
    if (!fits(dir.offset, dir.size, size)) {
        throw Error(src, "central directory",
                    "lies outside the file (offset " + std::to_string(dir.offset) + ", size " +
                        std::to_string(dir.size) + ", file " + std::to_string(size) + " bytes)");
    }
    if (dir.entries > dir.size / kCentralSize) {
        throw Error(src, "central directory",
                    "claims " + std::to_string(dir.entries) + " entries, more than fit in " +
                        std::to_string(dir.size) + " bytes");
    }
    return dir;
}

// Replaces the 0xFFFFFFFF placeholders of an entry with the zip64 extra field values.
void applyZip64Extra(const uint8_t* extra, size_t length, ZipEntry& entry, bool uncompMarked,
                     bool compMarked, bool offsetMarked, const std::string& src) {
    size_t at = 0;
    while (at + 4 <= length) {
        const uint16_t id = u16(extra + at);
        const uint16_t len = u16(extra + at + 2);
        if (at + 4 + len > length) break;  // a malformed tail: ignore, like Info-ZIP
        if (id == 0x0001) {
            const uint8_t* f = extra + at + 4;
            size_t used = 0;
            auto take = [&](uint64_t& field) {
                if (used + 8 > len) {
                    throw Error(src, entry.name, "zip64 extra field is too short");
                }
                field = u64(f + used);
                used += 8;
            };
            if (uncompMarked) take(entry.uncompressedSize);
            if (compMarked) take(entry.compressedSize);
            if (offsetMarked) take(entry.localHeaderOffset);
            return;
        }
        at += 4 + len;
    }
    if (uncompMarked || compMarked || offsetMarked) {
        throw Error(src, entry.name, "sizes marked as zip64 but no zip64 extra field");
    }
}

}  // namespace

std::vector<ZipEntry> listZipEntries(const uint8_t* data, size_t size, const std::string& src) {
    const Directory dir = findDirectory(data, size, src);
    std::vector<ZipEntry> entries;
    entries.reserve(static_cast<size_t>(dir.entries));
    uint64_t at = dir.offset;
    const uint64_t end = dir.offset + dir.size;
    for (uint64_t i = 0; i < dir.entries; ++i) {
        if (at + kCentralSize > end || u32(data + at) != kCentralSig) {
            throw Error(src, "central directory",
                        "entry " + std::to_string(i) + " is damaged (bad signature or truncated)");
        }
        const uint8_t* c = data + at;
        ZipEntry e;
        e.flags = u16(c + 8);
        e.method = u16(c + 10);
        e.crc32 = u32(c + 16);
        e.compressedSize = u32(c + 20);
        e.uncompressedSize = u32(c + 24);
        const uint16_t nameLen = u16(c + 28), extraLen = u16(c + 30), commentLen = u16(c + 32);
        e.localHeaderOffset = u32(c + 42);
        const uint64_t record = kCentralSize + nameLen + extraLen + commentLen;
        if (record > end - at) {
            throw Error(src, "central directory",
                        "entry " + std::to_string(i) + " runs past the directory's end");
        }
        e.name.assign(reinterpret_cast<const char*>(c + kCentralSize), nameLen);
        applyZip64Extra(c + kCentralSize + nameLen, extraLen, e, e.uncompressedSize == 0xFFFFFFFFu,
                        e.compressedSize == 0xFFFFFFFFu, e.localHeaderOffset == 0xFFFFFFFFu, src);
        entries.push_back(std::move(e));
        at += record;
    }
    return entries;
}

std::vector<uint8_t> extractZipEntry(const uint8_t* data, size_t size, const ZipEntry& e,
                                     const std::string& src) {
    const std::string& field = e.name;
    if (e.flags & 0x1) throw Error(src, field, "encrypted members are not supported");
    if (e.method != 0 && e.method != 8) {
        throw Error(src, field,
                    "compression method " + std::to_string(e.method) +
                        " not supported (only stored and deflated, as np.savez writes)");
    }
    if (!fits(e.localHeaderOffset, kLocalSize, size) ||
        u32(data + e.localHeaderOffset) != kLocalSig) {
        throw Error(src, field, "local header missing or outside the file");
    }
    const uint8_t* local = data + e.localHeaderOffset;
    const uint16_t nameLen = u16(local + 26), extraLen = u16(local + 28);
    const uint64_t dataAt = e.localHeaderOffset + kLocalSize + nameLen + extraLen;
    if (!fits(e.localHeaderOffset + kLocalSize, nameLen, size) ||
        std::string_view(reinterpret_cast<const char*>(local + kLocalSize), nameLen) != e.name) {
        throw Error(src, field, "local header name disagrees with the central directory");
    }
    if (!fits(dataAt, e.compressedSize, size)) {
        throw Error(src, field,
                    "member data (" + std::to_string(e.compressedSize) +
                        " bytes) runs past the end of the file (truncated?)");
    }
    const uint8_t* in = data + dataAt;
    std::vector<uint8_t> out;

    if (e.method == 0) {
        if (e.compressedSize != e.uncompressedSize) {
            throw Error(src, field, "stored member with different compressed and real sizes");
        }
        out.assign(in, in + e.compressedSize);
    } else {
        // Deflate expands at most ~1032:1; a bigger claim is a lie, not data.
        if (e.uncompressedSize / 1032 > e.compressedSize + 64) {
            throw Error(src, field, "claims an impossible uncompressed size");
        }
        z_stream z{};
        if (inflateInit2(&z, -MAX_WBITS) != Z_OK) throw Error(src, field, "zlib init failed");
        // Grow the output with the data really produced, up to the claimed size.
        out.resize(static_cast<size_t>(std::min<uint64_t>(e.uncompressedSize, 1u << 20)));
        uint64_t consumed = 0, produced = 0;
        int rc = Z_OK;
        constexpr uint64_t kChunk = 1u << 30;  // zlib counts in 32-bit uInt
        while (rc != Z_STREAM_END) {
            if (z.avail_in == 0 && consumed < e.compressedSize) {
                const uint64_t n = std::min(kChunk, e.compressedSize - consumed);
                z.next_in = const_cast<Bytef*>(in + consumed);
                z.avail_in = static_cast<uInt>(n);
                consumed += n;
            }
            if (produced == out.size()) {
                if (produced >= e.uncompressedSize) {
                    // Room for exactly one more byte lets zlib tell "done" from "more".
                    out.resize(out.size() + 1);
                } else {
                    out.resize(static_cast<size_t>(
                        std::min<uint64_t>(e.uncompressedSize, 2 * out.size() + 1)));
                }
            }
            z.next_out = out.data() + produced;
            z.avail_out = static_cast<uInt>(std::min<uint64_t>(kChunk, out.size() - produced));
            const uInt before = z.avail_out;
            rc = inflate(&z, Z_NO_FLUSH);
            produced += before - z.avail_out;
            if (rc == Z_STREAM_END) break;
            if (rc == Z_BUF_ERROR && z.avail_out != 0 && z.avail_in == 0 &&
                consumed == e.compressedSize) {
                rc = Z_DATA_ERROR;  // input exhausted before the stream ended
            }
            if (rc != Z_OK && rc != Z_BUF_ERROR) {
                inflateEnd(&z);
                throw Error(src, field, "corrupt or truncated deflate data");
            }
            if (produced > e.uncompressedSize) {
                inflateEnd(&z);
                throw Error(src, field, "inflates to more bytes than the directory states");
            }
        }
        inflateEnd(&z);
        if (produced != e.uncompressedSize) {
            throw Error(src, field,
                        "inflates to " + std::to_string(produced) + " bytes, the directory says " +
                            std::to_string(e.uncompressedSize));
        }
        out.resize(static_cast<size_t>(produced));
    }

    uLong crc = crc32(0L, Z_NULL, 0);
    for (uint64_t done = 0; done < out.size();) {
        const uint64_t n = std::min<uint64_t>(1u << 30, out.size() - done);
        crc = crc32(crc, out.data() + done, static_cast<uInt>(n));
        done += n;
    }
    if (static_cast<uint32_t>(crc) != e.crc32) {
        throw Error(src, field, "CRC-32 mismatch: the member is corrupt");
    }
    return out;
}

}  // namespace sparsescope
