#pragma once
// Remembers the main window's geometry and dock layout between runs: restores
// saveGeometry()/saveState() from QSettings when created (after every dock
// exists, so each needs its objectName()) and saves them when the window closes.
// Watches the window through an event filter so MainWindow needs no closeEvent.
// Without a saved layout the window gets `defaultSize`, bounded by the screen, once its
// dock layout is active (a size set before that is measured against the docks' minimum
// sizes as if the tabbed ones were stacked, and comes out too tall).
#include <QObject>
#include <QSize>

class QMainWindow;

namespace sparsescope::ui {

class WindowLayout : public QObject {
    Q_OBJECT
public:
    // Restores at once; saves on every close of `window`.
    explicit WindowLayout(QMainWindow* window, QSize defaultSize = QSize(1560, 960));

    bool restore();  // false when nothing was saved (or it did not apply)
    void save() const;
    static QString geometryKey();
    static QString stateKey();

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    QMainWindow* window_;
    QSize defaultSize_;
    bool restored_ = false;
};

}  // namespace sparsescope::ui
