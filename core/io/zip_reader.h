#pragma once
// A read-only ZIP archive parser for in-memory images, enough for NumPy .npz files:
// central directory (with zip64 end records and zip64 extra fields), members STORED
// (np.savez) or DEFLATED (np.savez_compressed, inflated with zlib), CRC-32 checked.
// Every offset and length read from the file is bounds-checked before use, and the
// output of inflate grows with what is really produced, so a lying size field
// cannot trigger a giant allocation.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace sparsescope {

struct ZipEntry {
    std::string name;
    uint16_t method = 0;  // 0 = stored, 8 = deflated
    uint16_t flags = 0;
    uint32_t crc32 = 0;
    uint64_t compressedSize = 0;
    uint64_t uncompressedSize = 0;
    uint64_t localHeaderOffset = 0;
};

// The entries of the central directory, in archive order. Throws Error(source, ...).
std::vector<ZipEntry> listZipEntries(const uint8_t* data, size_t size, const std::string& source);

// One member's uncompressed bytes; checks the local header, the sizes and the CRC.
std::vector<uint8_t> extractZipEntry(const uint8_t* data, size_t size, const ZipEntry& entry,
                                     const std::string& source);

}  // namespace sparsescope
