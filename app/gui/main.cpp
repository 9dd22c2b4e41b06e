// sparsescope: the desktop app. Opens with the bundled default model and a
// default sample; everything else happens in ui/ (MainWindow, AnalysisController).
#include "core/common/error.h"
#include "core/model/model_input.h"
#include "ui/window/main_window.h"
#include "ui/window/resource_paths.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QTimer>

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("SparseScope"));
    QApplication::setOrganizationName(QStringLiteral("SparseScope"));
    QApplication::setApplicationVersion(QStringLiteral("0.1.0"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Explore sparse attention patterns on a real model."));
    parser.addHelpOption();
    parser.addVersionOption();
    QCommandLineOption modelOpt(QStringLiteral("model"), QStringLiteral("Model folder (default: the bundled model)."),
                                QStringLiteral("dir"));
    QCommandLineOption sampleOpt(QStringLiteral("sample"), QStringLiteral("Id of the sample to open first."),
                                 QStringLiteral("id"), QStringLiteral("dialogue-attention-tutorial"));
    QCommandLineOption presetOpt(QStringLiteral("preset"), QStringLiteral("Pattern preset to start with."),
                                 QStringLiteral("name"), QStringLiteral("streamingllm"));
    parser.addOptions({modelOpt, sampleOpt, presetOpt});
    parser.process(app);

    sparsescope::ui::MainWindow window;
    window.show();

    QString modelDir = parser.value(modelOpt);
    if (modelDir.isEmpty()) {
        try {
            modelDir = QString::fromStdString(sparsescope::findDefaultModelDir({SPARSESCOPE_SOURCE_DIR "/resources/model"}));
        } catch (const sparsescope::Error&) {
            modelDir.clear();  // start() says so in the status bar
        }
    }
    const QString samples = sparsescope::ui::findSamplesDir({QStringLiteral(SPARSESCOPE_SOURCE_DIR "/samples")});
    QTimer::singleShot(0, &window, [&] { window.start(modelDir, samples, parser.value(sampleOpt), parser.value(presetOpt)); });
    return app.exec();
}
