#pragma once
// The workload panel: the model (or Q/K/V set) in use, the bundled samples with
// their descriptions from samples/manifest.json, open / paste text, the token
// count and the max-tokens control with a visible truncation note.
#include "core/workload/sample_manifest.h"
#include "ui/controller/analysis_results.h"

#include <QWidget>

#include <vector>

class QComboBox;
class QLabel;
class QSpinBox;
class QPushButton;

namespace sparsescope::ui {

class WorkloadPanel : public QWidget {
    Q_OBJECT
public:
    explicit WorkloadPanel(QWidget* parent = nullptr);

    void setSamples(const std::vector<SampleInfo>& samples);
    const std::vector<SampleInfo>& samples() const { return samples_; }
    void setCurrentSample(int index);  // -1: none (a file or pasted text is shown)
    int currentSample() const;
    void setWorkload(const WorkloadPtr& workload);
    void setMaxTokens(int maxTokens);
    int maxTokens() const;

    QComboBox* sampleBox() const { return sampleBox_; }
    QSpinBox* maxTokensBox() const { return maxTokens_; }
    QString tokenCountText() const;
    QString noticeText() const;

signals:
    void sampleChosen(int index);
    void openModelRequested();
    void openQkvRequested();
    void openTextRequested();
    void pasteRequested();
    void maxTokensChanged(int maxTokens);

private:
    void showDescription(int index);

    std::vector<SampleInfo> samples_;
    QLabel* model_ = nullptr;
    QComboBox* sampleBox_ = nullptr;
    QLabel* description_ = nullptr;
    QLabel* source_ = nullptr;
    QLabel* tokens_ = nullptr;
    QLabel* notice_ = nullptr;
    QSpinBox* maxTokens_ = nullptr;
};

}  // namespace sparsescope::ui
