#include "core/io/npy.h"

#include <bit>
#include <cstring>
#include <limits>

#include "core/common/error.h"
#include "core/common/half.h"
#include "core/io/file_util.h"
#include "core/io/npy_header.h"

namespace sparsescope {

static_assert(std::endian::native == std::endian::little,
              "the .npy/.npz/safetensors code assumes a little-endian host");

namespace {

constexpr uint8_t kMagic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};

// Element count of `shape`, or an Error when a dimension is negative or the product
// (times the item size) does not fit in 64 bits.
int64_t checkedByteCount(const std::vector<int64_t>& shape, size_t itemSize,
                         const std::string& source, int64_t* numelOut = nullptr) {
    int64_t numel = 1;
    bool hasZero = false;
    for (const int64_t dim : shape) {
        if (dim < 0) throw Error(source, "shape", "negative dimension in " + shapeToString(shape));
        if (dim == 0) hasZero = true;
    }
    constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
    for (const int64_t dim : shape) {
        if (dim != 0 && numel > kMax / dim) {
            throw Error(source, "shape", "shape " + shapeToString(shape) + " is too large");
        }
        numel = dim == 0 ? numel : numel * dim;
    }
    if (hasZero) numel = 0;
    if (numel > kMax / static_cast<int64_t>(itemSize)) {
        throw Error(source, "shape", "shape " + shapeToString(shape) + " is too large");
    }
    if (numelOut) *numelOut = numel;
    return numel * static_cast<int64_t>(itemSize);
}

NpyDtype dtypeFromDescr(const std::string& descr, const std::string& source) {
    if (descr.size() < 2) throw Error(source, "descr", "unsupported dtype '" + descr + "'");
    const char order = descr[0];
    const std::string kind = descr.substr(1);
    // One-byte types have no byte order; NumPy writes '|', accept any marker.
    if (kind == "u1" || kind == "b1") {
        if (order != '|' && order != '<' && order != '>' && order != '=') {
            throw Error(source, "descr", "unsupported dtype '" + descr + "'");
        }
        return kind == "u1" ? NpyDtype::U8 : NpyDtype::Bool;
    }
    NpyDtype dtype;
    if (kind == "f4")
        dtype = NpyDtype::F32;
    else if (kind == "f2")
        dtype = NpyDtype::F16;
    else if (kind == "f8")
        dtype = NpyDtype::F64;
    else if (kind == "i8")
        dtype = NpyDtype::I64;
    else if (kind == "i4")
        dtype = NpyDtype::I32;
    else
        throw Error(source, "descr",
                    "unsupported dtype '" + descr +
                        "' (supported: float32, float16, float64, int64, int32, uint8, bool)");
    if (order == '>') {
        throw Error(source, "descr",
                    "big-endian dtype '" + descr +
                        "' not supported; save with "
                        "arr.astype(arr.dtype.newbyteorder('<'))");
    }
    if (order != '<') throw Error(source, "descr", "unsupported byte order in '" + descr + "'");
    return dtype;
}

template <class T>
T loadLE(const uint8_t* p) {
    T value;
    std::memcpy(&value, p, sizeof(T));  // unaligned-safe; host is little-endian
    return value;
}

// An NpyArray built by hand may disagree with itself; check before reading bytes.
void checkPayload(const NpyArray& a, const std::string& source, int64_t* numel) {
    const int64_t bytes = checkedByteCount(a.shape, npyItemSize(a.dtype), source, numel);
    if (static_cast<uint64_t>(bytes) != a.bytes.size()) {
        throw Error(source, "data",
                    "holds " + std::to_string(a.bytes.size()) + " bytes, shape " +
                        shapeToString(a.shape) + " of " + npyDtypeName(a.dtype) + " needs " +
                        std::to_string(bytes));
    }
}

std::vector<uint8_t> serialize(const std::vector<int64_t>& shape, NpyDtype dtype,
                               const uint8_t* data, const std::string& source) {
    const int64_t bytes = checkedByteCount(shape, npyItemSize(dtype), source);
    std::string dims;
    for (const int64_t d : shape) dims += std::to_string(d) + ", ";
    if (shape.size() > 1) dims.resize(dims.size() - 2);  // (3,) for 1-D, (3, 4) else
    if (shape.size() == 1) dims.resize(dims.size() - 1);
    std::string header =
        "{'descr': '" + npyDescr(dtype) + "', 'fortran_order': False, 'shape': (" + dims + "), }";
    // Pad with spaces so magic + version + length + header + '\n' is a multiple of 64;
    // version 2.0 (4-byte length) only when the header outgrows 65535 bytes.
    size_t preamble = 10;
    size_t total = (preamble + header.size() + 1 + 63) / 64 * 64;
    if (total - preamble > 65535) {
        preamble = 12;
        total = (preamble + header.size() + 1 + 63) / 64 * 64;
    }
    header.append(total - preamble - header.size() - 1, ' ');
    header += '\n';
    if (bytes > 0 && data == nullptr) throw Error(source, "data", "no data given");

    // One allocation, filled with memcpy (also keeps GCC 12's -Wstringop-overflow quiet).
    std::vector<uint8_t> out(preamble + header.size() + static_cast<size_t>(bytes));
    std::memcpy(out.data(), kMagic, 6);
    out[6] = preamble == 10 ? 1 : 2;
    out[7] = 0;
    const uint32_t len = static_cast<uint32_t>(header.size());
    for (size_t i = 0; i < preamble - 8; ++i) out[8 + i] = static_cast<uint8_t>(len >> (8 * i));
    std::memcpy(out.data() + preamble, header.data(), header.size());
    if (bytes > 0)
        std::memcpy(out.data() + preamble + header.size(), data, static_cast<size_t>(bytes));
    return out;
}

template <class T>
void writeTyped(const std::string& path, const std::vector<int64_t>& shape, const T* data,
                NpyDtype dtype) {
    const auto image = serialize(shape, dtype, reinterpret_cast<const uint8_t*>(data), path);
    writeFileAtomically(path, image.data(), image.size());
}

}  // namespace

