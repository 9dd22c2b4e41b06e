#include "ui/window/resource_paths.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>

namespace sparsescope::ui {

QString findSamplesDir(const QStringList& extra) {
    QStringList candidates;
    const QString env = qEnvironmentVariable("SPARSESCOPE_SAMPLES_DIR");
    if (!env.isEmpty()) candidates << env;
    const QString exe = QCoreApplication::applicationDirPath();
    for (const char* rel : {"samples", "../samples", "../../samples", "../share/sparsescope/samples"})
        candidates << QDir(exe).filePath(QLatin1String(rel));
    candidates << extra;
    for (const QString& c : candidates)
        if (QFileInfo::exists(QDir(c).filePath(QStringLiteral("manifest.json")))) return QDir(c).canonicalPath();
    return {};
}

}  // namespace sparsescope::ui
