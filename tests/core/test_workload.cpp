// Tests of core/workload: the passkey and key-value generators (against strings
// written out by hand and the SplitMix64 reference vector) and samples/manifest.json.
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <set>
#include <string>

#include "core/common/error.h"
#include "core/workload/passkey.h"
#include "core/workload/sample_manifest.h"
#include "core/workload/splitmix64.h"

using namespace sparsescope;

namespace {

const std::string kSamplesDir = std::string(SPARSESCOPE_SOURCE_DIR) + "/samples";
const std::string kUnit =
    "The grass is green. The sky is blue. The sun is yellow. Here we go. There and back again.\n";
const std::string kPrefix =
    "There is an important info hidden inside a lot of irrelevant text. Find it and memorize it. "
    "I will quiz you about the important information there.\n";

size_t countOccurrences(const std::string& hay, const std::string& needle) {
    size_t n = 0;
    for (size_t p = hay.find(needle); p != std::string::npos; p = hay.find(needle, p + 1)) ++n;
    return n;
}

// A lower bound on the token count of any byte-level BPE whose pre-tokenizer is the
// GPT-2 regex or the Llama-3/Qwen2 Split regex: every piece counted here lies in a
// different pre-token, and every pre-token is at least one token. Counted: letter runs,
// digit runs, punctuation runs followed by whitespace or the end (never merged with a
// neighbouring word), and whitespace runs holding a newline that do not follow
// punctuation (Llama-3 attaches "\n" to a preceding punctuation run).
size_t byteLevelTokenLowerBound(const std::string& s) {
    enum Cls { Letter, Digit, Space, Punct };
    const auto cls = [](unsigned char c) {
        if (std::isalpha(c) || c >= 0x80) return Letter;
        if (std::isdigit(c)) return Digit;
        if (std::isspace(c)) return Space;
        return Punct;
    };
    size_t count = 0;
    for (size_t i = 0; i < s.size();) {
        const Cls c = cls(static_cast<unsigned char>(s[i]));
        size_t j = i;
        bool newline = false;
        while (j < s.size() && cls(static_cast<unsigned char>(s[j])) == c) newline |= s[j++] == '\n';
        const bool prevPunct = i > 0 && cls(static_cast<unsigned char>(s[i - 1])) == Punct;
        const bool nextSpaceOrEnd = j == s.size() || cls(static_cast<unsigned char>(s[j])) == Space;
        if (c == Letter || c == Digit || (c == Punct && nextSpaceOrEnd) || (c == Space && newline && !prevPunct))
            ++count;
        i = j;
    }
    return count;
}

void writeFile(const QString& path, const std::string& text) {
    std::ofstream out(path.toStdString(), std::ios::binary);
    out << text;
}

}  // namespace

class TestWorkload : public QObject {
    Q_OBJECT
private slots:
    // Reference outputs of Vigna's splitmix64.c for seed 1234567.
    void splitMix64ReferenceVector() {
        TaskSplitMix64 r(1234567);
        QCOMPARE(r.next(), uint64_t{6457827717110365317ull});
        QCOMPARE(r.next(), uint64_t{3203168211198807973ull});
        QCOMPARE(r.next(), uint64_t{9817491932198370423ull});
        QCOMPARE(TaskSplitMix64(5).below(0), uint64_t{0});
    }

