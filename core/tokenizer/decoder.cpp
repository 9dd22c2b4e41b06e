#include "core/tokenizer/decoder.h"

#include "core/tokenizer/normalizer.h"

namespace sparsescope::tok {

Decoder Decoder::fromJson(const Json& j, const JsonCtx& ctx) {
    Decoder d;
    if (!j.is_null()) {
        d.present_ = true;
        d.parseInto(j, ctx);
    }
    return d;
}

namespace {

size_t optionalCount(const Json& j, const char* key, const JsonCtx& ctx) {
    if (!j.contains(key) || j[key].is_null()) return 0;
    return static_cast<size_t>(requireInteger(j[key], ctx.child(key), 0, 1 << 20));
}

std::string singleChar(const Json& j, const char* key, const JsonCtx& ctx) {
    const std::string s = requireString(j, key, ctx);
    size_t pos = 0;
    if (s.empty() || (nextCodePoint(s, pos), pos != s.size())) ctx.child(key).fail("expected exactly one character");
    return s;
}

std::vector<std::string> chars(const std::string& s) {
    std::vector<std::string> out;
    for (size_t pos = 0; pos < s.size();) {
        const size_t b = pos;
        nextCodePoint(s, pos);
        out.push_back(s.substr(b, pos - b));
    }
    return out;
}

// "<0xNN>" -> the byte (HF: six characters, two hex digits parsed by from_str_radix).
bool parseByteToken(const std::string& t, unsigned char& byte) {
    if (t.size() != 6 || t.compare(0, 3, "<0x") != 0 || t[5] != '>') return false;
    int v = 0;
    for (int i = 3; i < 5; ++i) {
        const char c = t[i];
        const int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                      : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0) return false;
        v = v * 16 + d;
    }
    byte = static_cast<unsigned char>(v);
    return true;
}

bool isValidUtf8(const std::string& s) { return sanitizeUtf8(s) == s; }

}  // namespace

void Decoder::parseInto(const Json& j, const JsonCtx& ctx) {
    const std::string type = typeOf(j, ctx);
    if (type == "Sequence") {
        const Json& list = requireArray(j, "decoders", ctx);
        for (size_t i = 0; i < list.size(); ++i) parseInto(list[i], ctx.child("decoders").item(i));
    } else if (type == "ByteLevel") {
        steps_.push_back({Kind::ByteLevel, {}, {}});
    } else if (type == "Metaspace") {
        Step s{Kind::Metaspace, singleChar(j, "replacement", ctx), {}};
        s.dropFirst = optionalBool(j, "add_prefix_space", true, ctx);
        const std::string scheme = optionalString(j, "prepend_scheme", "", ctx);
        if (scheme == "never") s.dropFirst = false;
        else if (scheme == "first" || scheme == "always") s.dropFirst = true;
        else if (!scheme.empty()) ctx.child("prepend_scheme").fail("expected first, always or never");
        steps_.push_back(std::move(s));
    } else if (type == "ByteFallback") {
        steps_.push_back({Kind::ByteFallback, {}, {}});
    } else if (type == "Fuse") {
        steps_.push_back({Kind::Fuse, {}, {}});
    } else if (type == "Strip") {
        Step s{Kind::Strip, singleChar(j, "content", ctx), {}};
        s.start = optionalCount(j, "start", ctx);
        s.stop = optionalCount(j, "stop", ctx);
        steps_.push_back(std::move(s));
    } else if (type == "Replace") {
        Step s{Kind::Replace, requireString(j, "content", ctx), {}};
        s.pattern.push_back(parsePattern(j, "pattern", ctx));
        steps_.push_back(std::move(s));
    } else if (type == "BPEDecoder") {
        steps_.push_back({Kind::BpeSuffix, optionalString(j, "suffix", "</w>", ctx), {}});
    } else {
        ctx.child("type").fail("unsupported decoder '" + type +
                               "' (supported: ByteLevel, Metaspace, ByteFallback, Fuse, Strip, "
                               "Replace, BPEDecoder, Sequence)");
    }
}

void Decoder::run(std::vector<std::string>& tokens, bool forDisplay) const {
    for (const Step& step : steps_) {
        switch (step.kind) {
        case Kind::ByteLevel: {
            // Every token back to bytes (a token with a character outside the map
            // keeps its own UTF-8), then one lossy UTF-8 decode of the whole.
            std::string bytes;
            for (const std::string& t : tokens) {
                std::string mapped;
                bool ok = true;
                for (size_t pos = 0; pos < t.size() && ok;) {
                    const auto b = bytes_.byteOf(nextCodePoint(t, pos));
                    if (b) mapped.push_back(static_cast<char>(*b));
                    else ok = false;
                }
                bytes += ok ? mapped : t;
            }
            tokens = {sanitizeUtf8(bytes)};
            break;
        }
        case Kind::Metaspace:
            for (size_t i = 0; i < tokens.size(); ++i) {
                std::string out;
                for (const std::string& c : chars(tokens[i])) {
                    if (c != step.text) out += c;
                    else if (forDisplay || i != 0 || !step.dropFirst) out += ' ';
                }
                tokens[i] = std::move(out);
            }
            break;
        case Kind::ByteFallback: {
            std::vector<std::string> out;
            std::string pending;
            auto flush = [&] {
                if (pending.empty()) return;
                if (isValidUtf8(pending)) out.push_back(pending);
                else
                    for (size_t k = 0; k < pending.size(); ++k) out.push_back("\xEF\xBF\xBD");
                pending.clear();
            };
            for (std::string& t : tokens) {
                unsigned char b = 0;
                if (parseByteToken(t, b)) {
                    pending.push_back(static_cast<char>(b));
                } else {
                    flush();
                    out.push_back(std::move(t));
                }
            }
            flush();
            tokens = std::move(out);
            break;
        }
        case Kind::Fuse: {
            std::string all;
            for (const std::string& t : tokens) all += t;
            tokens = {std::move(all)};
            break;
        }
        case Kind::Strip:
            if (forDisplay) break;
            for (std::string& t : tokens) {
                const std::vector<std::string> cs = chars(t);
                size_t b = 0, e = cs.size();
                while (b < step.start && b < e && cs[b] == step.text) ++b;
                for (size_t k = 0; k < step.stop && e > b && cs[e - 1] == step.text; ++k) --e;
                std::string out;
                for (size_t k = b; k < e; ++k) out += cs[k];
                t = std::move(out);
            }
            break;
        case Kind::Replace:
            for (std::string& t : tokens) t = replaceAll(t, step.pattern.front(), step.text);
            break;
        case Kind::BpeSuffix:
            for (size_t i = 0; i < tokens.size(); ++i) {
                const bool last = i + 1 == tokens.size() && !forDisplay;
                tokens[i] = replaceAll(tokens[i], Regex(step.text, true, "", ""), last ? "" : " ");
            }
            break;
        }
    }
}

std::string Decoder::decode(std::vector<std::string> tokens) const {
    std::string out;
    if (!present_) {
        for (size_t i = 0; i < tokens.size(); ++i) out += (i ? " " : "") + tokens[i];
        return out;
    }
    run(tokens, false);
    for (const std::string& t : tokens) out += t;
    return out;
}

std::string Decoder::display(const std::string& token) const {
    std::vector<std::string> tokens{token};
    run(tokens, true);
    std::string out;
    for (const std::string& t : tokens) out += t;
    return sanitizeUtf8(out);
}

}  // namespace sparsescope::tok
