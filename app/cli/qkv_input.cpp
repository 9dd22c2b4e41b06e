#include "qkv_input.h"

namespace sparsescope::cli {

void addQkvOptions(ArgParser& a, bool /*withModel*/) {
    a.option("--q", "Q.npy", "queries, float32/float16 [n,d] or [h,n,d]");
    a.option("--k", "K.npy", "keys, same shape as Q");
    a.option("--v", "V.npy", "values [n,dv] or [h,n,dv] (optional: enables output error)");
    a.option("--qkv", "F.npz", "Q, K (and V) as members q, k, v of one .npz");
}

bool hasQkvArgs(const ArgParser& a) { return a.has("--q") || a.has("--k") || a.has("--qkv"); }

QkvSet loadQkvFromArgs(const ArgParser& a, bool needV) {
    QkvSet set;
    if (a.has("--qkv")) {
        if (a.has("--q") || a.has("--k") || a.has("--v"))
            throw UsageError("give either --qkv or --q/--k/--v, not both");
        set = loadQkvNpz(a.get("--qkv"));
    } else {
        set = loadQkv(a.require("--q"), a.require("--k"), a.get("--v"));
    }
    if (needV && !set.hasV) throw UsageError("this command needs V (--v or a member v in --qkv)");
    return set;
}

}  // namespace sparsescope::cli
