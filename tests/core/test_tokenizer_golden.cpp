// Golden tokenizer fixtures made with the Python `tokenizers` library
// (tools/make_golden.py): tests/golden/tokenizers/<style>/{tokenizer.json,cases.json},
// cases.json = [{"text", "ids", "ids_no_special", "decoded"}, ...].
// Every case must give exactly the reference ids, with and without special tokens,
// and decode(ids) must give the reference text. Skipped only while a style's folder
// does not exist yet.
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
            // `tokenizers`' Python decode() skips special tokens by default, transformers'
            // does not; the fixture may state which it used ("skip_special").
            const std::string decoded = c.at("decoded").get<std::string>();
            if (c.contains("skip_special")) {
                QCOMPARE(QString::fromStdString(tok.decode(expected, c.at("skip_special").get<bool>())),
                         QString::fromStdString(decoded));
            } else {
                const std::string keep = tok.decode(expected, false), skip = tok.decode(expected, true);
                QVERIFY2(keep == decoded || skip == decoded,
                         qPrintable(where + ": decoded '" + QString::fromStdString(keep) + "' / '" +
                                    QString::fromStdString(skip) + "' != expected '" +
                                    QString::fromStdString(decoded) + "'"));
            }
        }
        qInfo("%s: %d cases match", qPrintable(style), n);
    }
};

QTEST_APPLESS_MAIN(TestTokenizerGolden)
#include "test_tokenizer_golden.moc"
