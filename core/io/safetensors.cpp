#include "core/io/safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>

#include "core/common/error.h"
#include "core/common/half.h"
#include "core/common/parallel.h"

namespace sparsescope {

namespace {

// The reference implementation refuses headers above 100 MB; so do we, so that a
// corrupt length cannot make us parse (or allocate for) gigabytes of "JSON".
constexpr uint64_t kMaxHeaderBytes = 100ull * 1000 * 1000;

struct DtypeRow {
    StDtype dtype;
    const char* name;
    size_t size;
};
constexpr DtypeRow kDtypes[] = {
    {StDtype::F32, "F32", 4}, {StDtype::F16, "F16", 2},         {StDtype::BF16, "BF16", 2},
    {StDtype::F64, "F64", 8}, {StDtype::I64, "I64", 8},         {StDtype::I32, "I32", 4},
    {StDtype::U8, "U8", 1},   {StDtype::BOOL, "BOOL", 1},       {StDtype::I16, "I16", 2},
    {StDtype::I8, "I8", 1},   {StDtype::U16, "U16", 2},         {StDtype::U32, "U32", 4},
    {StDtype::U64, "U64", 8}, {StDtype::F8_E4M3, "F8_E4M3", 1}, {StDtype::F8_E5M2, "F8_E5M2", 1},
};

std::string shapeText(const std::vector<int64_t>& shape) {
    std::string out = "[";
    for (size_t i = 0; i < shape.size(); ++i) out += (i ? ", " : "") + std::to_string(shape[i]);
    return out + "]";
}

// One tensor entry of the header, fully checked against the data section size.
StTensorInfo parseEntry(const std::string& name, const nlohmann::json& v, uint64_t dataSize,
                        const std::string& path) {
    auto fail = [&](const std::string& problem) { throw Error(path, name, problem); };
    if (!v.is_object()) fail("header entry must be an object with dtype, shape, data_offsets");
    for (const char* key : {"dtype", "shape", "data_offsets"}) {
        if (!v.contains(key)) fail(std::string("header entry has no '") + key + "'");
    }
    StTensorInfo info;
    info.name = name;

    const auto& dtype = v["dtype"];
    if (!dtype.is_string()) fail("dtype must be a string");
    const std::string dtypeName = dtype.get<std::string>();
    const auto row = std::find_if(std::begin(kDtypes), std::end(kDtypes),
                                  [&](const DtypeRow& r) { return dtypeName == r.name; });
    if (row == std::end(kDtypes)) fail("unknown dtype '" + dtypeName + "'");
    info.dtype = row->dtype;

    const auto& shape = v["shape"];
    if (!shape.is_array()) fail("shape must be an array of non-negative integers");
    uint64_t numel = 1;
    bool empty = false;
    for (const auto& dim : shape) {
        if (!dim.is_number_unsigned()) fail("shape must be an array of non-negative integers");
        const uint64_t d = dim.get<uint64_t>();
        if (d > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
            fail("shape dimension " + std::to_string(d) + " is too large");
        }
        info.shape.push_back(static_cast<int64_t>(d));
        if (d == 0) empty = true;
    }
    for (const int64_t d : info.shape) {
        if (d != 0 && numel > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) / d) {
            fail("shape " + shapeText(info.shape) + " is too large");
        }
        if (d != 0) numel *= static_cast<uint64_t>(d);
    }
    if (empty) numel = 0;
    if (numel > std::numeric_limits<uint64_t>::max() / 8) {
        fail("shape " + shapeText(info.shape) + " is too large");
    }
    const uint64_t bytes = numel * row->size;

    const auto& offsets = v["data_offsets"];
    if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() ||
        !offsets[1].is_number_unsigned()) {
        fail("data_offsets must be [begin, end] with non-negative integers");
    }
    info.begin = offsets[0].get<uint64_t>();
    info.end = offsets[1].get<uint64_t>();
    if (info.begin > info.end) {
        fail("data_offsets [" + std::to_string(info.begin) + ", " + std::to_string(info.end) +
             "] end before they begin");
    }
    if (info.end > dataSize) {
        fail("data_offsets end at " + std::to_string(info.end) + " but the data section has " +
             std::to_string(dataSize) + " bytes (truncated file?)");
    }
    if (info.end - info.begin != bytes) {
        fail("data_offsets span " + std::to_string(info.end - info.begin) + " bytes but " +
             dtypeName + " " + shapeText(info.shape) + " needs " + std::to_string(bytes));
    }
    return info;
}

// Element i of a little-endian buffer, read with memcpy: the mapping gives no
// alignment guarantee beyond the header length, which the file chooses.
template <class T>
T loadAt(const uint8_t* p, size_t i) {
    T value;
    std::memcpy(&value, p + i * sizeof(T), sizeof(T));
    return value;
}

}  // namespace

size_t stItemSize(StDtype dtype) {
    for (const auto& r : kDtypes)
        if (r.dtype == dtype) return r.size;
    return 1;
}

std::string stDtypeName(StDtype dtype) {
    for (const auto& r : kDtypes)
        if (r.dtype == dtype) return r.name;
    return "?";
}

int64_t StTensorInfo::numel() const {
    int64_t n = 1;
    for (const int64_t d : shape) n *= d;  // validated against overflow when parsed
    return n;
}

struct SafetensorsFile::Mapping {
    const uint8_t* base = nullptr;
    size_t size = 0;
    ~Mapping() {
        if (base) ::munmap(const_cast<uint8_t*>(base), size);
    }
};

