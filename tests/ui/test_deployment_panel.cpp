// The deployment-cost panel shows core's roofline estimates (core/cost/roofline.h)
// for the chosen hardware, context and shape, measures this CPU in-app on a worker,
// and follows the model's shape.
#include "core/cost/hardware.h"
#include "core/cost/roofline.h"
#include "core/model/model_config.h"
#include "core/pattern/presets.h"
#include "ui/panels/deployment_panel.h"
#include "ui/panels/readout_format.h"

#include <QComboBox>
#include <QSignalSpy>
#include <QTest>

using namespace sparsescope;
using namespace sparsescope::ui;

namespace {
const QString kProfiles = QStringLiteral(SPARSESCOPE_SOURCE_DIR "/resources/hardware/profiles.json");
}

class TestDeploymentPanel : public QObject {
    Q_OBJECT

    static void compare(const ContextCost& a, const ContextCost& b) {
        QCOMPARE(a.context, b.context);
        QCOMPARE(a.kvReadsPerToken, b.kvReadsPerToken);
        QCOMPARE(a.decodeCoreFlops, b.decodeCoreFlops);
        QCOMPARE(a.decodeSelectorFlops, b.decodeSelectorFlops);
        QCOMPARE(a.decodeSeconds, b.decodeSeconds);
        QCOMPARE(a.decodeDenseSeconds, b.decodeDenseSeconds);
        QCOMPARE(a.decodeEnergy, b.decodeEnergy);
        QCOMPARE(a.prefillSeconds, b.prefillSeconds);
        QCOMPARE(a.prefillSpeedup, b.prefillSpeedup);
        QCOMPARE(a.decodeSpeedup, b.decodeSpeedup);
    }

private slots:
    void showsCoreEstimates_data() {
        QTest::addColumn<QString>("preset");
        QTest::addColumn<QString>("hardware");
        QTest::addColumn<int>("context");
        QTest::newRow("nsa h100 64k") << "nsa" << "h100-sxm" << 65536;
        QTest::newRow("streamingllm laptop 8k") << "streamingllm" << "laptop-m2" << 8192;
        QTest::newRow("dsa h100 128k") << "dsa" << "h100-sxm" << 131072;
        QTest::newRow("quest laptop 32k") << "quest" << "laptop-m2" << 32768;
    }

    void showsCoreEstimates() {
        QFETCH(QString, preset);
        QFETCH(QString, hardware);
        QFETCH(int, context);
        DeploymentPanel panel(kProfiles);
        const PatternSpec spec = presetSpec(preset.toStdString());
        panel.setPattern(spec);
        panel.hardwareBox()->setCurrentIndex(panel.hardwareBox()->findData(hardware));
        panel.contextBox()->setCurrentIndex(panel.contextBox()->findData(qlonglong(context)));
        QVERIFY(panel.estimate());
        const auto profiles = loadHardwareProfiles(kProfiles.toStdString());
        const ContextCost want = estimateContextCost(spec, AttentionShape{}, findProfile(profiles, hardware.toStdString()), context);
        compare(*panel.estimate(), want);
        QCOMPARE(panel.cellText(DeploymentPanel::CoreFlops, 1), engineering(want.decodeCoreFlops));
        QCOMPARE(panel.cellText(DeploymentPanel::DecodeTime, 0), withSiPrefix(want.decodeDenseSeconds, QStringLiteral("s")));
        QCOMPARE(panel.cellText(DeploymentPanel::DecodeSpeedup, 1), QString::number(want.decodeSpeedup, 'f', 2) + QStringLiteral("×"));
        QVERIFY(panel.statusText().startsWith(QStringLiteral("Estimates")));
    }

    // NSA with the paper's parameters reads Table 4's tokens at 64k: 5632 per step.
    void nsaTable4InTheTable() {
        DeploymentPanel panel(kProfiles);
        panel.setPattern(presetSpec("nsa"));
        panel.contextBox()->setCurrentIndex(panel.contextBox()->findData(qlonglong(65536)));
        QVERIFY(panel.estimate());
        QVERIFY(std::abs(panel.estimate()->kvReadsPerToken - 5632) <= 0.005 * 5632);
        QCOMPARE(panel.cellText(DeploymentPanel::KvReads, 0), engineering(65536));
    }

    void followsTheModelShape() {
        DeploymentPanel panel(kProfiles);
        ModelConfig c;
        c.architecture = "LlamaForCausalLM";
        c.layers = 6, c.heads = 8, c.kvHeads = 4, c.headDim = 32;
        panel.setModelConfig(&c);
        QCOMPARE(panel.shapeBox()->count(), 2);
        panel.shapeBox()->setCurrentIndex(1);
        QCOMPARE(panel.shape().layers, int64_t(6));
        QCOMPARE(panel.shape().kvHeads, int64_t(4));
        QCOMPARE(panel.shape().headDim, int64_t(32));
        QVERIFY(panel.statusText().contains(QStringLiteral("the loaded model")));
        panel.setModelConfig(nullptr);  // a Q/K/V set: the reference shape only
        QCOMPARE(panel.shapeBox()->count(), 1);
        QCOMPARE(panel.shape().layers, AttentionShape{}.layers);
    }

    void measuresThisCpuOffTheUiThread() {
        DeploymentPanel panel(kProfiles);
        panel.setPattern(presetSpec("streamingllm"));
        QSignalSpy measured(&panel, &DeploymentPanel::measured);
        panel.hardwareBox()->setCurrentIndex(panel.hardwareBox()->findData(QStringLiteral("cpu")));
        QVERIFY(panel.isMeasuring());  // the UI thread did not wait for it
        QVERIFY(!panel.estimate());
        QVERIFY(panel.statusText().contains(QStringLiteral("Measuring")));
        QVERIFY(measured.wait(60000));
        QVERIFY(panel.profile()->measured);
        QVERIFY(panel.profile()->peakFlops > 1e8);
        QVERIFY(panel.profile()->memoryBandwidth > 1e8);
        QVERIFY(panel.estimate());
        QVERIFY(panel.statusText().contains(QStringLiteral("measured in-app")));
    }

    void missingProfilesFileIsAnError() {
        DeploymentPanel panel(QStringLiteral("/nonexistent/profiles.json"));
        QVERIFY(!panel.estimate());
        QVERIFY(panel.statusText().contains(QStringLiteral("/nonexistent/profiles.json")));
    }
};

QTEST_MAIN(TestDeploymentPanel)
#include "test_deployment_panel.moc"
