#pragma once
// safetensors reader: memory-mapped, F32/F16/BF16 (and F64) convert to float32;
// integer and FP8 tensors validate and list but do not convert. The header is validated before any
// data is touched: 8-byte length inside the file, valid JSON, every tensor's
// dtype known, offsets in order and inside the data section, and
// size == dtype bytes x product(shape). Misaligned data is copied, never cast.
// A sharded checkpoint (model.safetensors.index.json) opens every shard named in
// its weight_map and serves tensors from the right one.
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace sparsescope {

// The first eight are the original set; the rest are there so a checkpoint holding
// such a buffer still opens (they validate and list, but do not convert).
enum class StDtype {
    F32,
    F16,
    BF16,
    F64,
    I64,
    I32,
    U8,
    BOOL,
    I16,
    I8,
    U16,
    U32,
    U64,
    F8_E4M3,
    F8_E5M2
};

// Bytes per element and the safetensors name ("F32", "BF16", ...).
size_t stItemSize(StDtype dtype);
std::string stDtypeName(StDtype dtype);

struct StTensorInfo {
    std::string name;
    StDtype dtype = StDtype::F32;
    std::vector<int64_t> shape;
    uint64_t begin = 0;  // byte offsets inside the data section
    uint64_t end = 0;
    int64_t numel() const;
};

class SafetensorsFile {
public:
    // Opens and validates; throws Error(path, field, problem).
    explicit SafetensorsFile(const std::string& path);
    ~SafetensorsFile();
    SafetensorsFile(const SafetensorsFile&) = delete;
    SafetensorsFile& operator=(const SafetensorsFile&) = delete;

    const std::string& path() const { return path_; }
    bool has(const std::string& name) const;
    const StTensorInfo& info(const std::string& name) const;  // throws if missing
    std::vector<std::string> names() const;
    const std::map<std::string, std::string>& metadata() const { return metadata_; }

    // The tensor converted to float32, row-major in its stored shape. F32, F16, BF16
    // and F64 convert; other dtypes throw Error(path, name, ...).
    std::vector<float> toFloat32(const std::string& name) const;
    // Size in bytes of the data section (file size - 8 - header length).
    uint64_t dataSize() const { return dataSize_; }

private:
    std::string path_;
    std::map<std::string, StTensorInfo> tensors_;
    std::map<std::string, std::string> metadata_;
    uint64_t dataOffset_ = 0;  // where the data section starts in the file
    uint64_t dataSize_ = 0;
    struct Mapping;
    std::unique_ptr<Mapping> map_;
};

// All tensors of a model folder: model.safetensors, or the shards listed in
// model.safetensors.index.json (the index wins when both exist). `modelDir` may
// also be a single .safetensors file. Names missing from every shard throw
// Error(folder file, tensor name, "missing tensor").
class WeightStore {
public:
    explicit WeightStore(const std::string& modelDir);
    ~WeightStore();
    bool has(const std::string& name) const;
    const StTensorInfo& info(const std::string& name) const;
    // Converted to float32; throws when the shape differs from `expectedShape`
    // (pass an empty vector to skip the check).
    std::vector<float> load(const std::string& name,
                            const std::vector<int64_t>& expectedShape = {}) const;
    std::vector<std::string> names() const;
    // The dtype the checkpoint stores most of its weights in ("F16", "BF16", "F32"),
    // counted in elements; "" for a checkpoint without tensors.
    std::string storedDtype() const;
    // The .safetensors file that holds `name` (throws if missing).
    const std::string& fileOf(const std::string& name) const;

private:
    size_t indexOf(const std::string& name) const;
    std::string dir_;
    std::string source_;  // model.safetensors or the index file: named in errors
    std::vector<std::unique_ptr<SafetensorsFile>> files_;
    std::map<std::string, size_t> fileOf_;
};

}  // namespace sparsescope