    // F = 2, depth 0.5: needle before unit round(1) = 1. K for seed 7 comes from the
    // independent Python twin (tools/workload_gen.py); the rest is the TEAM.md format.
    void passkeyExactSmallCase() {
        const PasskeyTask t = makePasskeyTask(2, 0.5, 7);
        const std::string expectedPrompt =
            "There is an important info hidden inside a lot of irrelevant text. Find it and memorize it. "
            "I will quiz you about the important information there.\n"
            "The grass is green. The sky is blue. The sun is yellow. Here we go. There and back again.\n"
            "The pass key is 84487. Remember it. 84487 is the pass key.\n"
            "The grass is green. The sky is blue. The sun is yellow. Here we go. There and back again.\n"
            "What is the pass key? The pass key is";
        QCOMPARE(t.prompt, expectedPrompt);
        QCOMPARE(t.answer, std::string(" 84487"));
        QCOMPARE(t.text, expectedPrompt + " 84487");
        QCOMPARE(t.passkey, int64_t{84487});
        QCOMPARE(t.fillerUnits, 2);
        QCOMPARE(t.depth, 0.5);
        QCOMPARE(t.needleByteOffset, size_t{147 + 90});
        QCOMPARE(kPrefix.size(), size_t{147});
        QCOMPARE(std::strlen(kPasskeyFillerUnit), size_t{90});
    }

    void passkeyNeedlePosition_data() {
        QTest::addColumn<int>("units");
        QTest::addColumn<double>("depth");
        QTest::addColumn<int>("expectedUnit");  // worked out by hand: round(clamp(depth) * F)
        QTest::newRow("depth 0") << 10 << 0.0 << 0;
        QTest::newRow("depth 0.5") << 10 << 0.5 << 5;
        QTest::newRow("depth 1") << 10 << 1.0 << 10;
        QTest::newRow("half rounds up, 1.5") << 3 << 0.5 << 2;
        QTest::newRow("half rounds up, 2.5") << 10 << 0.25 << 3;
        QTest::newRow("no filler") << 0 << 0.5 << 0;
        QTest::newRow("one unit, end") << 1 << 0.5 << 1;
        QTest::newRow("below 0 clamps") << 10 << -0.3 << 0;
        QTest::newRow("above 1 clamps") << 10 << 7.0 << 10;
        QTest::newRow("infinity clamps") << 70 << std::numeric_limits<double>::infinity() << 70;
        QTest::newRow("sample size") << 70 << 0.5 << 35;
    }
    void passkeyNeedlePosition() {
        QFETCH(int, units);
        QFETCH(double, depth);
        QFETCH(int, expectedUnit);
        const PasskeyTask t = makePasskeyTask(units, depth, 42);
        QCOMPARE(passkeyNeedleUnit(units, depth), expectedUnit);
        const std::string k = std::to_string(t.passkey);
        const std::string needle = "The pass key is " + k + ". Remember it. " + k + " is the pass key.\n";
        QCOMPARE(t.needleByteOffset, kPrefix.size() + static_cast<size_t>(expectedUnit) * kUnit.size());
        QCOMPARE(t.prompt.substr(t.needleByteOffset, needle.size()), needle);
        // The filler before and after the needle, counted independently.
        QCOMPARE(countOccurrences(t.prompt.substr(0, t.needleByteOffset), kUnit), size_t(expectedUnit));
        QCOMPARE(countOccurrences(t.prompt.substr(t.needleByteOffset), kUnit), size_t(units - expectedUnit));
        QCOMPARE(countOccurrences(t.text, "The pass key is " + k + "."), size_t{1});
        QVERIFY(t.prompt.starts_with(kPrefix));
        QVERIFY(t.prompt.ends_with("\nWhat is the pass key? The pass key is"));
        QCOMPARE(t.text, t.prompt + t.answer);
        QCOMPARE(t.prompt.size(), kPrefix.size() + units * kUnit.size() + needle.size() + 37);
        QVERIFY(t.depth >= 0.0 && t.depth <= 1.0);
    }

