#pragma once
// safetensors reader: memory-mapped, F32/F16/BF16 (also reads F64/I64/I32 headers
// but only float dtypes convert to float32). The header is validated before any
// data is touched: 8-byte length inside the file, valid JSON, every tensor's
// dtype known, offsets in order and inside the data section, and
// size == dtype bytes x product(shape). Misaligned data is copied, never cast.
// A sharded checkpoint (model.safetensors.index.json) opens every shard named in
// its weight_map and serves tensors from the right one.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace sparsescope {

enum class StDtype { F32, F16, BF16, F64, I64, I32, U8, BOOL };

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

    // The tensor converted to float32, row-major in its stored shape.
    std::vector<float> toFloat32(const std::string& name) const;

private:
    std::string path_;
    std::map<std::string, StTensorInfo> tensors_;
    std::map<std::string, std::string> metadata_;
    struct Mapping;
    std::unique_ptr<Mapping> map_;
};

// All tensors of a model folder: model.safetensors, or the shards listed in
// model.safetensors.index.json. Names missing from every shard throw
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
    // The dtype the checkpoint stores most of its weights in ("F16", "BF16", "F32").
    std::string storedDtype() const;

private:
    std::string dir_;
    std::vector<std::unique_ptr<SafetensorsFile>> files_;
    std::map<std::string, size_t> fileOf_;
};

}  // namespace sparsescope