SafetensorsFile::SafetensorsFile(const std::string& path) : path_(path), map_(new Mapping) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw Error(path, "", std::string("cannot open file: ") + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        throw Error(path, "", "not a regular file");
    }
    const uint64_t fileSize = static_cast<uint64_t>(st.st_size);
    if (fileSize < 8) {
        ::close(fd);
        throw Error(path, "header length",
                    "file has " + std::to_string(fileSize) +
                        " bytes, too short for the 8-byte header length (truncated?)");
    }
    void* base = ::mmap(nullptr, static_cast<size_t>(fileSize), PROT_READ, MAP_PRIVATE, fd, 0);
    const int mapErrno = errno;
    ::close(fd);  // the mapping keeps the file alive
    if (base == MAP_FAILED) {
        throw Error(path, "", std::string("cannot map file: ") + std::strerror(mapErrno));
    }
    map_->base = static_cast<const uint8_t*>(base);
    map_->size = static_cast<size_t>(fileSize);

    const uint64_t headerLength = loadAt<uint64_t>(map_->base, 0);
    if (headerLength > fileSize - 8) {
        throw Error(path, "header length",
                    "header claims " + std::to_string(headerLength) + " bytes but the file has " +
                        std::to_string(fileSize - 8) +
                        " after the length field (truncated, or not a safetensors file)");
    }
    if (headerLength > kMaxHeaderBytes) {
        throw Error(
            path, "header length",
            "header of " + std::to_string(headerLength) + " bytes exceeds the 100 MB limit");
    }
    dataOffset_ = 8 + headerLength;
    dataSize_ = fileSize - dataOffset_;

    const char* text = reinterpret_cast<const char*>(map_->base + 8);
    nlohmann::json header;
    try {
        header = nlohmann::json::parse(text, text + headerLength);
    } catch (const nlohmann::json::exception& e) {
        throw Error(path, "header", std::string("not valid JSON: ") + e.what());
    }
    if (!header.is_object()) throw Error(path, "header", "must be a JSON object");

    std::vector<const StTensorInfo*> byOffset;
    for (const auto& [name, value] : header.items()) {
        if (name == "__metadata__") {
            if (!value.is_object()) throw Error(path, name, "must be an object of strings");
            for (const auto& [key, entry] : value.items()) {
                if (!entry.is_string()) {
                    throw Error(path, "__metadata__", "value of '" + key + "' is not a string");
                }
                metadata_[key] = entry.get<std::string>();
            }
            continue;
        }
        tensors_[name] = parseEntry(name, value, dataSize_, path);
    }
    // No two tensors may share bytes (an empty tensor occupies none).
    for (const auto& [name, info] : tensors_)
        if (info.end > info.begin) byOffset.push_back(&info);
    std::sort(byOffset.begin(), byOffset.end(), [](const StTensorInfo* a, const StTensorInfo* b) {
        return a->begin != b->begin ? a->begin < b->begin : a->end < b->end;
    });
    for (size_t i = 1; i < byOffset.size(); ++i) {
        if (byOffset[i]->begin < byOffset[i - 1]->end) {
            throw Error(path, byOffset[i]->name,
                        "data_offsets overlap those of '" + byOffset[i - 1]->name + "'");
        }
    }
}

SafetensorsFile::~SafetensorsFile() = default;

bool SafetensorsFile::has(const std::string& name) const { return tensors_.count(name) > 0; }

const StTensorInfo& SafetensorsFile::info(const std::string& name) const {
    const auto it = tensors_.find(name);
    if (it == tensors_.end()) throw Error(path_, name, "missing tensor");
    return it->second;
}

std::vector<std::string> SafetensorsFile::names() const {
    std::vector<std::string> out;
    out.reserve(tensors_.size());
    for (const auto& [name, info] : tensors_) out.push_back(name);
    return out;
}

std::vector<float> SafetensorsFile::toFloat32(const std::string& name) const {
    const StTensorInfo& t = info(name);
    const size_t n = static_cast<size_t>(t.numel());
    const uint8_t* src = map_->base + dataOffset_ + t.begin;
    std::vector<float> out(n);
    // Conversion in chunks across threads: big F16/BF16 embeddings dominate load time.
    auto convert = [&](auto element) {
        constexpr size_t kChunk = 1 << 16;
        const int64_t chunks = static_cast<int64_t>((n + kChunk - 1) / kChunk);
        parallelFor(0, chunks, [&](int64_t c) {
            const size_t lo = static_cast<size_t>(c) * kChunk, hi = std::min(n, lo + kChunk);
            for (size_t i = lo; i < hi; ++i) out[i] = element(i);
        });
    };
    switch (t.dtype) {
        case StDtype::F32:
            if (n) std::memcpy(out.data(), src, n * sizeof(float));
            break;
        case StDtype::F16:
            convert([&](size_t i) { return halfToFloat(loadAt<uint16_t>(src, i)); });
            break;
        case StDtype::BF16:
            convert([&](size_t i) { return bf16ToFloat(loadAt<uint16_t>(src, i)); });
            break;
        case StDtype::F64:
            convert([&](size_t i) { return doubleToFloat(loadAt<double>(src, i)); });
            break;
        default:
            throw Error(path_, name,
                        "dtype " + stDtypeName(t.dtype) +
                            " cannot be converted to float32 (F32, F16, BF16, F64 can)");
    }
    return out;
}

}  // namespace sparsescope
