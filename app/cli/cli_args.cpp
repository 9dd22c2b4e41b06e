#include "cli_args.h"

#include <charconv>
#include <cstdio>
#include <sstream>

namespace sparsescope::cli {

ArgParser::ArgParser(std::string command, std::string summary)
    : command_(std::move(command)), summary_(std::move(summary)) {
    flag("--help", "show this help and exit");
}

void ArgParser::option(const std::string& name, const std::string& valueName,
                       const std::string& help) {
    order_.push_back(name);
    specs_[name] = {valueName, help, true};
}

void ArgParser::flag(const std::string& name, const std::string& help) {
    order_.push_back(name);
    specs_[name] = {"", help, false};
}

bool ArgParser::parse(int argc, char** argv) {
    for (int i = 0; i < argc; ++i) {
        std::string arg = argv[i];
        std::string value;
        bool inlineValue = false;
        if (auto eq = arg.find('='); arg.rfind("--", 0) == 0 && eq != std::string::npos) {
            value = arg.substr(eq + 1);
            arg = arg.substr(0, eq);
            inlineValue = true;
        }
        auto it = specs_.find(arg);
        if (it == specs_.end())
            throw UsageError("unknown option '" + arg + "' for '" + command_ + "' (see --help)");
        if (arg == "--help") {
            std::fputs(help().c_str(), stdout);
            return false;
        }
        if (it->second.takesValue) {
            if (!inlineValue) {
                if (i + 1 >= argc) throw UsageError("option " + arg + " needs a value");
                value = argv[++i];
            }
        } else if (inlineValue) {
            throw UsageError("option " + arg + " takes no value");
        }
        values_[arg] = value;
    }
    return true;
}

bool ArgParser::has(const std::string& name) const { return values_.count(name) > 0; }

std::string ArgParser::get(const std::string& name, const std::string& fallback) const {
    auto it = values_.find(name);
    return it == values_.end() ? fallback : it->second;
}

std::string ArgParser::require(const std::string& name) const {
    if (!has(name)) throw UsageError("'" + command_ + "' needs " + name + " (see --help)");
    return get(name);
}

namespace {
int64_t parseInt(const std::string& name, const std::string& text) {
    int64_t v = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || ptr != text.data() + text.size() || text.empty())
        throw UsageError("option " + name + " needs an integer, got '" + text + "'");
    return v;
}
}  // namespace

std::optional<int64_t> ArgParser::getInt(const std::string& name) const {
    if (!has(name)) return std::nullopt;
    return parseInt(name, get(name));
}

std::optional<double> ArgParser::getDouble(const std::string& name) const {
    if (!has(name)) return std::nullopt;
    const std::string text = get(name);
    try {
        size_t used = 0;
        double v = std::stod(text, &used);
        if (used != text.size()) throw std::invalid_argument(text);
        return v;
    } catch (const std::exception&) {
        throw UsageError("option " + name + " needs a number, got '" + text + "'");
    }
}

std::vector<int64_t> ArgParser::getIntList(const std::string& name) const {
    std::vector<int64_t> out;
    if (!has(name)) return out;
    std::stringstream ss(get(name));
    std::string part;
    while (std::getline(ss, part, ',')) {
        if (auto dash = part.find('-'); dash != std::string::npos && dash > 0) {
            const int64_t a = parseInt(name, part.substr(0, dash));
            const int64_t b = parseInt(name, part.substr(dash + 1));
            if (b < a || b - a > 1'000'000) throw UsageError("bad range '" + part + "' in " + name);
            for (int64_t v = a; v <= b; ++v) out.push_back(v);
        } else {
            out.push_back(parseInt(name, part));
        }
    }
    if (out.empty()) throw UsageError("option " + name + " needs a list of integers");
    return out;
}

std::string ArgParser::help() const {
    std::string out = "usage: sparsescope-cli " + command_ + " [options]\n\n" + summary_ + "\n\noptions:\n";
    for (const auto& name : order_) {
        const Spec& s = specs_.at(name);
        std::string left = "  " + name + (s.takesValue ? " " + s.valueName : "");
        if (left.size() < 26) left.resize(26, ' '); else left += "  ";
        out += left + s.help + "\n";
    }
    return out;
}

}  // namespace sparsescope::cli
