// Shape and mask validation for the attention kernels. Every check runs before
// any buffer is indexed, so bad input throws instead of reading out of bounds.
#include "core/attention/attention_detail.h"
#include "core/common/error.h"

#include <string>

namespace sparsescope {

namespace {

std::string shapeText(int64_t rows, int64_t cols) {
    return "[" + std::to_string(rows) + ", " + std::to_string(cols) + "]";
}

}  // namespace

void validateMask(const SparseMask& mask, int64_t n, const char* field) {
    const std::string f = field;
    if (mask.n != n)
        throw Error("<input>", f,
                    "covers " + std::to_string(mask.n) + " tokens, expected " + std::to_string(n) +
                        " (the rows of Q, K and V)");
    if (n == 0 && mask.rowPtr.empty() && mask.cols.empty()) return;
    if (static_cast<int64_t>(mask.rowPtr.size()) != n + 1)
        throw Error("<input>", f + ".rowPtr",
                    "has " + std::to_string(mask.rowPtr.size()) +
                        " offsets, expected n + 1 = " + std::to_string(n + 1));
    if (mask.rowPtr.front() != 0) throw Error("<input>", f + ".rowPtr", "must start at 0");
    if (mask.rowPtr.back() != mask.keptPairs())
        throw Error("<input>", f + ".rowPtr",
                    "ends at " + std::to_string(mask.rowPtr.back()) + " but cols holds " +
                        std::to_string(mask.keptPairs()) + " entries");
    for (int64_t i = 0; i < n; ++i) {
        const int64_t b = mask.rowBegin(i), e = mask.rowEnd(i);
        if (e < b)
            throw Error("<input>", f + ".rowPtr",
                        "decreases at row " + std::to_string(i) + " (offsets must be monotone)");
        const int64_t limit = mask.causal ? i : n - 1;  // largest key row i may keep
        int64_t prev = -1;
        for (int64_t t = b; t < e; ++t) {
            const int64_t c = mask.cols[static_cast<size_t>(t)];
            if (c < 0 || c > limit)
                throw Error("<input>", f + ".cols",
                            "row " + std::to_string(i) + " keeps key " + std::to_string(c) +
                                ", expected 0.." + std::to_string(limit) +
                                (mask.causal ? " (causal: j <= i)" : ""));
            if (c <= prev)
                throw Error("<input>", f + ".cols",
                            "row " + std::to_string(i) + " is not strictly ascending (key " +
                                std::to_string(c) + " after " + std::to_string(prev) + ")");
            prev = c;
        }
    }
}

namespace detail {

HeadPtrs checkedHead(const ConstMapRM& q, const ConstMapRM& k, const ConstMapRM& v, MapRM& out) {
    const int64_t n = q.rows(), d = q.cols(), dv = v.cols();
    if (k.rows() != n || k.cols() != d)
        throw Error("<input>", "K",
                    "has shape " + shapeText(k.rows(), k.cols()) + ", expected " + shapeText(n, d) +
                        " (the shape of Q)");
    if (v.rows() != n)
        throw Error("<input>", "V",
                    "has " + std::to_string(v.rows()) + " rows, expected " + std::to_string(n) +
                        " (the rows of Q)");
    if (out.rows() != n || out.cols() != dv)
        throw Error(
            "<input>", "output",
            "has shape " + shapeText(out.rows(), out.cols()) + ", expected " + shapeText(n, dv));
    return HeadPtrs{q.data(), k.data(), v.data(), out.data(), n, d, dv};
}

void checkHeadTensors(const HeadTensor& q, const HeadTensor& k, const HeadTensor& v) {
    auto checkBuffer = [](const HeadTensor& t, const char* name) {
        if (t.heads < 0 || t.n < 0 || t.d < 0 ||
            static_cast<int64_t>(t.data.size()) != t.heads * t.n * t.d)
            throw Error("<input>", name,
                        "holds " + std::to_string(t.data.size()) + " values for shape [" +
                            std::to_string(t.heads) + ", " + std::to_string(t.n) + ", " +
                            std::to_string(t.d) + "]");
    };
    checkBuffer(q, "Q");
    checkBuffer(k, "K");
    checkBuffer(v, "V");
    auto shape = [](const HeadTensor& t) {
        return "[" + std::to_string(t.heads) + ", " + std::to_string(t.n) + ", " +
               std::to_string(t.d) + "]";
    };
    if (k.heads != q.heads || k.n != q.n || k.d != q.d)
        throw Error("<input>", "K",
                    "has shape " + shape(k) + ", expected " + shape(q) + " (the shape of Q)");
    if (v.heads != q.heads || v.n != q.n)
        throw Error("<input>", "V",
                    "has shape " + shape(v) + ", expected [" + std::to_string(q.heads) + ", " +
                        std::to_string(q.n) + ", dv] (heads and tokens of Q)");
}

void prepareOutput(const HeadTensor& q, const HeadTensor& k, const HeadTensor& v, HeadTensor& out) {
    if (&out == &q || &out == &k || &out == &v)
        throw Error("<input>", "output", "must not be one of Q, K, V");
    out.heads = q.heads;
    out.n = q.n;
    out.d = v.d;
    out.data.resize(static_cast<size_t>(q.heads * q.n * v.d));
}

HeadPtrs headOf(const HeadTensor& q, const HeadTensor& k, const HeadTensor& v, HeadTensor& out,
                int64_t head) {
    const int64_t n = q.n, d = q.d, dv = v.d;
    return HeadPtrs{q.data.data() + head * n * d,
                    k.data.data() + head * n * d,
                    v.data.data() + head * n * dv,
                    out.data.data() + head * n * dv,
                    n,
                    d,
                    dv};
}

}  // namespace detail
}  // namespace sparsescope
