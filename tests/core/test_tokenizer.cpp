// Tokenizer tests on hand-built tokenizer.json documents. Every expected id list
// is worked out by hand in the comment next to it from the merge ranks (lower
// rank merges first, leftmost first on ties) and GPT-2's byte map.
#include <QElapsedTimer>
#include <QTest>

#include <thread>

#include "core/common/error.h"
#include "core/tokenizer/tokenizer.h"
#include "core/tokenizer_fixtures.h"

using sparsescope::Error;
using sparsescope::Tokenizer;
using namespace fixtures;
using Ids = std::vector<int32_t>;
Q_DECLARE_METATYPE(Ids)

namespace {

const std::string G = gpt2ByteChars()[' '];  // 'Ġ' stands for the space byte
const std::string C = gpt2ByteChars()['\n'];  // 'Ċ'

// "Hello world" merges: ranks 0..7 give ids 256..263.
ByteLevelSpec helloSpec() {
    ByteLevelSpec s;
    s.merges = {{G, "w"}, {"o", "r"}, {"l", "d"}, {G + "w", "or"}, {G + "wor", "ld"}, {"H", "e"}, {"l", "l"}, {"He", "ll"}};
    return s;
}

QString show(const Ids& ids) {
    QStringList parts;
    for (int32_t id : ids) parts << QString::number(id);
    return "[" + parts.join(",") + "]";
}

}  // namespace

class TestTokenizer : public QObject {
    Q_OBJECT
private slots:
    void byteMapTranscription() {
        QCOMPARE(QString::fromStdString(G), QString(QChar(0x0120)));
        QCOMPARE(QString::fromStdString(C), QString(QChar(0x010A)));
        QCOMPARE(QString::fromStdString(gpt2ByteChars()[0xAD]), QString(QChar(0x0143)));  // last of the 68
    }

    void helloWorld() {
        for (bool pairs : {false, true}) {
            ByteLevelSpec s = helloSpec();
            s.mergesAsPairs = pairs;
            const Tokenizer t = load(byteLevelJson(s));
            // "Hello" -> H e l l o: (H,e) r5 -> He; (l,l) r6 -> ll; (He,ll) r7 -> Hell: [263, 'o'].
            // " world" -> Ġworld: Ġw r0, or r1, ld r2, Ġwor r3, Ġworld r4: [260].
            QCOMPARE(t.encode("Hello world"), (Ids{263, 111, 260}));
            QCOMPARE(t.decode({263, 111, 260}), std::string("Hello world"));
            QCOMPARE(t.vocabSize(), 264);
            QCOMPARE(t.idOf(G + "world"), std::optional<int32_t>(260));
            QCOMPARE(t.tokenText(260), std::string(" world"));
        }
    }

    void mergeOrder_data() {
        QTest::addColumn<QStringList>("merges");  // "a b" per merge, ranks in order
        QTest::addColumn<QString>("text");
        QTest::addColumn<Ids>("expected");
        // ab=256, bc=257: (a,b) r0 first, then (ab,c) is no merge.
        QTest::newRow("ab first") << QStringList{"a b", "b c"} << "abc" << Ids{256, 'c'};
        // bc=256, ab=257: (b,c) r0 first, then (a,bc) is no merge.
        QTest::newRow("bc first") << QStringList{"b c", "a b"} << "abc" << Ids{'a', 256};
        // Equal rank: the leftmost pair merges first.
        QTest::newRow("leftmost tie") << QStringList{"a a"} << "aaa" << Ids{256, 'a'};
        // aa=256 twice (positions 0 and 2), then (aa,aa) r1 -> aaaa=257.
        QTest::newRow("chain") << QStringList{"a a", "aa aa"} << "aaaa" << Ids{257};
        // ab r0 consumes b, so bc r1 is stale; cd r2 still applies: [ab, cd].
        QTest::newRow("stale pair") << QStringList{"a b", "b c", "c d"} << "abcd" << Ids{256, 258};
    }
    void mergeOrder() {
        QFETCH(QStringList, merges);
        QFETCH(QString, text);
        QFETCH(Ids, expected);
        ByteLevelSpec s;
        for (const QString& m : merges) s.merges.emplace_back(m.section(' ', 0, 0).toStdString(), m.section(' ', 1, 1).toStdString());
        QCOMPARE(load(byteLevelJson(s)).encode(text.toStdString()), expected);
    }

