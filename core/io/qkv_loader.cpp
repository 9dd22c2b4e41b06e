#include "core/io/qkv_loader.h"

#include "core/common/error.h"
#include "core/io/npy.h"
#include "core/io/npz.h"

namespace sparsescope {

namespace {

// An [n, d] or [h, n, d] float32/float16 array as a HeadTensor. `source` names the
// file (and member) for errors; `what` is "q", "k" or "v".
HeadTensor toHeadTensor(const NpyArray& a, const std::string& source, const std::string& what) {
    if (a.dtype != NpyDtype::F32 && a.dtype != NpyDtype::F16) {
        throw Error(source, "dtype",
                    what + " must be float32 or float16, got " + npyDtypeName(a.dtype));
    }
    if (a.shape.size() != 2 && a.shape.size() != 3) {
        throw Error(source, "shape",
                    what + " must be [n, d] or [heads, n, d], got " + shapeToString(a.shape));
    }
    for (const int64_t dim : a.shape) {
        if (dim <= 0) {
            throw Error(source, "shape",
                        what + " has an empty dimension: " + shapeToString(a.shape));
        }
    }
    const bool oneHead = a.shape.size() == 2;
    HeadTensor t;
    t.heads = oneHead ? 1 : a.shape[0];
    t.n = a.shape[oneHead ? 0 : 1];
    t.d = a.shape[oneHead ? 1 : 2];
    t.data = a.toFloat32();
    return t;
}

std::string dims(const HeadTensor& t) {
    return "[" + std::to_string(t.heads) + ", " + std::to_string(t.n) + ", " + std::to_string(t.d) +
           "]";
}

void checkAgreement(const QkvSet& s, const std::string& kSource, const std::string& vSource) {
    if (s.k.heads != s.q.heads || s.k.n != s.q.n || s.k.d != s.q.d) {
        throw Error(kSource, "shape",
                    "k has shape " + dims(s.k) + " (heads, n, d) but q has " + dims(s.q) +
                        "; q and k must match exactly");
    }
    if (s.hasV && (s.v.heads != s.q.heads || s.v.n != s.q.n)) {
        throw Error(vSource, "shape",
                    "v has shape " + dims(s.v) + " (heads, n, d) but q has " + dims(s.q) +
                        "; v must have the same heads and tokens");
    }
}

}  // namespace

QkvSet loadQkv(const std::string& qPath, const std::string& kPath, const std::string& vPath) {
    QkvSet s;
    s.q = toHeadTensor(readNpy(qPath), qPath, "q");
    s.k = toHeadTensor(readNpy(kPath), kPath, "k");
    if (!vPath.empty()) {
        s.v = toHeadTensor(readNpy(vPath), vPath, "v");
        s.hasV = true;
    }
    checkAgreement(s, kPath, vPath);
    return s;
}

QkvSet loadQkvNpz(const std::string& npzPath) {
    const auto arrays = readNpz(npzPath);
    auto member = [&](const std::string& key) { return npzPath + " (member " + key + ")"; };
    for (const char* key : {"q", "k"}) {
        if (!arrays.count(key)) {
            std::string present;
            for (const auto& [name, array] : arrays)
                present += (present.empty() ? "" : ", ") + name;
            throw Error(npzPath, key,
                        std::string("missing array '") + key +
                            "' (the .npz needs arrays q and k, optionally v; it has: " +
                            (present.empty() ? "none" : present) + ")");
        }
    }
    QkvSet s;
    s.q = toHeadTensor(arrays.at("q"), member("q"), "q");
    s.k = toHeadTensor(arrays.at("k"), member("k"), "k");
    if (arrays.count("v")) {
        s.v = toHeadTensor(arrays.at("v"), member("v"), "v");
        s.hasV = true;
    }
    checkAgreement(s, member("k"), member("v"));
    return s;
}

}  // namespace sparsescope
