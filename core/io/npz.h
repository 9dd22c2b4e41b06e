#pragma once
// NumPy .npz archives: a ZIP of .npy members, STORED by np.savez and DEFLATED by
// np.savez_compressed. Keys are member names without ".npy" (as np.load gives them).
#include <map>
#include <string>

#include "core/io/npy.h"

namespace sparsescope {

// Every member parsed as .npy; throws Error naming the archive (and the member).
std::map<std::string, NpyArray> readNpz(const std::string& path);
std::map<std::string, NpyArray> parseNpz(const uint8_t* data, size_t size,
                                         const std::string& sourceName);

// A STORED archive (like np.savez) of `arrays`, keys become "<key>.npy"; written
// atomically (temporary file + rename). Members and the archive must stay under
// 4 GiB (no zip64 writing); larger input throws Error.
void writeNpz(const std::string& path, const std::map<std::string, NpyArray>& arrays);

}  // namespace sparsescope
