#pragma once
// NumPy .npy files (format versions 1.0, 2.0 and 3.0), little-endian, C order.
// Layout: "\x93NUMPY", major, minor, header length (uint16 for 1.0, uint32 after),
// a Python dict literal {'descr': '<f4', 'fortran_order': False, 'shape': (n, d), }
// padded with spaces and a newline, then numel x itemsize bytes of data.
// Reading checks everything a lying or damaged file could get wrong (magic, lengths,
// keys, dtype, shape overflow, data size) and throws Error(file, field, problem).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace sparsescope {

enum class NpyDtype { F32, F16, F64, I64, I32, U8, Bool };

size_t npyItemSize(NpyDtype dtype);
// The NumPy name ("float32", "int64", "bool", ...) for messages.
std::string npyDtypeName(NpyDtype dtype);
// The little-endian descr string ("<f4", "|u1", ...).
std::string npyDescr(NpyDtype dtype);

struct NpyArray {
    std::vector<int64_t> shape;  // () = a scalar (numel 1)
    NpyDtype dtype = NpyDtype::F32;
    std::vector<uint8_t> bytes;  // numel x itemsize, C order, little-endian
    std::string source;          // file it came from, for error messages

    int64_t numel() const;
    // Every dtype converted to float32 (float64 and int64 may round).
    std::vector<float> toFloat32() const;
    // Integer and bool dtypes widened to int64; float dtypes throw Error.
    std::vector<int64_t> toInt64() const;
};

// "[2, 3, 4]" for messages.
std::string shapeToString(const std::vector<int64_t>& shape);

NpyArray readNpy(const std::string& path);
// Parses an in-memory .npy image; sourceName is used in error messages.
NpyArray parseNpy(const uint8_t* data, size_t size, const std::string& sourceName);

// The .npy image of an array (version 1.0, or 2.0 when the header needs it); the
// header is padded so the data starts at a multiple of 64 bytes, as NumPy does.
// Errors name `sourceName`, or array.source when it is empty.
std::vector<uint8_t> serializeNpy(const NpyArray& array, const std::string& sourceName = "");

// Writes `data` (product(shape) elements) as a .npy file, atomically: a temporary
// file in the same folder renamed over `path`. Throws Error(path, ...) on failure.
void writeNpy(const std::string& path, const std::vector<int64_t>& shape, const float* data);
void writeNpy(const std::string& path, const std::vector<int64_t>& shape, const uint8_t* data);
void writeNpy(const std::string& path, const std::vector<int64_t>& shape, const int64_t* data);
void writeNpy(const std::string& path, const std::vector<int64_t>& shape, const int32_t* data);
void writeNpy(const std::string& path, const NpyArray& array);

}  // namespace sparsescope
