#pragma once
// Helpers for the ui tests: a small random-weight model folder written with the
// model tests' tinymodel::Writer (byte-level tokenizer: one token per byte), and
// a text of a given length.
#include "core/tiny_model_writer.h"

#include <QCoreApplication>
#include <QDir>
#include <QImage>
#include <QSet>
#include <QSettings>
#include <QString>
#include <QTemporaryDir>

#include <string>

namespace uitest {

// Llama-style, 2 layers x 4 heads (2 KV heads), d = 8; positions >= what the tests use.
inline tinymodel::Spec smallSpec() {
    tinymodel::Spec s;
    s.arch = "llama";
    s.vocab = 300;
    s.hidden = 32;
    s.inter = 48;
    s.layers = 2;
    s.heads = 4;
    s.kvHeads = 2;
    s.positions = 512;
    s.seed = 7;
    return s;
}

// Distinct colours of `img` scaled to 200 x 200: a drawn plot has more than a handful.
inline int distinctColours(const QImage& img) {
    const QImage small = img.scaled(200, 200);
    QSet<QRgb> colours;
    for (int y = 0; y < small.height(); ++y)
        for (int x = 0; x < small.width(); ++x) colours.insert(small.pixel(x, y));
    return int(colours.size());
}

// QSettings (recent files, window layout) go to an INI file in `dir`, never the user's.
inline void useTemporarySettings(const QTemporaryDir& dir, const QString& organization) {
    QCoreApplication::setOrganizationName(organization);
    QSettings::setDefaultFormat(QSettings::IniFormat);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, dir.path());
}

inline QString writeModel(const QTemporaryDir& dir, const QString& name, const tinymodel::Spec& spec = smallSpec()) {
    const QString path = dir.filePath(name);
    QDir().mkpath(path);
    tinymodel::Writer(spec).write(path.toStdString());
    return path;
}

// Byte-level tokenizer: `chars` characters give `chars` tokens.
inline QString sampleText(int chars) {
    const std::string base = "The grass is green. The sky is blue. The pass key is 41725. Remember it! ";
    std::string t;
    while (int(t.size()) < chars) t += base;
    t.resize(size_t(chars));
    return QString::fromStdString(t);
}

}  // namespace uitest
