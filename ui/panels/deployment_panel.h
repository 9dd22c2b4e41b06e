#pragma once
// What the current pattern would cost as deployed (issue 5, "Cost, as deployed"):
// roofline estimates from core/cost of prefill time, decode time per token and
// energy per token, dense vs sparse, on a hardware profile from
// resources/hardware/profiles.json, at a context length the user picks, for the
// loaded model's attention shape or the stated Llama-3.1-8B reference shape. The
// "this CPU" profile is measured in-app (core's measureThisCpu) on a worker the
// first time it is chosen. Every figure is labelled an estimate.
#include "core/cost/hardware.h"
#include "core/cost/roofline.h"
#include "core/pattern/pattern_spec.h"

#include <QWidget>

#include <optional>
#include <vector>

class QComboBox;
class QGridLayout;
class QLabel;

namespace sparsescope {
struct ModelConfig;
}

namespace sparsescope::ui {

class DeploymentPanel : public QWidget {
    Q_OBJECT
public:
    enum Row { KvReads, CoreFlops, SelectorFlops, DecodeTime, DecodeSpeedup, DecodeEnergy, PrefillTime,
               PrefillSpeedup, PrefillEnergy, RowCount };

    // profilesFile empty: searched (core's findHardwareProfilesFile, then next to the app).
    explicit DeploymentPanel(const QString& profilesFile = {}, QWidget* parent = nullptr);

    void setPattern(const PatternSpec& spec);
    // The loaded model's attention shape (nullptr: a Q/K/V set, use the reference shape).
    void setModelConfig(const ModelConfig* config);

    // For tests: the profile and context shown, the estimate behind the table.
    QComboBox* hardwareBox() const { return hardware_; }
    QComboBox* contextBox() const { return context_; }
    QComboBox* shapeBox() const { return shape_; }
    std::optional<ContextCost> estimate() const { return estimate_; }
    AttentionShape shape() const;
    const HardwareProfile* profile() const;
    QString cellText(Row row, int column) const;  // column 0 dense, 1 sparse
    QString statusText() const;
    bool isMeasuring() const { return measuring_; }

signals:
    void measured();

protected:
    void showEvent(QShowEvent* event) override;  // the in-app CPU measurement arrived

private:
    void refresh();
    void startMeasurement(int index);

    std::vector<HardwareProfile> profiles_;
    PatternSpec spec_;
    std::optional<AttentionShape> modelShape_;
    std::optional<ContextCost> estimate_;
    QComboBox* hardware_ = nullptr;
    QComboBox* context_ = nullptr;
    QComboBox* shape_ = nullptr;
    QLabel* status_ = nullptr;
    QLabel* cells_[RowCount][2] = {};
    bool measuring_ = false;
    bool stale_ = false;  // the pattern changed while the tab was hidden
};

}  // namespace sparsescope::ui
