#pragma once
// The subcommands of sparsescope-cli. Each parses its own options (argv after the
// subcommand name), prints its result on stdout and returns the exit code;
// errors propagate as UsageError (2) or sparsescope::Error (1) to main().
namespace sparsescope::cli {

int runMask(int argc, char** argv);
int runAnalyze(int argc, char** argv);
int runTokenize(int argc, char** argv);
int runForward(int argc, char** argv);
int runEval(int argc, char** argv);
int runCost(int argc, char** argv);
int runSweep(int argc, char** argv);
int runWorkloads(int argc, char** argv);

}  // namespace sparsescope::cli
