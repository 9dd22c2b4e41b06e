#pragma once
// Loads attention inputs saved from Python, e.g. with
//   np.save("q.npy", q.float().numpy())      # [n, d] or [h, n, d]
//   np.savez("qkv.npz", q=q, k=k, v=v)
// float32 or float16, C order. q and k must have the same shape; v (optional) the
// same heads and tokens (its head dim may differ). Violations throw Error naming the
// file and the problem.
#include <string>

#include "core/common/tensor.h"

namespace sparsescope {

struct QkvSet {
    HeadTensor q, k, v;  // [h, n, d]; v is empty when hasV is false
    bool hasV = false;
};

// vPath == "" means no V.
QkvSet loadQkv(const std::string& qPath, const std::string& kPath, const std::string& vPath);
// Members "q", "k" and optionally "v" of one .npz.
QkvSet loadQkvNpz(const std::string& npzPath);

}  // namespace sparsescope
