// sparsescope-cli: the headless front end of the engine in core/.
// Exit codes: 0 success, 1 bad input (message names the file and the problem),
// 2 bad usage.
#include "cli_args.h"
#include "commands.h"
#include "core/common/error.h"

#include <cstdio>
#include <cstring>
#include <exception>
#include <string>

namespace {

struct Command {
    const char* name;
    const char* summary;
    int (*run)(int, char**);
};

const Command kCommands[] = {
    {"mask", "write the kept/dropped mask of a pattern as a uint8 [n,n] .npy",
     sparsescope::cli::runMask},
    {"analyze", "metrics of a pattern on Q/K(/V) tensors: density, recall, KL, FLOPs, ...",
     sparsescope::cli::runAnalyze},
    {"tokenize", "tokenize a text with a model's tokenizer; ids as int64 .npy",
     sparsescope::cli::runTokenize},
    {"forward", "run a model (dense or with a pattern); logits and attention as .npy",
     sparsescope::cli::runForward},
    {"eval", "model-level accuracy of a pattern: loss dense vs sparse, top-1 agreement",
     sparsescope::cli::runEval},
    {"cost", "closed-form cost of a pattern per context: KV reads, FLOPs, roofline estimates",
     sparsescope::cli::runCost},
    {"sweep", "step one pattern parameter over values: metrics per value (CSV/JSON), Pareto data",
     sparsescope::cli::runSweep},
    {"workloads", "one pattern on every bundled sample or a folder: recall, loss, passkey retrieval",
     sparsescope::cli::runWorkloads},
};

void printUsage(std::FILE* out) {
    std::fputs("usage: sparsescope-cli <command> [options]\n\ncommands:\n", out);
    for (const auto& c : kCommands) std::fprintf(out, "  %-10s %s\n", c.name, c.summary);
    std::fputs("\n'sparsescope-cli <command> --help' describes a command's options.\n", out);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        printUsage(stderr);
        return 2;
    }
    const std::string name = argv[1];
    if (name == "--help" || name == "-h" || name == "help") {
        printUsage(stdout);
        return 0;
    }
    for (const auto& c : kCommands) {
        if (name != c.name) continue;
        try {
            return c.run(argc - 2, argv + 2);
        } catch (const sparsescope::cli::UsageError& e) {
            std::fprintf(stderr, "sparsescope-cli %s: %s\n", c.name, e.what());
            return 2;
        } catch (const sparsescope::Error& e) {
            std::fprintf(stderr, "sparsescope-cli %s: error: %s\n", c.name, e.what());
            return 1;
        } catch (const std::bad_alloc&) {
            std::fprintf(stderr, "sparsescope-cli %s: error: out of memory\n", c.name);
            return 1;
        } catch (const std::exception& e) {
            std::fprintf(stderr, "sparsescope-cli %s: error: %s\n", c.name, e.what());
            return 1;
        }
    }
    std::fprintf(stderr, "sparsescope-cli: unknown command '%s'\n\n", name.c_str());
    printUsage(stderr);
    return 2;
}
