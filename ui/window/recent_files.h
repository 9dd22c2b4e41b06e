#pragma once
// Recently opened models, texts and Q/K/V sets, kept in QSettings and shown in
// the File menu (newest first, at most kMax, missing files dropped when shown).
#include <QList>
#include <QObject>
#include <QString>

class QMenu;

namespace sparsescope::ui {

struct RecentEntry {
    enum Kind { Model, Text, Qkv };
    Kind kind = Text;
    QString path;
    bool operator==(const RecentEntry&) const = default;
};

class RecentFiles : public QObject {
    Q_OBJECT
public:
    static constexpr int kMax = 10;
    explicit RecentFiles(QObject* parent = nullptr);

    void add(RecentEntry::Kind kind, const QString& path);
    QList<RecentEntry> entries() const { return entries_; }
    // Fills `menu` with one action per entry (and "Clear").
    void populate(QMenu* menu);

signals:
    void activated(const sparsescope::ui::RecentEntry& entry);

private:
    void save() const;
    QList<RecentEntry> entries_;
};

}  // namespace sparsescope::ui

Q_DECLARE_METATYPE(sparsescope::ui::RecentEntry)
