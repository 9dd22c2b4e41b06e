#pragma once
// A small declarative argument parser for the subcommands of sparsescope-cli.
// Bad usage throws UsageError (exit code 2); bad input throws sparsescope::Error (1).
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace sparsescope::cli {

struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

class ArgParser {
public:
    ArgParser(std::string command, std::string summary);

    // A flag taking a value ("--window 64") or a switch ("--json").
    void option(const std::string& name, const std::string& valueName, const std::string& help);
    void flag(const std::string& name, const std::string& help);

    // Returns false when --help was given (help already printed to stdout).
    bool parse(int argc, char** argv);

    bool has(const std::string& name) const;
    std::string get(const std::string& name, const std::string& fallback = "") const;
    std::string require(const std::string& name) const;
    std::optional<int64_t> getInt(const std::string& name) const;
    std::optional<double> getDouble(const std::string& name) const;
    std::vector<int64_t> getIntList(const std::string& name) const;  // "1,2,5-7"
    std::string help() const;

private:
    struct Spec {
        std::string valueName;
        std::string help;
        bool takesValue;
    };
    std::string command_, summary_;
    std::vector<std::string> order_;
    std::map<std::string, Spec> specs_;
    std::map<std::string, std::string> values_;
};

}  // namespace sparsescope::cli