    void passkeyDeterministicAndSeedDependent() {
        QCOMPARE(makePasskeyTask(30, 0.3, 1).text, makePasskeyTask(30, 0.3, 1).text);
        QVERIFY(makePasskeyTask(30, 0.3, 1).passkey != makePasskeyTask(30, 0.3, 2).passkey);
        std::set<int64_t> keys;
        for (uint64_t seed = 0; seed < 200; ++seed) {
            const int64_t k = makePasskeyTask(1, 0.5, seed).passkey;
            QVERIFY(k >= 10000 && k <= 99999);
            keys.insert(k);
        }
        QVERIFY(keys.size() >= 195);  // 200 draws from 90000 values: few collisions
        QCOMPARE(makePasskeyTask(5, 0.5, std::numeric_limits<uint64_t>::max()).text,
                 makePasskeyTask(5, 0.5, std::numeric_limits<uint64_t>::max()).text);
    }

    void passkeyErrors() {
        QVERIFY_THROWS_EXCEPTION(Error, makePasskeyTask(-1, 0.5, 1));
        QVERIFY_THROWS_EXCEPTION(Error, makePasskeyTask(std::numeric_limits<int>::min(), 0.5, 1));
        QVERIFY_THROWS_EXCEPTION(Error, makePasskeyTask(kMaxFillerUnits + 1, 0.5, 1));
        QVERIFY_THROWS_EXCEPTION(Error, makePasskeyTask(10, std::nan(""), 1));
        try {
            makePasskeyTask(-5, 0.5, 1);
            QFAIL("no error");
        } catch (const Error& e) {
            QCOMPARE(e.field(), std::string("fillerUnits"));
            QVERIFY(e.problem().find("-5") != std::string::npos);
        }
    }

    // pairs = 3, query 1, seed 5; keys and values from the Python twin.
    void keyValueExactSmallCase() {
        const KeyValueTask t = makeKeyValueTask(3, 1, 5);
        const std::string expectedPrompt =
            "key 3618: value 50709\n"
            "key 3363: value 93461\n"
            "key 6353: value 64436\n"
            "What is the value of key 3363? The value is";
        QCOMPARE(t.prompt, expectedPrompt);
        QCOMPARE(t.answer, std::string(" 93461"));
        QCOMPARE(t.text, expectedPrompt + " 93461");
        QCOMPARE(t.keys, (std::vector<int>{3618, 3363, 6353}));
        QCOMPARE(t.values, (std::vector<int>{50709, 93461, 64436}));
        QCOMPARE(t.queryIndex, 1);
        QCOMPARE(t.queryLineByteOffset, size_t{22});
    }

    void keyValueProperties() {
        const KeyValueTask a = makeKeyValueTask(250, 125, 2);
        QCOMPARE(a.text, makeKeyValueTask(250, 125, 2).text);
        QVERIFY(a.text != makeKeyValueTask(250, 125, 3).text);
        QCOMPARE(std::set<int>(a.keys.begin(), a.keys.end()).size(), size_t{250});
        for (size_t i = 0; i < a.keys.size(); ++i) {
            QVERIFY(a.keys[i] >= 1000 && a.keys[i] <= 9999);
            QVERIFY(a.values[i] >= 10000 && a.values[i] <= 99999);
        }
        const std::string line = "key " + std::to_string(a.keys[125]) + ": value " + std::to_string(a.values[125]) + "\n";
        QCOMPARE(a.prompt.substr(a.queryLineByteOffset, line.size()), line);
        QCOMPARE(a.answer, std::string(" ").append(std::to_string(a.values[125])));
        QCOMPARE(countOccurrences(a.prompt, "\n"), size_t{250});
        // All 9000 keys: the partial shuffle becomes a full permutation.
        const KeyValueTask full = makeKeyValueTask(9000, 8999, 9);
        std::set<int> all(full.keys.begin(), full.keys.end());
        QCOMPARE(all.size(), size_t{9000});
        QCOMPARE(*all.begin(), 1000);
        QCOMPARE(*all.rbegin(), 9999);
    }

