#include "core/tokenizer/normalizer.h"

#include "core/tokenizer/unicode_nfc.h"

namespace sparsescope::tok {

std::string replaceAll(std::string_view text, const Regex& pattern, const std::string& content) {
    const std::vector<Span> matches = pattern.findAll(text);
    if (matches.empty()) return std::string(text);
    std::string out;
    out.reserve(text.size());
    size_t prev = 0;
    for (const auto& [b, e] : matches) {
        out.append(text.substr(prev, b - prev));
        out += content;
        prev = e;
    }
    out.append(text.substr(prev));
    return out;
}

Normalizer Normalizer::fromJson(const Json& j, const JsonCtx& ctx) {
    Normalizer n;
    if (!j.is_null()) n.parseInto(j, ctx);
    return n;
}

void Normalizer::parseInto(const Json& j, const JsonCtx& ctx) {
    const std::string type = typeOf(j, ctx);
    if (type == "Sequence") {
        const Json& list = requireArray(j, "normalizers", ctx);
        for (size_t i = 0; i < list.size(); ++i) parseInto(list[i], ctx.child("normalizers").item(i));
    } else if (type == "NFC") {
        steps_.push_back({Kind::Nfc, {}, {}});
    } else if (type == "NFD") {
        steps_.push_back({Kind::Nfd, {}, {}});
    } else if (type == "Prepend") {
        steps_.push_back({Kind::Prepend, requireString(j, "prepend", ctx), {}});
    } else if (type == "Replace") {
        Step s{Kind::Replace, requireString(j, "content", ctx), {}};
        s.pattern.push_back(parsePattern(j, "pattern", ctx));
        steps_.push_back(std::move(s));
    } else if (type == "Strip") {
        Step s{Kind::Strip, {}, {}};
        s.left = optionalBool(j, "strip_left", true, ctx);
        s.right = optionalBool(j, "strip_right", true, ctx);
        steps_.push_back(std::move(s));
    } else if (type == "ByteLevel") {
        steps_.push_back({Kind::ByteLevel, {}, {}});
    } else {
        ctx.child("type").fail("unsupported normalizer '" + type +
                               "' (supported: NFC, NFD, Prepend, Replace, Strip, ByteLevel, Sequence)");
    }
}

namespace {

std::string strip(std::string_view s, bool left, bool right) {
    size_t b = 0, e = s.size();
    if (left) {
        while (b < e) {
            size_t p = b;
            if (!isUnicodeWhitespace(nextCodePoint(s, p))) break;
            b = p;
        }
    }
    if (right) {
        while (e > b) {
            size_t start = e - 1;  // step back to the lead byte of the last character
            while (start > b && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
            size_t p = start;
            if (!isUnicodeWhitespace(nextCodePoint(s, p))) break;
            e = start;
        }
    }
    return std::string(s.substr(b, e - b));
}

}  // namespace

std::string Normalizer::apply(std::string_view text) const {
    std::string s(text);
    for (const Step& step : steps_) {
        switch (step.kind) {
        case Kind::Nfc: s = toNfc(s); break;
        case Kind::Nfd: s = toNfd(s); break;
        case Kind::Prepend:
            if (!s.empty()) s = step.text + s;  // HF prepends nothing to an empty string
            break;
        case Kind::Replace: s = replaceAll(s, step.pattern.front(), step.text); break;
        case Kind::Strip: s = strip(s, step.left, step.right); break;
        case Kind::ByteLevel: {
            std::string out;
            out.reserve(s.size() * 2);
            for (unsigned char c : s) out += bytes_.charOf(c);
            s = std::move(out);
            break;
        }
        }
    }
    return s;
}

}  // namespace sparsescope::tok
