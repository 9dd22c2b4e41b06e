// Tokenizer parts: the SentencePiece/Llama-2 style (Metaspace, byte fallback, unk),
// other pre-tokenizers and decoders, and the Unicode building blocks (UTF-8 repair,
// NFC/NFD, the Oniguruma-compatible regex layer, HF split behaviours). Expected
// values are worked out by hand (or taken from the Unicode / HF documentation
// examples named next to them).
#include <QTest>

#include "core/tokenizer/pre_tokenizer.h"
#include "core/tokenizer/regex.h"
#include "core/tokenizer/tokenizer.h"
#include "core/tokenizer/unicode_nfc.h"
#include "core/tokenizer/utf8.h"
#include "core/tokenizer_fixtures.h"

using sparsescope::Tokenizer;
using namespace fixtures;
using Ids = std::vector<int32_t>;
Q_DECLARE_METATYPE(Ids)

namespace {

const std::string kBar = "\u2581";  // '▁'
const std::string kFffd = "\uFFFD";

// Characters h e l o = 260..263; merges ▁h=264, ll=265, ▁he=266, ▁hell=267, ▁hello=268.
MetaspaceSpec helloSpec() {
    MetaspaceSpec s;
    s.chars = {"h", "e", "l", "o"};
    s.merges = {{kBar, "h"}, {"l", "l"}, {kBar + "h", "e"}, {kBar + "he", "ll"}, {kBar + "hell", "o"}};
    return s;
}

json metaspacePre(const std::string& scheme) {
    return {{"type", "Metaspace"}, {"replacement", kBar}, {"prepend_scheme", scheme}, {"split", true}};
}

}  // namespace

class TestTokenizerParts : public QObject {
    Q_OBJECT
private slots:
    void llamaStyleEncodeDecode() {
        const Tokenizer t = load(metaspaceJson(helloSpec()));
        // "▁hello": ▁h r0, ll r1, ▁he r2, ▁hell r3, ▁hello r4.
        QCOMPARE(t.encode("hello"), (Ids{1, 268}));
        QCOMPARE(t.encode("hello", false), (Ids{268}));
        QCOMPARE(t.encode(""), (Ids{1}));
        QCOMPARE(t.encode("", false), (Ids{}));
        QCOMPARE(t.bosId(), std::optional<int32_t>(1));
        QCOMPARE(t.eosId(), std::optional<int32_t>(2));
        // "▁hi▁🙂": i -> <0x69> = 3+0x69; 🙂 = F0 9F 99 82 -> 3+each byte.
        const Ids hi{1, 264, 108, 259, 243, 162, 156, 133};
        QCOMPARE(t.encode("hi \xF0\x9F\x99\x82"), hi);
        QCOMPARE(t.decode(hi, true), std::string("hi \xF0\x9F\x99\x82"));
        QCOMPARE(t.decode(hi), std::string("<s> hi \xF0\x9F\x99\x82"));  // Strip only cuts a leading ' '
        // No pre-tokenizer: "▁he▁llo" is one word; (▁he,▁) and (▁,ll) are no merges.
        QCOMPARE(t.encode("he llo", false), (Ids{266, 259, 265, 263}));
        QCOMPARE(t.decode({266, 259, 265, 263}), std::string("he llo"));
    }

    void byteFallbackDecoding() {
        const Tokenizer t = load(metaspaceJson(helloSpec()));
        QCOMPARE(t.decode({3 + 0x0A}), std::string("\n"));
        QCOMPARE(t.decode({243}), kFffd);              // a lone lead byte
        QCOMPARE(t.decode({243, 162}), kFffd + kFffd);  // HF: one U+FFFD per byte of a bad run
        QCOMPARE(t.tokenText(264), std::string(" h"));
        QCOMPARE(t.tokenText(259), std::string(" "));
        QCOMPARE(t.tokenText(3 + 0x0A), std::string("\n"));
        QCOMPARE(t.tokenText(243), kFffd);
        QCOMPARE(t.tokenText(1), std::string("<s>"));
    }

    void unknownCharacters() {
        MetaspaceSpec s = helloSpec();
        s.byteFallback = false;
        // "▁hz": z is not in the vocabulary -> <unk> (0); ▁h merges.
        QCOMPARE(load(metaspaceJson(s)).encode("hz", false), (Ids{264, 0}));
        QCOMPARE(load(metaspaceJson(s)).encode("hzz", false), (Ids{264, 0, 0}));
        s.fuseUnk = true;
        QCOMPARE(load(metaspaceJson(s)).encode("hzz", false), (Ids{264, 0}));
    }

