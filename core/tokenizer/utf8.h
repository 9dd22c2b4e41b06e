#pragma once
// UTF-8 helpers and the GPT-2 byte <-> unicode map shared by the tokenizer parts.
// Every function is pure (no state) so the tokenizer stays re-entrant.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sparsescope::tok {

// Replaces every ill-formed sequence by U+FFFD using the "maximal subpart" rule of
// Unicode §3.9 (the one Python's errors="replace" and Rust's from_utf8_lossy use),
// so a decoded string compares equal to the reference implementations.
std::string sanitizeUtf8(std::string_view bytes);

// Decodes the code point starting at `pos` of valid UTF-8 and advances `pos`.
// On a malformed byte it returns U+FFFD and advances by one (never reads past the end).
char32_t nextCodePoint(std::string_view s, size_t& pos);

// Length in bytes of the UTF-8 sequence whose lead byte is `lead` (1 for stray bytes).
size_t utf8Length(unsigned char lead);

void appendUtf8(std::string& out, char32_t cp);
std::string toUtf8(char32_t cp);

// Unicode White_Space (what Rust's char::is_whitespace and Oniguruma's \s use).
bool isUnicodeWhitespace(char32_t cp);

// GPT-2's bytes_to_unicode(): printable bytes map to themselves, the other 68
// (0x00-0x20, 0x7F-0xA0, 0xAD) to U+0100.. in byte order, so every byte becomes a
// visible character and byte-level vocabularies are plain strings.
class ByteUnicodeMap {
public:
    ByteUnicodeMap();
    // UTF-8 encoding of the character that stands for byte b.
    const std::string& charOf(unsigned char b) const { return byteToUtf8_[b]; }
    // The byte a character stands for, if it is one of the 256 map characters.
    std::optional<unsigned char> byteOf(char32_t cp) const;

private:
    std::array<std::string, 256> byteToUtf8_;
    std::array<int16_t, 324> cpToByte_{};  // every map character is below U+0144
};

}  // namespace sparsescope::tok
