#include "core/tokenizer/utf8.h"

namespace sparsescope::tok {

namespace {

// Well-formed sequences (Unicode Table 3-7): the lead byte fixes the length and
// the allowed range of the second byte; later bytes are always 80..BF.
struct LeadInfo {
    int length = 0;  // 0 = not a valid lead byte
    unsigned char lo = 0x80, hi = 0xBF;
};

LeadInfo leadInfo(unsigned char b) {
    if (b < 0x80) return {1};
    if (b >= 0xC2 && b <= 0xDF) return {2};
    if (b == 0xE0) return {3, 0xA0, 0xBF};
    if (b == 0xED) return {3, 0x80, 0x9F};
    if (b >= 0xE1 && b <= 0xEF) return {3};
    if (b == 0xF0) return {4, 0x90, 0xBF};
    if (b >= 0xF1 && b <= 0xF3) return {4};
    if (b == 0xF4) return {4, 0x80, 0x8F};
    return {0};
}

// Number of bytes of the maximal well-formed prefix at `pos` (== info.length when
// the whole sequence is valid).
int validPrefix(std::string_view s, size_t pos, const LeadInfo& info) {
    int n = 1;
    for (; n < info.length && pos + n < s.size(); ++n) {
        const auto c = static_cast<unsigned char>(s[pos + n]);
        const unsigned char lo = n == 1 ? info.lo : 0x80;
        const unsigned char hi = n == 1 ? info.hi : 0xBF;
        if (c < lo || c > hi) break;
    }
    return n;
}

}  // namespace

std::string sanitizeUtf8(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    size_t pos = 0;
    while (pos < s.size()) {
        const auto b = static_cast<unsigned char>(s[pos]);
        if (b < 0x80) {
            out.push_back(static_cast<char>(b));
            ++pos;
            continue;
        }
        const LeadInfo info = leadInfo(b);
        if (info.length == 0) {
            out += "\xEF\xBF\xBD";
            ++pos;
            continue;
        }
        const int n = validPrefix(s, pos, info);
        if (n == info.length) {
            out.append(s.substr(pos, n));
        } else {
            out += "\xEF\xBF\xBD";  // one replacement per maximal subpart
        }
        pos += n;
    }
    return out;
}

size_t utf8Length(unsigned char lead) {
    const int n = leadInfo(lead).length;
    return n == 0 ? 1 : static_cast<size_t>(n);
}

char32_t nextCodePoint(std::string_view s, size_t& pos) {
    const auto b = static_cast<unsigned char>(s[pos]);
    if (b < 0x80) {
        ++pos;
        return b;
    }
    const LeadInfo info = leadInfo(b);
    if (info.length == 0 || validPrefix(s, pos, info) != info.length) {
        ++pos;
        return 0xFFFD;
    }
    char32_t cp = info.length == 2 ? (b & 0x1F) : info.length == 3 ? (b & 0x0F) : (b & 0x07);
    for (int i = 1; i < info.length; ++i)
        cp = (cp << 6) | (static_cast<unsigned char>(s[pos + i]) & 0x3F);
    pos += info.length;
    return cp;
}

void appendUtf8(std::string& out, char32_t cp) {
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
}

std::string toUtf8(char32_t cp) {
    std::string s;
    appendUtf8(s, cp);
    return s;
}

bool isUnicodeWhitespace(char32_t c) {
    return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
           c == 0x205F || c == 0x3000;
}

ByteUnicodeMap::ByteUnicodeMap() {
    cpToByte_.fill(-1);
    char32_t next = 256;
    for (int b = 0; b < 256; ++b) {
        const bool printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
        const char32_t cp = printable ? static_cast<char32_t>(b) : next++;
        byteToUtf8_[b] = toUtf8(cp);
        cpToByte_[cp] = static_cast<int16_t>(b);
    }
}

std::optional<unsigned char> ByteUnicodeMap::byteOf(char32_t cp) const {
    if (cp >= cpToByte_.size() || cpToByte_[cp] < 0) return std::nullopt;
    return static_cast<unsigned char>(cpToByte_[cp]);
}

}  // namespace sparsescope::tok