    void metaspacePrependScheme_data() {
        QTest::addColumn<QString>("scheme");
        QTest::addColumn<QString>("text");
        QTest::addColumn<Ids>("expected");
        // Words split before each '▁' (MergedWithNext).
        QTest::newRow("first, two words") << "first" << "hello hello" << Ids{268, 268};
        // The piece after <s> does not start the input: no '▁' with "first":
        // h e l l o -> only (l,l) merges.
        QTest::newRow("first after <s>") << "first" << "<s>hello" << Ids{1, 260, 261, 265, 263};
        QTest::newRow("always after <s>") << "always" << "<s>hello" << Ids{1, 268};
        QTest::newRow("never") << "never" << "hello" << Ids{260, 261, 265, 263};
        QTest::newRow("legacy add_prefix_space") << "legacy" << "<s>hello" << Ids{1, 268};
    }
    void metaspacePrependScheme() {
        QFETCH(QString, scheme);
        QFETCH(QString, text);
        QFETCH(Ids, expected);
        MetaspaceSpec s = helloSpec();
        s.normalizer = nullptr;
        s.postProcessor = nullptr;
        if (scheme == "legacy") {
            s.preTokenizer = {{"type", "Metaspace"}, {"replacement", kBar}, {"add_prefix_space", true}};
        } else {
            s.preTokenizer = metaspacePre(scheme.toStdString());
        }
        s.decoder = s.preTokenizer;
        const Tokenizer t = load(metaspaceJson(s));
        QCOMPARE(t.encode(text.toStdString()), expected);
    }

    void metaspaceDecoder() {
        MetaspaceSpec s = helloSpec();
        s.decoder = metaspacePre("always");
        QCOMPARE(load(metaspaceJson(s)).decode({268, 268}), std::string("hello hello"));
        s.decoder = metaspacePre("never");
        QCOMPARE(load(metaspaceJson(s)).decode({268, 268}), std::string(" hello hello"));
    }

