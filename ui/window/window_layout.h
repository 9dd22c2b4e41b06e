#pragma once
// Remembers the main window's geometry and dock layout between runs: restores
// saveGeometry()/saveState() from QSettings when created (after every dock
// exists, so each needs its objectName()) and saves them when the window closes.
// Watches the window through an event filter so MainWindow needs no closeEvent.
#include <QObject>

class QMainWindow;

namespace sparsescope::ui {

class WindowLayout : public QObject {
    Q_OBJECT
public:
    // Restores at once; saves on every close of `window`.
    explicit WindowLayout(QMainWindow* window);

    bool restore();  // false when nothing was saved (or it did not apply)
    void save() const;
    static QString geometryKey();
    static QString stateKey();

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    QMainWindow* window_;
};

}  // namespace sparsescope::ui
