#include "core/io/npy_header.h"

#include <limits>
#include <optional>

#include "core/common/error.h"

namespace sparsescope {

namespace {

// Recursive-descent reader over the header text. Every method either consumes what
// it expects or throws; positions never run past the end of the view.
class HeaderReader {
public:
    HeaderReader(std::string_view text, const std::string& source) : text_(text), source_(source) {}

    NpyHeader read() {
        std::optional<std::string> descr;
        std::optional<bool> fortran;
        std::optional<std::vector<int64_t>> shape;

        expect('{', "the header must be a dict starting with '{'");
        skipSpace();
        while (peek() != '}') {
            if (pos_ >= text_.size()) fail("header", "the header dict is not closed with '}'");
            const std::string key = readString("header", "expected a quoted key");
            skipSpace();
            expect(':', "expected ':' after key '" + key + "'");
            skipSpace();
            if (key == "descr") {
                if (descr) duplicate(key);
                if (peek() == '[') fail("descr", "structured dtypes are not supported");
                descr = readString("descr", "expected a dtype string such as '<f4'");
            } else if (key == "fortran_order") {
                if (fortran) duplicate(key);
                fortran = readBool("fortran_order");
            } else if (key == "shape") {
                if (shape) duplicate(key);
                shape = readShape();
            } else {
                fail("header", "unexpected key '" + key +
                                   "' (a .npy header holds only descr, fortran_order, shape)");
            }
            skipSpace();
            if (peek() == ',') {
                ++pos_;
                skipSpace();
            } else if (pos_ >= text_.size()) {
                fail("header", "the header dict is not closed with '}'");
            } else if (peek() != '}') {
                fail("header", "expected ',' or '}' after the value of '" + key + "'");
            }
        }
        ++pos_;  // '}'
        skipSpace();
        if (pos_ != text_.size()) fail("header", "unexpected text after the closing '}'");

        if (!descr) fail("descr", "missing key 'descr' in the header");
        if (!fortran) fail("fortran_order", "missing key 'fortran_order' in the header");
        if (!shape) fail("shape", "missing key 'shape' in the header");
        return NpyHeader{*descr, *fortran, *shape};
    }

private:
    [[noreturn]] void fail(const std::string& field, const std::string& problem) const {
        throw Error(source_, field, problem);
    }
    [[noreturn]] void duplicate(const std::string& key) const {
        fail(key, "key '" + key + "' appears twice in the header");
    }

    // '\0' stands for "end of header"; a real NUL inside the text is rejected by
    // every caller since none of them accepts it.
    char peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }

    void skipSpace() {
        while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\n' ||
                                       text_[pos_] == '\t' || text_[pos_] == '\r'))
            ++pos_;
    }

    void expect(char c, const std::string& problem) {
        if (peek() != c || pos_ >= text_.size()) fail("header", problem);
        ++pos_;
    }

    std::string readString(const std::string& field, const std::string& problem) {
        const char quote = peek();
        if (quote != '\'' && quote != '"') fail(field, problem);
        ++pos_;
        std::string out;
        while (pos_ < text_.size() && text_[pos_] != quote) {
            if (text_[pos_] == '\\' || text_[pos_] == '\n') {
                fail(field, "escapes and line breaks are not allowed in header strings");
            }
            out += text_[pos_++];
        }
        if (pos_ >= text_.size()) fail(field, "unterminated string in the header");
        ++pos_;
        return out;
    }

    bool readBool(const std::string& field) {
        if (text_.substr(pos_, 4) == "True") {
            pos_ += 4;
            return true;
        }
        if (text_.substr(pos_, 5) == "False") {
            pos_ += 5;
            return false;
        }
        fail(field, "expected True or False");
    }

    std::vector<int64_t> readShape() {
        if (peek() != '(') fail("shape", "expected a tuple such as (3, 4)");
        ++pos_;
        std::vector<int64_t> dims;
        skipSpace();
        while (peek() != ')') {
            if (pos_ >= text_.size()) fail("shape", "the shape tuple is not closed with ')'");
            dims.push_back(readDimension());
            skipSpace();
            if (peek() == ',') {
                ++pos_;
                skipSpace();
            } else if (pos_ >= text_.size()) {
                fail("shape", "the shape tuple is not closed with ')'");
            } else if (peek() != ')') {
                fail("shape", "expected ',' or ')' in the shape tuple");
            }
            if (dims.size() > 64) fail("shape", "more than 64 dimensions");
        }
        ++pos_;  // ')'
        return dims;
    }

    int64_t readDimension() {
        if (peek() == '-') fail("shape", "negative dimension");
        if (peek() < '0' || peek() > '9') fail("shape", "expected a non-negative integer");
        int64_t value = 0;
        constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
        while (peek() >= '0' && peek() <= '9') {
            const int digit = peek() - '0';
            if (value > (kMax - digit) / 10) fail("shape", "dimension does not fit in 64 bits");
            value = value * 10 + digit;
            ++pos_;
        }
        if (peek() == 'L') ++pos_;  // Python 2 long suffix, written by old NumPy
        return value;
    }

    std::string_view text_;
    const std::string& source_;
    size_t pos_ = 0;
};

}  // namespace

NpyHeader parseNpyHeader(std::string_view text, const std::string& source) {
    return HeaderReader(text, source).read();
}

}  // namespace sparsescope
