#pragma once
// Where the Q/K/V of a command come from: --q/--k/--v .npy files or --qkv file.npz
// (members q, k, v).
#include "cli_args.h"
#include "core/io/qkv_loader.h"

namespace sparsescope::cli {

void addQkvOptions(ArgParser& args, bool withModel);
bool hasQkvArgs(const ArgParser& args);
QkvSet loadQkvFromArgs(const ArgParser& args, bool needV);

}  // namespace sparsescope::cli