size_t npyItemSize(NpyDtype dtype) {
    switch (dtype) {
        case NpyDtype::F32:
            return 4;
        case NpyDtype::F16:
            return 2;
        case NpyDtype::F64:
            return 8;
        case NpyDtype::I64:
            return 8;
        case NpyDtype::I32:
            return 4;
        case NpyDtype::U8:
            return 1;
        case NpyDtype::Bool:
            return 1;
    }
    return 1;
}

std::string npyDtypeName(NpyDtype dtype) {
    switch (dtype) {
        case NpyDtype::F32:
            return "float32";
        case NpyDtype::F16:
            return "float16";
        case NpyDtype::F64:
            return "float64";
        case NpyDtype::I64:
            return "int64";
        case NpyDtype::I32:
            return "int32";
        case NpyDtype::U8:
            return "uint8";
        case NpyDtype::Bool:
            return "bool";
    }
    return "?";
}

std::string npyDescr(NpyDtype dtype) {
    switch (dtype) {
        case NpyDtype::F32:
            return "<f4";
        case NpyDtype::F16:
            return "<f2";
        case NpyDtype::F64:
            return "<f8";
        case NpyDtype::I64:
            return "<i8";
        case NpyDtype::I32:
            return "<i4";
        case NpyDtype::U8:
            return "|u1";
        case NpyDtype::Bool:
            return "|b1";
    }
    return "?";
}

std::string shapeToString(const std::vector<int64_t>& shape) {
    std::string out = "[";
    for (size_t i = 0; i < shape.size(); ++i) {
        if (i) out += ", ";
        out += std::to_string(shape[i]);
    }
    return out + "]";
}

int64_t NpyArray::numel() const {
    int64_t n = 0;
    checkedByteCount(shape, 1, source, &n);
    return n;
}

std::vector<float> NpyArray::toFloat32() const {
    int64_t n = 0;
    checkPayload(*this, source, &n);
    std::vector<float> out(static_cast<size_t>(n));
    const uint8_t* p = bytes.data();
    switch (dtype) {
        case NpyDtype::F32:
            if (n > 0) std::memcpy(out.data(), p, out.size() * 4);
            break;
        case NpyDtype::F16:
            for (size_t i = 0; i < out.size(); ++i)
                out[i] = halfToFloat(loadLE<uint16_t>(p + 2 * i));
            break;
        case NpyDtype::F64:
            for (size_t i = 0; i < out.size(); ++i)
                out[i] = doubleToFloat(loadLE<double>(p + 8 * i));
            break;
        case NpyDtype::I64:
            for (size_t i = 0; i < out.size(); ++i)
                out[i] = static_cast<float>(loadLE<int64_t>(p + 8 * i));
            break;
        case NpyDtype::I32:
            for (size_t i = 0; i < out.size(); ++i)
                out[i] = static_cast<float>(loadLE<int32_t>(p + 4 * i));
            break;
        case NpyDtype::U8:
            for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<float>(p[i]);
            break;
        case NpyDtype::Bool:
            for (size_t i = 0; i < out.size(); ++i) out[i] = p[i] ? 1.0f : 0.0f;
            break;
    }
    return out;
}

