// Golden tokenizer fixtures made with the Python `tokenizers` library
// (tools/make_golden.py): tests/golden/tokenizers/<style>/{tokenizer.json,cases.json},
// cases.json = [{"text", "ids", "ids_no_special", "decoded", "tokens"}, ...].
// Every case must give exactly the reference ids, with and without special tokens,
// and decode(ids) must give the reference text. Skipped only while a style's folder
// does not exist yet. Also checked: the committed cross-check set of seven styles
// (tests/golden/tokenizers_crosscheck) and the bundled model's tokenizer.
#include <QDir>
#include <QFile>
#include <QTest>

#include <nlohmann/json.hpp>

#include "core/common/error.h"
#include "core/tokenizer/tokenizer.h"

using sparsescope::Tokenizer;
using Ids = std::vector<int32_t>;

namespace {

QString idsText(const Ids& ids) {
    QStringList parts;
    for (int32_t id : ids) parts << QString::number(id);
    return "[" + parts.join(",") + "]";
}

Ids readIds(const nlohmann::json& c, const char* key) {
    Ids ids;
    for (const auto& v : c.at(key)) ids.push_back(v.get<int32_t>());
    return ids;
}

}  // namespace

class TestTokenizerGolden : public QObject {
    Q_OBJECT
private slots:
    void cases_data() {
        QTest::addColumn<QString>("style");
        for (const char* style : {"gpt2_bytelevel", "split_bytelevel", "metaspace_bytefallback"})
            QTest::newRow(style) << QString(style);
    }

    void cases() {
        QFETCH(QString, style);
        const QString dir = QString(SPARSESCOPE_SOURCE_DIR) + "/tests/golden/tokenizers/" + style;
        if (!QDir(dir).exists()) QSKIP("golden tokenizer fixtures not generated yet");

        const Tokenizer tok = Tokenizer::fromFile((dir + "/tokenizer.json").toStdString());
        QFile file(dir + "/cases.json");
        QVERIFY2(file.open(QIODevice::ReadOnly), qPrintable("cannot open " + file.fileName()));
        const nlohmann::json cases = nlohmann::json::parse(file.readAll().toStdString());
        QVERIFY(cases.is_array());
        QVERIFY2(!cases.empty(), "cases.json holds no case");

        int n = 0;
        for (const auto& c : cases) {
            const std::string text = c.at("text").get<std::string>();
            const QString where = QString("%1 case %2 (text %3)")
                                      .arg(style)
                                      .arg(n++)
                                      .arg(QString::fromStdString(c.at("text").dump()).left(120));
            const Ids expected = readIds(c, "ids");
            const Ids got = tok.encode(text, true);
            QVERIFY2(got == expected,
                     qPrintable(where + ": ids " + idsText(got) + " != expected " + idsText(expected)));
            const Ids expectedPlain = readIds(c, "ids_no_special");
            const Ids gotPlain = tok.encode(text, false);
            QVERIFY2(gotPlain == expectedPlain, qPrintable(where + ": ids_no_special " + idsText(gotPlain) +
                                                           " != expected " + idsText(expectedPlain)));
            // "tokens" are the vocabulary strings of "ids".
            if (c.contains("tokens")) {
                QCOMPARE(c.at("tokens").size(), expected.size());
                for (size_t k = 0; k < expected.size(); ++k)
                    QCOMPARE(QString::fromStdString(tok.tokenString(expected[k]).value_or("<none>")),
                             QString::fromStdString(c.at("tokens")[k].get<std::string>()));
            }
            // tools/make_golden.py decodes with skip_special_tokens=False.
            const std::string decoded = c.at("decoded").get<std::string>();
            QVERIFY2(tok.decode(expected, false) == decoded,
                     qPrintable(where + ": decoded '" + QString::fromStdString(tok.decode(expected, false)) +
                                "' != expected '" + QString::fromStdString(decoded) + "'"));
        }
        qInfo("%s: %d cases match", qPrintable(style), n);
    }

    // tests/golden/tokenizers_crosscheck (tools/make_tokenizer_crosscheck.py, made with
    // tokenizers 0.23.2): seven styles, ~350 tricky and random texts each, both decodes.
    void crosscheck_data() {
        QTest::addColumn<QString>("style");
        for (const char* style : {"gpt2", "gpt2_prefix_bos_added", "llama3", "qwen2", "llama2_bytefallback",
                                  "llama2_unk", "metaspace_first"})
            QTest::newRow(style) << QString(style);
    }
    void crosscheck() {
        QFETCH(QString, style);
        const QString dir = QString(SPARSESCOPE_SOURCE_DIR) + "/tests/golden/tokenizers_crosscheck/" + style;
        const Tokenizer tok = Tokenizer::fromFile((dir + "/tokenizer.json").toStdString());
        QFile file(dir + "/cases.json");
        QVERIFY2(file.open(QIODevice::ReadOnly), qPrintable("cannot open " + file.fileName()));
        const nlohmann::json cases = nlohmann::json::parse(file.readAll().toStdString());
        QVERIFY(cases.size() > 300);
        int n = 0;
        for (const auto& c : cases) {
            const std::string text = c.at("text").get<std::string>();
            const QString where = style + " case " + QString::number(n++) + " " +
                                  QString::fromStdString(c.at("text").dump()).left(80);
            const Ids ids = readIds(c, "ids");
            QVERIFY2(tok.encode(text, true) == ids, qPrintable(where + ": got " + idsText(tok.encode(text, true)) +
                                                               " want " + idsText(ids)));
            QVERIFY2(tok.encode(text, false) == readIds(c, "ids_no_special"), qPrintable(where));
            QCOMPARE(QString::fromStdString(tok.decode(ids, false)),
                     QString::fromStdString(c.at("decoded_keep").get<std::string>()));
            QCOMPARE(QString::fromStdString(tok.decode(ids, true)),
                     QString::fromStdString(c.at("decoded_skip").get<std::string>()));
        }
    }

    // The bundled default model's own byte-level BPE (resources/model/tokenizer.json):
    // it loads, and plain text survives encode -> decode unchanged.
    void bundledModelTokenizer() {
        const QString path = QString(SPARSESCOPE_SOURCE_DIR) + "/resources/model/tokenizer.json";
        if (!QFile::exists(path)) QSKIP("resources/model/tokenizer.json not there yet");
        const Tokenizer tok = Tokenizer::fromFile(path.toStdString());
        QVERIFY(tok.vocabSize() > 256);
        const std::string text =
            "There is an important info hidden inside a lot of irrelevant text. Find it and memorize it. "
            "I will quiz you about the important information there.\n"
            "The pass key is 48213. Remember it. 48213 is the pass key.\n"
            "What is the pass key? The pass key is";
        const Ids ids = tok.encode(text, false);
        QVERIFY(!ids.empty());
        for (int32_t id : ids) QVERIFY(id >= 0 && id < tok.vocabSize());
        QCOMPARE(QString::fromStdString(tok.decode(ids)), QString::fromStdString(text));
    }
};

QTEST_APPLESS_MAIN(TestTokenizerGolden)
#include "test_tokenizer_golden.moc"
