// Recent files: newest first, no duplicates, at most kMax, kept across instances
// (QSettings, here in a temporary folder), missing files left out of the menu.
#include "ui/window/recent_files.h"

#include <QFile>
#include <QMenu>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace sparsescope::ui;

class TestRecentFiles : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;

    QString touch(const QString& name) {
        const QString path = dir_.filePath(name);
        QFile f(path);
        f.open(QIODevice::WriteOnly);
        f.write("x");
        return path;
    }

private slots:
    void initTestCase() {
        QCoreApplication::setOrganizationName(QStringLiteral("SparseScopeTest"));
        QCoreApplication::setApplicationName(QStringLiteral("test_recent_files"));
        QSettings::setDefaultFormat(QSettings::IniFormat);
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, dir_.path());
    }

    void orderLimitAndPersistence() {
        const QString a = touch(QStringLiteral("a.txt")), b = touch(QStringLiteral("b.npz"));
        {
            RecentFiles r;
            r.add(RecentEntry::Text, a);
            r.add(RecentEntry::Qkv, b);
            r.add(RecentEntry::Text, a);  // moves to the front, no duplicate
            QCOMPARE(r.entries().size(), 2);
            QCOMPARE(r.entries().at(0), (RecentEntry{RecentEntry::Text, a}));
            QCOMPARE(r.entries().at(1), (RecentEntry{RecentEntry::Qkv, b}));
            for (int i = 0; i < 15; ++i) r.add(RecentEntry::Model, touch(QStringLiteral("m%1").arg(i)));
            QCOMPARE(r.entries().size(), RecentFiles::kMax);
        }
        RecentFiles again;  // read back from the settings
        QCOMPARE(again.entries().size(), RecentFiles::kMax);
        QCOMPARE(again.entries().front().kind, RecentEntry::Model);
        QVERIFY(again.entries().front().path.endsWith(QStringLiteral("m14")));
    }

    void menuSkipsMissingFilesAndActivates() {
        RecentFiles r;
        const QString kept = touch(QStringLiteral("kept.txt"));
        r.add(RecentEntry::Text, dir_.filePath(QStringLiteral("gone.txt")));
        r.add(RecentEntry::Text, kept);
        QMenu menu;
        r.populate(&menu);
        QStringList labels;
        for (QAction* a : menu.actions()) labels << a->text();
        QVERIFY(labels.join(QLatin1Char('|')).contains(QStringLiteral("kept.txt")));
        QVERIFY(!labels.join(QLatin1Char('|')).contains(QStringLiteral("gone.txt")));
        QSignalSpy activated(&r, &RecentFiles::activated);
        menu.actions().front()->trigger();
        QCOMPARE(activated.count(), 1);
        QCOMPARE(activated.at(0).at(0).value<RecentEntry>().path, kept);
    }
};

QTEST_MAIN(TestRecentFiles)
#include "test_recent_files.moc"