std::vector<int64_t> NpyArray::toInt64() const {
    int64_t n = 0;
    checkPayload(*this, source, &n);
    std::vector<int64_t> out(static_cast<size_t>(n));
    const uint8_t* p = bytes.data();
    switch (dtype) {
        case NpyDtype::I64:
            if (n > 0) std::memcpy(out.data(), p, out.size() * 8);
            break;
        case NpyDtype::I32:
            for (size_t i = 0; i < out.size(); ++i) out[i] = loadLE<int32_t>(p + 4 * i);
            break;
        case NpyDtype::U8:
            for (size_t i = 0; i < out.size(); ++i) out[i] = p[i];
            break;
        case NpyDtype::Bool:
            for (size_t i = 0; i < out.size(); ++i) out[i] = p[i] ? 1 : 0;
            break;
        default:
            throw Error(source, "descr", "expected an integer array, got " + npyDtypeName(dtype));
    }
    return out;
}

NpyArray parseNpy(const uint8_t* data, size_t size, const std::string& sourceName) {
    const std::string& src = sourceName;
    if (size < 6 || std::memcmp(data, kMagic, 6) != 0) {
        throw Error(src, "magic", "not a .npy file (it does not start with \\x93NUMPY)");
    }
    if (size < 8) throw Error(src, "version", "file ends inside the preamble (truncated)");
    const int major = data[6], minor = data[7];
    if ((major != 1 && major != 2 && major != 3) || minor != 0) {
        throw Error(src, "version",
                    "unsupported .npy format version " + std::to_string(major) + "." +
                        std::to_string(minor) + " (1.0, 2.0 and 3.0 are supported)");
    }
    const size_t lengthBytes = major == 1 ? 2 : 4;
    const size_t headerStart = 8 + lengthBytes;
    if (size < headerStart) {
        throw Error(src, "header length", "file ends inside the preamble (truncated)");
    }
    const uint64_t headerLength =
        major == 1 ? loadLE<uint16_t>(data + 8) : loadLE<uint32_t>(data + 8);
    if (headerLength > size - headerStart) {
        throw Error(src, "header length",
                    "header claims " + std::to_string(headerLength) + " bytes but only " +
                        std::to_string(size - headerStart) + " follow (truncated file?)");
    }
    const std::string_view text(reinterpret_cast<const char*>(data + headerStart),
                                static_cast<size_t>(headerLength));
    const NpyHeader header = parseNpyHeader(text, src);

    NpyArray array;
    array.source = src;
    array.dtype = dtypeFromDescr(header.descr, src);
    array.shape = header.shape;
    if (header.fortranOrder && array.shape.size() > 1) {
        throw Error(src, "fortran_order",
                    "Fortran order not supported; save with np.ascontiguousarray");
    }
    const uint64_t need =
        static_cast<uint64_t>(checkedByteCount(array.shape, npyItemSize(array.dtype), src));
    const size_t dataStart = headerStart + static_cast<size_t>(headerLength);
    const uint64_t have = size - dataStart;
    if (have != need) {
        throw Error(src, "data",
                    std::string(have < need ? "truncated: " : "trailing bytes: ") + "shape " +
                        shapeToString(array.shape) + " of " + npyDtypeName(array.dtype) +
                        " needs " + std::to_string(need) + " bytes of data, the file has " +
                        std::to_string(have));
    }
    array.bytes.assign(data + dataStart, data + size);
    return array;
}

NpyArray readNpy(const std::string& path) {
    const std::vector<uint8_t> bytes = readFileBytes(path);
    return parseNpy(bytes.data(), bytes.size(), path);
}

std::vector<uint8_t> serializeNpy(const NpyArray& array, const std::string& sourceName) {
    const std::string& source = sourceName.empty() ? array.source : sourceName;
    int64_t n = 0;
    checkPayload(array, source, &n);
    return serialize(array.shape, array.dtype, array.bytes.data(), source);
}

void writeNpy(const std::string& path, const std::vector<int64_t>& shape, const float* data) {
    writeTyped(path, shape, data, NpyDtype::F32);
}
void writeNpy(const std::string& path, const std::vector<int64_t>& shape, const uint8_t* data) {
    writeTyped(path, shape, data, NpyDtype::U8);
}
void writeNpy(const std::string& path, const std::vector<int64_t>& shape, const int64_t* data) {
    writeTyped(path, shape, data, NpyDtype::I64);
}
void writeNpy(const std::string& path, const std::vector<int64_t>& shape, const int32_t* data) {
    writeTyped(path, shape, data, NpyDtype::I32);
}
void writeNpy(const std::string& path, const NpyArray& array) {
    int64_t n = 0;
    checkPayload(array, path, &n);
    const auto image = serialize(array.shape, array.dtype, array.bytes.data(), path);
    writeFileAtomically(path, image.data(), image.size());
}

}  // namespace sparsescope
