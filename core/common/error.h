#pragma once
// The one exception type of core/. It carries where the problem is (a file, or
// "<input>" for values that came from the command line or the GUI), which field
// or tensor is wrong, and what was expected, so every front end can say it plainly.
#include <stdexcept>
#include <string>

namespace sparsescope {

class Error : public std::runtime_error {
public:
    Error(std::string source, std::string field, std::string problem)
        : std::runtime_error(compose(source, field, problem)),
          source_(std::move(source)), field_(std::move(field)), problem_(std::move(problem)) {}

    const std::string& source() const { return source_; }
    const std::string& field() const { return field_; }
    const std::string& problem() const { return problem_; }

private:
    static std::string compose(const std::string& s, const std::string& f, const std::string& p) {
        std::string out = s;
        if (!f.empty()) out += (out.empty() ? "" : ": ") + f;
        out += (out.empty() ? "" : ": ") + p;
        return out;
    }
    std::string source_, field_, problem_;
};

}  // namespace sparsescope
