#include "ui/window/recent_files.h"

#include <QFileInfo>
#include <QMenu>
#include <QSettings>

namespace sparsescope::ui {

namespace {
const char* kKey = "recentFiles";
QString kindName(RecentEntry::Kind k) {
    switch (k) {
    case RecentEntry::Model: return QStringLiteral("model");
    case RecentEntry::Qkv: return QStringLiteral("qkv");
    default: return QStringLiteral("text");
    }
}
}  // namespace

RecentFiles::RecentFiles(QObject* parent) : QObject(parent) {
    QSettings settings;
    for (const QString& line : settings.value(QLatin1String(kKey)).toStringList()) {
        const int colon = line.indexOf(QLatin1Char(':'));
        if (colon <= 0) continue;
        const QString kind = line.left(colon);
        RecentEntry e;
        e.kind = kind == QLatin1String("model") ? RecentEntry::Model
                 : kind == QLatin1String("qkv") ? RecentEntry::Qkv
                                                : RecentEntry::Text;
        e.path = line.mid(colon + 1);
        entries_.append(e);
    }
}

void RecentFiles::add(RecentEntry::Kind kind, const QString& path) {
    const RecentEntry e{kind, QFileInfo(path).absoluteFilePath()};
    entries_.removeAll(e);
    entries_.prepend(e);
    while (entries_.size() > kMax) entries_.removeLast();
    save();
}

void RecentFiles::save() const {
    QStringList lines;
    for (const RecentEntry& e : entries_) lines << kindName(e.kind) + QLatin1Char(':') + e.path;
    QSettings settings;
    settings.setValue(QLatin1String(kKey), lines);
}

void RecentFiles::populate(QMenu* menu) {
    menu->clear();
    int shown = 0;
    for (const RecentEntry& e : entries_) {
        if (!QFileInfo::exists(e.path)) continue;
        const QString label = QStringLiteral("&%1 %2 — %3")
                                  .arg(++shown)
                                  .arg(QFileInfo(e.path).fileName(),
                                       e.kind == RecentEntry::Model ? tr("model")
                                       : e.kind == RecentEntry::Qkv ? tr("Q/K/V")
                                                                    : tr("text"));
        QAction* a = menu->addAction(label);
        a->setToolTip(e.path);
        connect(a, &QAction::triggered, this, [this, e] { emit activated(e); });
    }
    if (shown == 0) menu->addAction(tr("(none)"))->setEnabled(false);
    menu->addSeparator();
    connect(menu->addAction(tr("Clear")), &QAction::triggered, this, [this] {
        entries_.clear();
        save();
    });
}

}  // namespace sparsescope::ui
