#pragma once
// The main window: heatmap in the centre, workload and pattern controls on the
// left, readouts on the right, the head gallery below. Wires the pages to the
// AnalysisController; shows errors through an injectable sink (a message box by
// default) so tests can check the error path without a modal dialog.
#include "ui/controller/analysis_results.h"
#include "ui/views/teach_docks.h"

#include <QMainWindow>

#include <functional>

class QDockWidget;
class QLabel;
class QMenu;
class QProgressBar;
class QPushButton;

namespace sparsescope::ui {

class AnalysisController;
class CompareView;
class ExportActions;
class HeatmapView;
class DeploymentPanel;
class HeadGalleryModel;
class HeadGalleryView;
class PatternControls;
class ReadoutsPanel;
class RecentFiles;
class SessionActions;
class SweepView;
class WorkloadComparisonView;
class WorkloadPanel;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    using ErrorSink = std::function<void(const QString& title, const QString& text)>;

    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    // Loads the samples of `samplesDir` (may be empty) and, when modelDir is not
    // empty, the model with the sample `defaultSampleId` (or the first one).
    void start(const QString& modelDir, const QString& samplesDir, const QString& defaultSampleId,
               const QString& defaultPreset = QStringLiteral("streamingllm"));

    void setErrorSink(ErrorSink sink) { errorSink_ = std::move(sink); }

    // Actions without dialogs (the menu's dialogs end here; tests call them directly).
    void openModelFolder(const QString& dir);
    void openTextFile(const QString& path);
    void openQkvFiles(const QStringList& paths);  // one .npz, or q/k(/v) .npy files
    void pasteText(const QString& text);
    void chooseSample(int index);

    AnalysisController* controller() const { return controller_; }
    HeatmapView* heatmap() const { return heatmap_; }
    PatternControls* patternControls() const { return pattern_; }
    ReadoutsPanel* readouts() const { return readouts_; }
    WorkloadPanel* workloadPanel() const { return workloadPanel_; }
    HeadGalleryModel* galleryModel() const { return galleryModel_; }
    HeadGalleryView* gallery() const { return gallery_; }
    DeploymentPanel* deployment() const { return deployment_; }
    const TeachDocks& teachDocks() const { return teach_; }

    // Comparison, export and sessions (issue 6).
    CompareView* compareView() const { return compare_; }
    QDockWidget* compareDock() const { return compareDock_; }
    ExportActions* exportActions() const { return exports_; }
    SessionActions* sessionActions() const { return sessions_; }
    QString samplesDir() const { return samplesDir_; }
    // Shows an error through the sink (a message box by default).
    void showError(const QString& title, const QString& text);
    SweepView* sweepView() const { return sweep_; }
    WorkloadComparisonView* workloadComparisonView() const { return comparison_; }

signals:
    void errorShown(const QString& title, const QString& text);

private:
    void buildMenus();
    void buildDocks();
    void buildExploreDocks(QMenu* view);  // issue 6: sweep and workload comparison
    void connectController();
    void onWorkloadChanged(const WorkloadPtr& w);
    void pickOpenModel();
    void pickOpenQkv();
    void pickOpenText();
    void pickPaste();

    AnalysisController* controller_ = nullptr;
    HeatmapView* heatmap_ = nullptr;
    PatternControls* pattern_ = nullptr;
    ReadoutsPanel* readouts_ = nullptr;
    WorkloadPanel* workloadPanel_ = nullptr;
    HeadGalleryModel* galleryModel_ = nullptr;
    HeadGalleryView* gallery_ = nullptr;
    DeploymentPanel* deployment_ = nullptr;
    RecentFiles* recent_ = nullptr;
    SweepView* sweep_ = nullptr;
    WorkloadComparisonView* comparison_ = nullptr;
    QMenu* recentMenu_ = nullptr;
    QLabel* status_ = nullptr;
    QProgressBar* loadProgress_ = nullptr;
    QPushButton* cancelLoad_ = nullptr;
    QString samplesDir_;
    QString pendingRecentPath_;
    int pendingRecentKind_ = -1;
    ErrorSink errorSink_;
    TeachDocks teach_;  // tokens, explain, reachability, cost vs context (issue 6)
    // Issue 6: comparison view, export and session actions.
    CompareView* compare_ = nullptr;
    QDockWidget* compareDock_ = nullptr;
    ExportActions* exports_ = nullptr;
    SessionActions* sessions_ = nullptr;
};

}  // namespace sparsescope::ui