    void gpt2Regex_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<Ids>("expected");
        // Merges: ĠĠ=256 (r0), Ġb=257, t'=258, it=259, 's=260.
        // "a  b" -> "a" | " " | " b" (\s+(?!\S) leaves the last space to the word):
        // one whole word would have given ĠĠ first.
        QTest::newRow("space run") << "a  b" << Ids{'a', ' ', 257};
        QTest::newRow("trailing spaces") << "a  " << Ids{'a', 256};
        // "it's" -> "it" | "'s"; as one word (t,') r2 would win over (i,t) r3.
        QTest::newRow("contraction") << "it's" << Ids{259, 260};
        QTest::newRow("digits apart from letters") << "b12" << Ids{'b', '1', '2'};
        QTest::newRow("two byte char") << QString::fromUtf8("\xC3\xA9") << Ids{0xC3, 0xA9};
        QTest::newRow("emoji") << QString::fromUtf8("\xF0\x9F\x99\x82") << Ids{0xF0, 0x9F, 0x99, 0x82};
        QTest::newRow("newlines") << "a\n\nb" << Ids{'a', '\n', '\n', 'b'};
        QTest::newRow("empty") << "" << Ids{};
    }
    void gpt2Regex() {
        QFETCH(QString, text);
        QFETCH(Ids, expected);
        ByteLevelSpec s;
        s.merges = {{G, G}, {G, "b"}, {"t", "'"}, {"i", "t"}, {"'", "s"}};
        const Tokenizer t = load(byteLevelJson(s));
        const std::string utf8Text = text.toStdString();
        const Ids ids = t.encode(utf8Text);
        QVERIFY2(ids == expected, qPrintable(show(ids)));
        QCOMPARE(t.decode(ids), utf8Text);
    }

    void invalidUtf8BecomesReplacement() {
        const Tokenizer t = load(byteLevelJson({}));
        // 0xFF -> U+FFFD = EF BF BD; the truncated "\xE2\x82" -> one U+FFFD.
        QCOMPARE(t.encode(std::string("a\xFF" "b")), (Ids{'a', 0xEF, 0xBF, 0xBD, 'b'}));
        QCOMPARE(t.encode(std::string("\xE2\x82")), (Ids{0xEF, 0xBF, 0xBD}));
        QCOMPARE(t.encode(std::string("x\0y", 3)), (Ids{'x', 0, 'y'}));
        // Decoding a cut multi-byte character gives U+FFFD, as from_utf8_lossy does.
        QCOMPARE(t.decode({0xF0, 0x9F}), std::string("\xEF\xBF\xBD"));
        QCOMPARE(t.tokenText(0xF0), std::string("\xEF\xBF\xBD"));
        QCOMPARE(t.decode({99999, 'a'}), std::string("a"));  // unknown ids are skipped
        QCOMPARE(t.tokenText(99999), std::string());
    }

    void addPrefixSpacePerPiece() {
        ByteLevelSpec s = helloSpec();
        s.preTokenizer["add_prefix_space"] = true;
        s.added = json::array({addedToken(300, "<|endoftext|>", true)});
        const Tokenizer t = load(byteLevelJson(s));
        // " Hello" -> Ġ He ll -> Hell, o: no (Ġ,H) merge.
        QCOMPARE(t.encode("Hello"), (Ids{' ', 263, 'o'}));
        QCOMPARE(t.decode({' ', 263, 'o'}), std::string(" Hello"));
        // Each piece around an added token gets its own prefix space (HF behaviour).
        QCOMPARE(t.encode("a<|endoftext|>b"), (Ids{' ', 'a', 300, ' ', 'b'}));
    }

    void addedTokens() {
        ByteLevelSpec s;
        s.added = json::array({addedToken(300, "<|endoftext|>", true),
                               addedToken(301, "<a>", false), addedToken(302, "<a><b>", false),
                               addedToken(303, "<mask>", true, false, /*lstrip*/ true),
                               addedToken(304, "<m2>", true),
                               addedToken(305, "<r>", true, false, false, /*rstrip*/ true),
                               addedToken(306, "cat", false, false, false, false, /*single_word*/ true)});
        const Tokenizer t = load(byteLevelJson(s));
        QCOMPARE(t.encode("a<|endoftext|>b"), (Ids{'a', 300, 'b'}));
        QCOMPARE(t.decode({'a', 300, 'b'}), std::string("a<|endoftext|>b"));
        QCOMPARE(t.decode({'a', 300, 'b'}, true), std::string("ab"));
        QCOMPARE(t.decode({'a', 301, 'b'}, true), std::string("a<a>b"));  // not special: kept
        QCOMPARE(t.encode("x<a><b>"), (Ids{'x', 302}));  // leftmost-longest
        QCOMPARE(t.encode("<a>y"), (Ids{301, 'y'}));
        QCOMPARE(t.encode("a <mask>"), (Ids{'a', 303}));     // lstrip takes the space
        QCOMPARE(t.encode("a <m2>"), (Ids{'a', ' ', 304}));  // no lstrip: the space stays
        QCOMPARE(t.encode("<r>  b"), (Ids{305, 'b'}));       // rstrip takes both spaces
        // single_word: the first "cat" stands alone, the one in "concat" does not.
        QCOMPARE(t.encode("cat concat"), (Ids{306, ' ', 'c', 'o', 'n', 'c', 'a', 't'}));
        QCOMPARE(t.idOf("<mask>"), std::optional<int32_t>(303));
        QVERIFY(t.isSpecial(300));
        QVERIFY(!t.isSpecial(301));
        QCOMPARE(t.tokenText(300), std::string("<|endoftext|>"));
        QCOMPARE(t.vocabSize(), 307);
        QCOMPARE(t.eosId(), std::optional<int32_t>(300));  // by its usual spelling
    }

    void normalizedAddedToken() {
        ByteLevelSpec s;
        s.normalizer = {{"type", "Replace"}, {"pattern", {{"String", "x"}}}, {"content", "y"}};
        s.added = json::array({addedToken(300, "yy", false, /*normalized*/ true)});
        const Tokenizer t = load(byteLevelJson(s));
        QCOMPARE(t.encode("axx"), (Ids{'a', 300}));  // found in the normalized text "ayy"
        QCOMPARE(t.encode("ayy"), (Ids{'a', 300}));
        QCOMPARE(t.encode("xz"), (Ids{'y', 'z'}));
    }

    void bosTemplateAndSpecialFlag() {
        ByteLevelSpec s;
        s.added = json::array({addedToken(300, "<|bos|>", true)});
        s.postProcessor = {{"type", "Sequence"},
                           {"processors", json::array({{{"type", "ByteLevel"}, {"trim_offsets", false}},
                                                       bosTemplate("<|bos|>", 300)})}};
        const Tokenizer t = load(byteLevelJson(s));
        QCOMPARE(t.encode(""), (Ids{300}));
        QCOMPARE(t.encode("", false), (Ids{}));
        QCOMPARE(t.encode("a"), (Ids{300, 'a'}));
        QCOMPARE(t.encode("a", false), (Ids{'a'}));
        QCOMPARE(t.bosId(), std::optional<int32_t>(300));
        QVERIFY(t.addsBos());
        QCOMPARE(t.decode({300, 'a'}, true), std::string("a"));
        const Tokenizer plain = load(byteLevelJson({}));
        QVERIFY(!plain.addsBos());
        QCOMPARE(plain.bosId(), std::optional<int32_t>());
    }

    void ignoreMerges() {
        // xy=256 (r0), yz=257, xyz=258. "xyz": (x,y) r0 -> xy z, and (xy,z) is no
        // merge, so plain BPE never reaches xyz; with ignore_merges a word found
        // whole in the vocabulary is taken as is.
        ByteLevelSpec w;
        w.merges = {{"x", "y"}, {"y", "z"}, {"x", "yz"}};
        QCOMPARE(load(byteLevelJson(w)).encode("xyz"), (Ids{256, 'z'}));
        w.ignoreMerges = true;
        QCOMPARE(load(byteLevelJson(w)).encode("xyz"), (Ids{258}));
        QCOMPARE(load(byteLevelJson(w)).encode("xyzy"), (Ids{256, 'z', 'y'}));  // not whole: merged
    }

    void splitLlama3Style() {
        // Merges: 34=256 (r0), 12=257, 123=258, 45=259.
        ByteLevelSpec s;
        s.merges = {{"3", "4"}, {"1", "2"}, {"12", "3"}, {"4", "5"}};
        // GPT-2 regex keeps "12345" whole: 34 r0 first -> 1 2 34 5 -> 12 34 5.
        QCOMPARE(load(byteLevelJson(s)).encode("12345"), (Ids{257, 256, '5'}));
        // \p{N}{1,3} cuts "123" | "45" first.
        s.preTokenizer = {{"type", "Sequence"},
                          {"pretokenizers",
                           json::array({{{"type", "Split"},
                                         {"pattern", {{"Regex", kLlama3Pattern}}},
                                         {"behavior", "Isolated"}, {"invert", false}},
                                        {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}, {"use_regex", false}}})}};
        const Tokenizer t = load(byteLevelJson(s));
        QCOMPARE(t.encode("12345"), (Ids{258, 259}));
        QCOMPARE(t.decode({258, 259}), std::string("12345"));
        // Qwen2's variant (\p{N} alone) compiles too and splits every digit.
        s.preTokenizer["pretokenizers"][0]["pattern"]["Regex"]  = kQwen2Pattern;
        QCOMPARE(load(byteLevelJson(s)).encode("12345"), (Ids{'1', '2', '3', '4', '5'}));
    }

    void splitBehaviorsThroughJson_data() {
        QTest::addColumn<QString>("behavior");
        QTest::addColumn<bool>("invert");
        QTest::addColumn<Ids>("expected");
        // Text "a-b"; merges a- (r0) = 256, -b (r1) = 257, a-b? none. Pieces decide.
        QTest::newRow("Isolated") << "Isolated" << false << Ids{'a', '-', 'b'};
        QTest::newRow("Removed") << "Removed" << false << Ids{'a', 'b'};
        QTest::newRow("MergedWithPrevious") << "MergedWithPrevious" << false << Ids{256, 'b'};
        QTest::newRow("MergedWithNext") << "MergedWithNext" << false << Ids{'a', 257};
        QTest::newRow("Contiguous") << "Contiguous" << false << Ids{'a', '-', 'b'};
        // Inverted, the letters are the delimiters: "Removed" keeps only "-".
        QTest::newRow("Removed inverted") << "Removed" << true << Ids{'-'};
    }
    void splitBehaviorsThroughJson() {
        QFETCH(QString, behavior);
        QFETCH(bool, invert);
        QFETCH(Ids, expected);
        ByteLevelSpec s;
        s.merges = {{"a", "-"}, {"-", "b"}};
        s.preTokenizer = {{"type", "Sequence"},
                          {"pretokenizers", json::array({{{"type", "Split"}, {"pattern", {{"String", "-"}}},
                                                          {"behavior", behavior.toStdString()}, {"invert", invert}},
                                                         {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", false}}})}};
        QCOMPARE(load(byteLevelJson(s)).encode("a-b"), expected);
    }

    void encodeIsConcatenationOverPieces() {
        // Pieces never span the "\n" between repeats, so ids(x+x) == ids(x)+ids(x).
        const Tokenizer t = load(byteLevelJson(helloSpec()));
        const std::string x = "Hello world, hello  worlds 123\n";
        Ids twice = t.encode(x);
        const Ids once = twice;
        twice.insert(twice.end(), once.begin(), once.end());
        QCOMPARE(t.encode(x + x), twice);
    }

    void largeTextIsFastAndThreadSafe() {
        // 676 letter-pair merges plus 26 letter+space merges: a realistic merge load.
        ByteLevelSpec s;
        for (char a = 'a'; a <= 'z'; ++a) s.merges.push_back({G, std::string(1, a)});
        for (char a = 'a'; a <= 'z'; ++a)
            for (char b = 'a'; b <= 'z'; ++b) s.merges.push_back({std::string(1, a), std::string(1, b)});
        const Tokenizer t = load(byteLevelJson(s));
        const std::string unit =
            "The grass is green. The sky is blue. The sun is yellow. Here we go. There and back again.\n"
            "Pack my box with five dozen liquor jugs; 12345 quick zephyrs vex   bold Jim!\t\n";
        std::string text;
        while (text.size() < 100 * 1024) text += unit;
        QElapsedTimer timer;
        timer.start();
        const Ids ids = t.encode(text);
        const qint64 ms = timer.elapsed();
        qInfo("100 kB encoded into %zu ids in %lld ms", ids.size(), static_cast<long long>(ms));
#ifdef NDEBUG
        QVERIFY2(ms < 1000, "100 kB must encode in well under a second");
#endif
        QCOMPARE(t.decode(ids), text);
        std::vector<Ids> results(4);
        std::vector<std::thread> threads;
        for (int k = 0; k < 4; ++k) threads.emplace_back([&, k] { results[k] = t.encode(text.substr(0, 20000)); });
        for (auto& th : threads) th.join();
        for (const Ids& r : results) QCOMPARE(r, t.encode(text.substr(0, 20000)));
    }

    void errors_data() {
        QTest::addColumn<QString>("doc");
        QTest::addColumn<QString>("field");    // Error::field()
        QTest::addColumn<QString>("problem");  // substring of Error::problem()
        auto bpe = [](json merges, json vocab) {
            return json{{"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", merges}}}}.dump();
        };
        const json ab = {{"a", 0}, {"b", 1}, {"ab", 2}};
        QTest::newRow("not json") << "{\"model\": " << "" << "not valid JSON";
        QTest::newRow("not an object") << "[]" << "" << "top level";
        QTest::newRow("no model") << "{}" << "model" << "missing";
        QTest::newRow("WordPiece") << R"({"model":{"type":"WordPiece","vocab":{}}})" << "model.type" << "WordPiece";
        QTest::newRow("Unigram") << R"({"model":{"type":"Unigram","vocab":[]}})" << "model.type" << "Unigram";
        QTest::newRow("WordLevel") << R"({"model":{"type":"WordLevel","vocab":{}}})" << "model.type" << "WordLevel";
        QTest::newRow("no vocab") << R"({"model":{"type":"BPE","merges":[]}})" << "model.vocab" << "missing";
        QTest::newRow("no merges") << R"({"model":{"type":"BPE","vocab":{}}})" << "model.merges" << "missing";
        QTest::newRow("merge part unknown") << QString::fromStdString(bpe({"a b", "a c"}, ab)) << "model.merges[1]" << "'c' is not in the vocabulary";
        QTest::newRow("merge result unknown") << QString::fromStdString(bpe({"b a"}, ab)) << "model.merges[0]" << "'ba' is not in the vocabulary";
        QTest::newRow("merge two spaces") << QString::fromStdString(bpe({"a b c"}, ab)) << "model.merges[0]" << "exactly one space";
        QTest::newRow("merge triple") << QString::fromStdString(bpe(json::array({json::array({"a", "b", "c"})}), ab)) << "model.merges[0]" << "pair";
        QTest::newRow("negative id") << QString::fromStdString(bpe(json::array(), {{"a", -1}})) << "model.vocab.a" << "outside";
        QTest::newRow("unk not in vocab") << R"({"model":{"type":"BPE","vocab":{"a":0},"merges":[],"unk_token":"<unk>"}})" << "model.unk_token" << "not in the vocabulary";
        const std::string base = R"({"model":{"type":"BPE","vocab":{"a":0},"merges":[]},)";
        QTest::newRow("NFKC") << QString::fromStdString(base + R"("normalizer":{"type":"NFKC"}})") << "normalizer.type" << "NFKC";
        QTest::newRow("nested normalizer") << QString::fromStdString(base + R"("normalizer":{"type":"Sequence","normalizers":[{"type":"NFC"},{"type":"Lowercase"}]}})") << "normalizer.normalizers[1].type" << "Lowercase";
        QTest::newRow("BertPreTokenizer") << QString::fromStdString(base + R"("pre_tokenizer":{"type":"BertPreTokenizer"}})") << "pre_tokenizer.type" << "BertPreTokenizer";
        QTest::newRow("bad regex") << QString::fromStdString(json{{"model", {{"type", "BPE"}, {"vocab", {{"a", 0}}}, {"merges", json::array()}}},
                                                                    {"pre_tokenizer", {{"type", "Split"}, {"pattern", {{"Regex", "a{2,1}"}}}, {"behavior", "Isolated"}}}}.dump()) << "pre_tokenizer.pattern" << "does not compile";
        QTest::newRow("bad behavior") << QString::fromStdString(base + R"("pre_tokenizer":{"type":"Split","pattern":{"String":"a"},"behavior":"Sideways"}})") << "pre_tokenizer.behavior" << "Sideways";
        QTest::newRow("WordPiece decoder") << QString::fromStdString(base + R"("decoder":{"type":"WordPiece"}})") << "decoder.type" << "WordPiece";
        QTest::newRow("template without entry") << QString::fromStdString(base + R"("post_processor":{"type":"TemplateProcessing","single":[{"SpecialToken":{"id":"<s>","type_id":0}},{"Sequence":{"id":"A","type_id":0}}],"special_tokens":{}}})") << "post_processor.special_tokens" << "'<s>'";
        QTest::newRow("added id not a number") << QString::fromStdString(base + R"("added_tokens":[{"id":"x","content":"<s>"}]})") << "added_tokens[0].id" << "integer";
    }
    void errors() {
        QFETCH(QString, doc);
        QFETCH(QString, field);
        QFETCH(QString, problem);
        try {
            Tokenizer::fromJson(doc.toStdString(), "bad.json");
            QFAIL("no error thrown");
        } catch (const Error& e) {
            QCOMPARE(QString::fromStdString(e.source()), QString("bad.json"));
            QCOMPARE(QString::fromStdString(e.field()), field);
            QVERIFY2(QString::fromStdString(e.problem()).contains(problem), e.what());
        }
    }

    void missingFile() {
        try {
            Tokenizer::fromFile("/nonexistent/dir/tokenizer.json");
            QFAIL("no error thrown");
        } catch (const Error& e) {
            QCOMPARE(QString::fromStdString(e.source()), QString("/nonexistent/dir/tokenizer.json"));
        }
    }
};

QTEST_APPLESS_MAIN(TestTokenizer)
#include "test_tokenizer.moc"