    void keyValueErrors_data() {
        QTest::addColumn<int>("pairs");
        QTest::addColumn<int>("query");
        QTest::addColumn<QString>("field");
        QTest::newRow("no pairs") << 0 << 0 << "pairs";
        QTest::newRow("negative pairs") << -3 << 0 << "pairs";
        QTest::newRow("more pairs than keys") << 9001 << 0 << "pairs";
        QTest::newRow("negative query") << 10 << -1 << "queryIndex";
        QTest::newRow("query past end") << 10 << 10 << "queryIndex";
    }
    void keyValueErrors() {
        QFETCH(int, pairs);
        QFETCH(int, query);
        QFETCH(QString, field);
        try {
            makeKeyValueTask(pairs, query, 1);
            QFAIL("no error");
        } catch (const Error& e) {
            QCOMPARE(QString::fromStdString(e.field()), field);
            QCOMPARE(e.source(), std::string("<input>"));
        }
    }

    void realManifest() {
        const auto samples = loadSampleManifest(kSamplesDir + "/manifest.json");
        QVERIFY(samples.size() >= 6);
        std::set<std::string> kinds;
        for (const SampleInfo& s : samples) {
            kinds.insert(s.kind);
            const std::string stored = loadSampleText(SampleInfo{s.id, s.title, s.file, s.kind, s.description,
                                                                 s.source, s.licence, std::nullopt},
                                                      kSamplesDir);
            const std::string text = loadSampleText(s, kSamplesDir);
            QVERIFY2(stored.size() <= 40 * 1024, s.file.c_str());
            // Generated tasks are sized in filler units, not bytes (their filler is dense
            // in tokens); every other sample is at least 10 kB.
            if (s.generator) {
                QVERIFY2(text == stored, ("stored copy differs from the generator: " + s.file).c_str());
            } else {
                QVERIFY2(stored.size() >= 10 * 1024, s.file.c_str());
                QCOMPARE(text, stored);
            }
            // The real count with the bundled tokenizer is checked in test_default_model;
            // this bound holds for any byte-level BPE of up to 4-byte tokens.
            if (!s.generator) QVERIFY2(byteLevelTokenLowerBound(text) >= 1500, s.file.c_str());
        }
        for (const char* k : {"legal", "code", "prose", "structured", "dialogue", "passkey"})
            QVERIFY2(kinds.count(k), k);
        const auto pk = std::find_if(samples.begin(), samples.end(), [](auto& s) { return s.kind == "passkey"; });
        QVERIFY(pk->generator && pk->generator->type == "passkey");
        QCOMPARE(pk->generator->fillerUnits, 70);
        QCOMPARE(pk->generator->depth, 0.5);
        QCOMPARE(pk->generator->seed, uint64_t{1});
    }

    void tokenLowerBoundCountsByHand() {
        // GPT-2 pieces: "The"," sky"," is"," blue",".","\n","key"," 12",":"," value"," 7" (11).
        // Counted: 4 + "." + "key" + "12" + ":" + "value" + "7" = 10 (the "\n" follows ".",
        // which Llama-3's regex would merge into one piece).
        QCOMPARE(byteLevelTokenLowerBound("The sky is blue.\nkey 12: value 7"), size_t{10});
        QCOMPARE(byteLevelTokenLowerBound("a\nb"), size_t{3});
        QCOMPARE(byteLevelTokenLowerBound(""), size_t{0});
    }

