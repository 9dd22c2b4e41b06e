#pragma once
// Whole-file reads and crash-safe writes shared by the .npy/.npz/safetensors code.
#include <cstdint>
#include <string>
#include <vector>

namespace sparsescope {

// The file's bytes; throws Error(path, "", why) when it cannot be opened or read.
std::vector<uint8_t> readFileBytes(const std::string& path);

// Writes `size` bytes to a new temporary file in the folder of `path` (so the rename
// below stays on one file system), flushes it to disk, then renames it over `path`.
// A crash or an error part-way leaves either the old file or the new one, never a
// torn one; on error the temporary file is removed and Error(path, "", why) thrown.
void writeFileAtomically(const std::string& path, const uint8_t* data, size_t size);

}  // namespace sparsescope
