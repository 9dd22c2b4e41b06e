#pragma once
// The header of a .npy file is a Python dict literal, e.g.
//   {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }
// This parses exactly that subset (strings in ' or ", True/False, tuples of
// non-negative integers, optional trailing commas, spaces) without eval-like
// generality, so a hostile header cannot do more than fail with an Error.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sparsescope {

struct NpyHeader {
    std::string descr;
    bool fortranOrder = false;
    std::vector<int64_t> shape;
};

// Throws Error(source, field, problem): field is "header" for syntax problems, or
// the key ("descr", "fortran_order", "shape") whose value is wrong or missing.
NpyHeader parseNpyHeader(std::string_view text, const std::string& source);

}  // namespace sparsescope