    void digitsPreTokenizer() {
        for (bool individual : {false, true}) {
            ByteLevelSpec s;
            s.merges = {{"1", "2"}};  // 12 = 256
            s.preTokenizer = {{"type", "Sequence"},
                              {"pretokenizers", json::array({{{"type", "Digits"}, {"individual_digits", individual}},
                                                             {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", false}}})}};
            // Contiguous: "a" | "123" -> 12 3; individual: every digit alone.
            const Ids expected = individual ? Ids{'a', '1', '2', '3'} : Ids{'a', 256, '3'};
            QCOMPARE(load(byteLevelJson(s)).encode("a123"), expected);
        }
    }

    void suffixAndPrefixModels() {
        // end_of_word_suffix: the last character of a word carries "</w>".
        const json suffix = {{"pre_tokenizer", {{"type", "WhitespaceSplit"}}},
                             {"decoder", {{"type", "BPEDecoder"}, {"suffix", "</w>"}}},
                             {"model", {{"type", "BPE"}, {"end_of_word_suffix", "</w>"},
                                        {"vocab", {{"a", 0}, {"b", 1}, {"a</w>", 2}, {"b</w>", 3}, {"ab</w>", 4}}},
                                        {"merges", json::array({"#version: 0.2", "a b</w>"})}}}};
        const Tokenizer t = load(suffix);
        QCOMPARE(t.encode("ab b"), (Ids{4, 3}));
        QCOMPARE(t.decode({4, 3}), std::string("ab b"));
        // continuing_subword_prefix: non-initial characters carry "##"; the merge
        // result drops the prefix of its right part ("a" + "##b" -> "ab").
        const json prefix = {{"model", {{"type", "BPE"}, {"continuing_subword_prefix", "##"},
                                        {"vocab", {{"a", 0}, {"##b", 1}, {"ab", 2}}},
                                        {"merges", json::array({"a ##b"})}}}};
        QCOMPARE(load(prefix).encode("ab"), (Ids{2}));
        QCOMPARE(load(prefix).decode({0, 1}), std::string("a ##b"));  // no decoder: joined by spaces
    }

    void sanitizeUtf8_data() {
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<QByteArray>("expected");
        const QByteArray r = QByteArray::fromStdString(kFffd);
        QTest::newRow("valid") << QByteArray("h\xC3\xA9\xF0\x9F\x99\x82") << QByteArray("h\xC3\xA9\xF0\x9F\x99\x82");
        QTest::newRow("stray FF") << QByteArray("a\xFF") << "a" + r;
        QTest::newRow("cut 3-byte") << QByteArray("\xE2\x82") << r;
        QTest::newRow("cut then ASCII") << QByteArray("\xE2\x82" "A") << r + "A";
        QTest::newRow("cut 4-byte") << QByteArray("\xF0\x9F\x99x") << r + "x";
        QTest::newRow("overlong F0 80") << QByteArray("\xF0\x80\x80") << r + r + r;
        QTest::newRow("surrogate") << QByteArray("\xED\xA0\x80") << r + r + r;
        QTest::newRow("C0 lead") << QByteArray("\xC0\xAF") << r + r;
        QTest::newRow("above U+10FFFF") << QByteArray("\xF4\x90\x80\x80") << r + r + r + r;
    }
    void sanitizeUtf8() {
        QFETCH(QByteArray, input);
        QFETCH(QByteArray, expected);
        QCOMPARE(QByteArray::fromStdString(sparsescope::tok::sanitizeUtf8(input.toStdString())), expected);
    }

    void nfc_data() {
        QTest::addColumn<QString>("input");
        QTest::addColumn<QString>("nfc");
        QTest::addColumn<QString>("nfd");
        QTest::newRow("composed stays") << "\u00E9" << "\u00E9" << "e\u0301";
        QTest::newRow("e + acute") << "e\u0301" << "\u00E9" << "e\u0301";
        // UAX #15: d-dot-above + dot-below -> d-dot-below + dot-above (ccc 220 < 230).
        QTest::newRow("reorder") << "\u1E0B\u0323" << "\u1E0D\u0307" << "d\u0323\u0307";
        QTest::newRow("no composite") << "q\u0307\u0323" << "q\u0323\u0307" << "q\u0323\u0307";
        QTest::newRow("singleton") << "\u212B" << "\u00C5" << "A\u030A";
        QTest::newRow("exclusion") << "\u0958" << "\u0915\u093C" << "\u0915\u093C";
        QTest::newRow("two marks") << "A\u030A\u0301" << "\u01FA" << "A\u030A\u0301";
        QTest::newRow("hangul LVT") << "\u1100\u1161\u11A8" << "\uAC01" << "\u1100\u1161\u11A8";
        QTest::newRow("hangul LV+T") << "\uAC00\u11A8" << "\uAC01" << "\u1100\u1161\u11A8";
        QTest::newRow("leading mark") << "\u0301e" << "\u0301e" << "\u0301e";
        QTest::newRow("ascii") << "plain text" << "plain text" << "plain text";
    }
    void nfc() {
        QFETCH(QString, input);
        QFETCH(QString, nfc);
        QFETCH(QString, nfd);
        QCOMPARE(QString::fromStdString(sparsescope::tok::toNfc(input.toStdString())), nfc);
        QCOMPARE(QString::fromStdString(sparsescope::tok::toNfd(input.toStdString())), nfd);
        // Cross-check with Qt's own normalization (an independent implementation).
        QCOMPARE(input.normalized(QString::NormalizationForm_C), nfc);
    }

    void nfcMatchesQtOnRandomText() {
        // Random mixes of starters, composites, combining marks (several classes),
        // Hangul jamo and syllables, singletons and exclusions, checked against Qt.
        const std::vector<char32_t> pool = {
            'a', 'e', 'o', 'A', 'd', 'q', ' ', 0xE9, 0xC5, 0x1E0B, 0x0300, 0x0301, 0x0308, 0x0323,
            0x0327, 0x0307, 0x0345, 0x031B, 0x093C, 0x0915, 0x0958, 0x0BC6, 0x0BBE, 0x0BD7, 0x1100,
            0x1161, 0x11A8, 0xAC00, 0xAC01, 0x212B, 0x2126, 0x03B1, 0x0391, 0x1F00, 0x0313, 0x0342,
            0x3099, 0x304B, 0x30CF, 0x05D0, 0x05B7, 0xFB2E, 0x0F40, 0x0FB5, 0x0F71, 0x0F72, 0x0F80};
        uint32_t state = 12345;
        auto next = [&] { return state = state * 1664525u + 1013904223u; };
        for (int round = 0; round < 3000; ++round) {
            QString q;
            const int len = 1 + static_cast<int>(next() >> 28);
            for (int k = 0; k < len; ++k) {
                const char32_t cp = pool[(next() >> 8) % pool.size()];
                q += QString::fromUcs4(&cp, 1);
            }
            const std::string s = q.toStdString();
            QCOMPARE(QString::fromStdString(sparsescope::tok::toNfc(s)), q.normalized(QString::NormalizationForm_C));
            QCOMPARE(QString::fromStdString(sparsescope::tok::toNfd(s)), q.normalized(QString::NormalizationForm_D));
        }
    }

    void nfcNormalizerInTokenizer() {
        ByteLevelSpec s;
        s.normalizer = {{"type", "Sequence"}, {"normalizers", json::array({{{"type", "NFC"}}})}};
        const Tokenizer t = load(byteLevelJson(s));
        QCOMPARE(t.encode("e\xCC\x81"), (Ids{0xC3, 0xA9}));  // e + U+0301 -> U+00E9 = C3 A9
        QCOMPARE(t.encode("\xC3\xA9"), (Ids{0xC3, 0xA9}));
    }

    void regexOnigurumaSemantics() {
        using sparsescope::tok::Regex;
        using sparsescope::tok::Span;
        // Oniguruma's find_iter skips an empty match where the last match ended.
        const Regex star("a*", false, "<test>", "pattern");
        QCOMPARE(star.findAll("baac"), (std::vector<Span>{{0, 0}, {1, 3}, {4, 4}}));
        // \s is Unicode White_Space: U+0085 and U+3000 are, U+180E is not.
        const Regex ws("\\s", false, "<test>", "pattern");
        QCOMPARE(ws.findAll("\xC2\x85").size(), size_t(1));
        QCOMPARE(ws.findAll("\xE3\x80\x80").size(), size_t(1));
        QCOMPARE(ws.findAll("\xE1\xA0\x8E").size(), size_t(0));
        QVERIFY(Regex::onigurumaCompatible("[^\\s\\p{L}]").find("\\s") == std::string::npos);
        QCOMPARE(Regex::onigurumaCompatible("[]\\s]"), std::string("[]") + Regex::onigurumaCompatible("[\\s]").substr(1));
        // The GPT-2 pattern on a sample: " Hello" | " " | " world" | "!!" | "123".
        const Regex gpt2(sparsescope::tok::kGpt2Pattern, false, "<test>", "pattern");
        QCOMPARE(gpt2.findAll(" Hello  world!!123"),
                 (std::vector<Span>{{0, 6}, {6, 7}, {7, 13}, {13, 15}, {15, 18}}));
        const Regex literal("a.", true, "<test>", "pattern");
        QCOMPARE(literal.findAll("a.aXa."), (std::vector<Span>{{0, 2}, {4, 6}}));
    }

    void splitBehaviors_data() {
        QTest::addColumn<int>("behavior");
        QTest::addColumn<QStringList>("expected");
        using B = sparsescope::tok::SplitBehavior;
        // The examples of HF's SplitDelimiterBehavior docs, "the-final--countdown" on '-'.
        QTest::newRow("Removed") << int(B::Removed) << QStringList{"the", "final", "countdown"};
        QTest::newRow("Isolated") << int(B::Isolated) << QStringList{"the", "-", "final", "-", "-", "countdown"};
        QTest::newRow("MergedWithPrevious") << int(B::MergedWithPrevious) << QStringList{"the-", "final-", "-", "countdown"};
        QTest::newRow("MergedWithNext") << int(B::MergedWithNext) << QStringList{"the", "-final", "-", "-countdown"};
        QTest::newRow("Contiguous") << int(B::Contiguous) << QStringList{"the", "-", "final", "--", "countdown"};
    }
    void splitBehaviors() {
        QFETCH(int, behavior);
        QFETCH(QStringList, expected);
        const std::string text = "the-final--countdown";
        const sparsescope::tok::Regex dash("-", true, "<test>", "pattern");
        const auto spans = sparsescope::tok::applyBehavior(
            sparsescope::tok::segmentsFromMatches(text.size(), dash.findAll(text)),
            static_cast<sparsescope::tok::SplitBehavior>(behavior));
        QStringList got;
        for (const auto& [b, e] : spans) got << QString::fromStdString(text.substr(b, e - b));
        QCOMPARE(got, expected);
    }
};

QTEST_APPLESS_MAIN(TestTokenizerParts)
#include "test_tokenizer_parts.moc"
