#pragma once
// The main window: heatmap in the centre, workload and pattern controls on the
// left, readouts on the right, the head gallery below. Wires the pages to the
// AnalysisController; shows errors through an injectable sink (a message box by
// default) so tests can check the error path without a modal dialog.
#include "ui/controller/analysis_results.h"

#include <QMainWindow>

#include <functional>

class QLabel;
class QMenu;
class QProgressBar;
class QPushButton;

namespace sparsescope::ui {

class AnalysisController;
class HeatmapView;
class HeadGalleryModel;
class HeadGalleryView;
class PatternControls;
class ReadoutsPanel;
class RecentFiles;
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
    SweepView* sweepView() const { return sweep_; }
    WorkloadComparisonView* workloadComparisonView() const { return comparison_; }

signals:
    void errorShown(const QString& title, const QString& text);

private:
    void buildMenus();
    void buildDocks();
    void buildExploreDocks(QMenu* view);  // issue 6: sweep and workload comparison
    void connectController();
    void showError(const QString& title, const QString& text);
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
};

}  // namespace sparsescope::ui
