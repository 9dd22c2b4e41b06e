#include "ui/window/window_layout.h"

#include <QEvent>
#include <QMainWindow>
#include <QGuiApplication>
#include <QLayout>
#include <QScreen>
#include <QSettings>

namespace sparsescope::ui {

namespace {
// Bumped when the docks change incompatibly; QMainWindow::restoreState rejects other versions.
constexpr int kStateVersion = 1;
}  // namespace

QString WindowLayout::geometryKey() { return QStringLiteral("mainWindow/geometry"); }
QString WindowLayout::stateKey() { return QStringLiteral("mainWindow/state"); }

WindowLayout::WindowLayout(QMainWindow* window, QSize defaultSize)
    : QObject(window), window_(window), defaultSize_(defaultSize) {
    window_->installEventFilter(this);
    restored_ = restore();
    if (!restored_) {
        // Lay the docks out first (tabs formed), so the size is not measured against the
        // docks' minimum sizes stacked.
        if (window_->layout()) window_->layout()->activate();
        QSize size = defaultSize_;
        if (const QScreen* screen = QGuiApplication::primaryScreen())
            size = size.boundedTo(screen->availableGeometry().size());
        window_->resize(size);
    }
}

bool WindowLayout::restore() {
    QSettings settings;
    const QByteArray geometry = settings.value(geometryKey()).toByteArray();
    const QByteArray state = settings.value(stateKey()).toByteArray();
    // The docks first, then the size: restoring the docks can grow the window to their
    // minimum sizes, and the saved geometry already allowed for those.
    bool ok = !state.isEmpty() && window_->restoreState(state, kStateVersion);
    ok = !geometry.isEmpty() && window_->restoreGeometry(geometry) && ok;
    return ok;
}

void WindowLayout::save() const {
    QSettings settings;
    settings.setValue(geometryKey(), window_->saveGeometry());
    settings.setValue(stateKey(), window_->saveState(kStateVersion));
}

bool WindowLayout::eventFilter(QObject* watched, QEvent* event) {
    if (watched == window_ && event->type() == QEvent::Close) save();
    return QObject::eventFilter(watched, event);
}

}  // namespace sparsescope::ui