    void malformedManifests_data() {
        QTest::addColumn<QString>("json");
        QTest::addColumn<QString>("field");
        const QString ok = R"("id":"a","title":"t","file":"f.txt","kind":"prose","description":"d","source":"s","licence":"l")";
        const QString gen = "[{" + ok + R"(,"generator":{%1}}])";
        QTest::newRow("not json") << "[{" << "";
        QTest::newRow("object at top") << "{}" << "";
        QTest::newRow("empty list") << "[]" << "";
        QTest::newRow("entry not object") << "[1]" << "[0]";
        QTest::newRow("missing title") << R"([{"id":"a"}])" << "[0].title";
        QTest::newRow("title not string") << QString("[{" + ok + "}]").replace(R"("title":"t")", R"("title":3)") << "[0].title";
        QTest::newRow("empty kind") << QString("[{" + ok + "}]").replace(R"("kind":"prose")", R"("kind":"")") << "[0].kind";
        QTest::newRow("duplicate id") << "[{" + ok + "},{" + ok + "}]" << "[1].id";
        QTest::newRow("parent dir") << QString("[{" + ok + "}]").replace("f.txt", "../etc/passwd") << "[0].file";
        QTest::newRow("absolute path") << QString("[{" + ok + "}]").replace("f.txt", "/etc/passwd") << "[0].file";
        QTest::newRow("generator not object") << QString("[{" + ok + R"(,"generator":5}])") << "[0].generator";
        QTest::newRow("unknown type") << gen.arg(R"("type":"maze","seed":1)") << "[0].generator.type";
        QTest::newRow("missing seed") << gen.arg(R"("type":"passkey","filler_units":3,"depth":0.5)") << "[0].generator.seed";
        QTest::newRow("negative seed") << gen.arg(R"("type":"passkey","filler_units":3,"depth":0.5,"seed":-1)") << "[0].generator.seed";
        QTest::newRow("negative units") << gen.arg(R"("type":"passkey","filler_units":-1,"depth":0.5,"seed":1)") << "[0].generator.filler_units";
        QTest::newRow("fractional units") << gen.arg(R"("type":"passkey","filler_units":2.5,"depth":0.5,"seed":1)") << "[0].generator.filler_units";
        QTest::newRow("huge units") << gen.arg(R"("type":"passkey","filler_units":18446744073709551615,"depth":0.5,"seed":1)") << "[0].generator.filler_units";
        QTest::newRow("depth above 1") << gen.arg(R"("type":"passkey","filler_units":3,"depth":1.5,"seed":1)") << "[0].generator.depth";
        QTest::newRow("depth string") << gen.arg(R"("type":"passkey","filler_units":3,"depth":"half","seed":1)") << "[0].generator.depth";
        QTest::newRow("misspelt parameter") << gen.arg(R"("type":"passkey","filler_units":3,"depth":0.5,"seed":1,"dept":1)") << "[0].generator.dept";
        QTest::newRow("query past end") << gen.arg(R"("type":"keyvalue","pairs":4,"query_index":4,"seed":1)") << "[0].generator.query_index";
    }
    void malformedManifests() {
        QFETCH(QString, json);
        QFETCH(QString, field);
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString path = dir.filePath("manifest.json");
        writeFile(path, json.toStdString());
        try {
            loadSampleManifest(path.toStdString());
            QFAIL("no error");
        } catch (const Error& e) {
            QCOMPARE(e.source(), path.toStdString());
            QCOMPARE(QString::fromStdString(e.field()), field);
            QVERIFY(!e.problem().empty());
        }
    }

    void missingFiles() {
        QTemporaryDir dir;
        const std::string missing = dir.filePath("nope.json").toStdString();
        try {
            loadSampleManifest(missing);
            QFAIL("no error");
        } catch (const Error& e) {
            QCOMPARE(e.source(), missing);
        }
        const SampleInfo s{"x", "t", "absent.txt", "prose", "d", "s", "l", std::nullopt};
        try {
            loadSampleText(s, dir.path().toStdString());
            QFAIL("no error");
        } catch (const Error& e) {
            QVERIFY(e.source().ends_with("absent.txt"));
            QCOMPARE(e.field(), std::string("file"));
        }
        // A generator entry needs no file on disk.
        SampleInfo g = s;
        g.generator = SampleGenerator{"passkey", 1, 2, 0.5, 0, 0};
        QCOMPARE(loadSampleText(g, dir.path().toStdString()), makePasskeyTask(2, 0.5, 1).text);
    }
};

QTEST_APPLESS_MAIN(TestWorkload)
#include "test_workload.moc"
