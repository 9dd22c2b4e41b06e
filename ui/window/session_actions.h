#pragma once
// File ▸ Save session… / Open session…: the window's state captured into a
// SessionState (session_file.h) and written with QSaveFile; opening checks the
// whole file and what it points to (model folder and its config, sample, text
// file, Q/K/V files, selected head and layers against the model's shape) before
// anything changes, then loads the workload through the controller and, once it
// has loaded, restores the pattern (through the pattern controls), its layers,
// the selected head and the heatmap's mode, scale and zoom. Any failure goes to
// the window's error sink naming the file and the field; the current state stays
// (a load that fails later leaves the previous workload, as every load does).
#include "ui/window/session_file.h"

#include <QObject>
#include <QString>

#include <optional>

class QMenu;

namespace sparsescope::ui {

class MainWindow;

class SessionActions : public QObject {
    Q_OBJECT
public:
    explicit SessionActions(MainWindow* window);
    void addTo(QMenu* file);
    // Call once the window has connected its own controller handlers: these must run
    // after them (the window picks a head on a new workload, the heatmap takes the
    // head stage and resets its zoom, and only then the session's choices apply).
    void connectController();

    // The window's current state; throws Error when nothing is loaded.
    SessionState capture() const;
    // false: the error was shown.
    bool saveSession(const QString& path);
    // false: the file (or what it names) is bad, the error was shown and nothing
    // changed. true: loading started; sessionRestored or sessionFailed follows.
    bool openSession(const QString& path);
    bool isRestoring() const { return pending_.has_value(); }

signals:
    void sessionRestored(const QString& path);
    void sessionFailed(const QString& path);

private:
    struct Pending {
        SessionState state;
        QString path;
        int oldMaxTokens = 0;
        int oldSample = -1;
        bool applied = false;  // the workload arrived; waiting for its first head stage
    };
    void onWorkloadChanged();
    void onHeadReady();
    void onLoadEnded(bool failed);
    bool fail(const QString& path, const QString& field, const QString& problem);

    MainWindow* window_;
    std::optional<Pending> pending_;
};

}  // namespace sparsescope::ui
