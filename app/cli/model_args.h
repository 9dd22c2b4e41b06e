#pragma once
// Options of the subcommands that run a model: --model DIR (the bundled default
// model when omitted), the text (--text-file F | --text S) or ids (--ids ids.npy),
// --max-tokens N.
#include "cli_args.h"
#include "core/model/model.h"
#include "core/model/model_input.h"

#include <memory>

namespace sparsescope::cli {

void addModelOptions(ArgParser& args, bool allowIds);
std::unique_ptr<Model> loadModelFromArgs(const ArgParser& args);
// Tokens to run; a truncation notice goes to stderr.
std::vector<int32_t> idsFromArgs(const ArgParser& args, const Model& model);
// --layers "0,2-4"; empty = all layers. Checked against the model.
std::vector<int> layersFromArgs(const ArgParser& args, const Model& model);

}  // namespace sparsescope::cli
