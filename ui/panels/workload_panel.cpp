#include "ui/panels/workload_panel.h"

#include <QComboBox>
#include <QFileInfo>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QVBoxLayout>

namespace sparsescope::ui {

WorkloadPanel::WorkloadPanel(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);

    model_ = new QLabel(tr("No model loaded"));
    model_->setWordWrap(true);
    layout->addWidget(model_);
    auto* modelRow = new QHBoxLayout;
    auto* openModel = new QPushButton(tr("Model folder…"));
    openModel->setToolTip(tr("Open a Hugging Face model folder (config.json, model.safetensors, tokenizer.json)."));
    auto* openQkv = new QPushButton(tr("Q/K/V set…"));
    openQkv->setToolTip(tr("Open Q/K/V tensors saved with NumPy: one .npz with q, k (and v), or q.npy (with k.npy, v.npy beside it)."));
    connect(openModel, &QPushButton::clicked, this, &WorkloadPanel::openModelRequested);
    connect(openQkv, &QPushButton::clicked, this, &WorkloadPanel::openQkvRequested);
    modelRow->addWidget(openModel);
    modelRow->addWidget(openQkv);
    layout->addLayout(modelRow);

    sampleBox_ = new QComboBox;
    sampleBox_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    sampleBox_->setMinimumContentsLength(16);
    sampleBox_->setPlaceholderText(tr("(your own text)"));
    connect(sampleBox_, &QComboBox::activated, this, [this](int index) {
        showDescription(index);
        emit sampleChosen(index);
    });
    layout->addWidget(new QLabel(tr("<b>Text</b>")));
    layout->addWidget(sampleBox_);
    description_ = new QLabel;
    description_->setWordWrap(true);
    description_->setStyleSheet(QStringLiteral("color: #444;"));
    layout->addWidget(description_);
    source_ = new QLabel;
    source_->setWordWrap(true);
    layout->addWidget(source_);

    auto* textRow = new QHBoxLayout;
    auto* openText = new QPushButton(tr("Open text…"));
    auto* paste = new QPushButton(tr("Paste text…"));
    connect(openText, &QPushButton::clicked, this, &WorkloadPanel::openTextRequested);
    connect(paste, &QPushButton::clicked, this, &WorkloadPanel::pasteRequested);
    textRow->addWidget(openText);
    textRow->addWidget(paste);
    layout->addLayout(textRow);

    auto* grid = new QGridLayout;
    maxTokens_ = new QSpinBox;
    maxTokens_->setRange(2, 1 << 20);
    maxTokens_->setValue(1024);
    maxTokens_->setSingleStep(128);
    maxTokens_->setKeyboardTracking(false);
    maxTokens_->setToolTip(tr("Longer texts are cut to their first tokens (the model's context is the upper limit)."));
    connect(maxTokens_, &QSpinBox::valueChanged, this, &WorkloadPanel::maxTokensChanged);
    tokens_ = new QLabel(QStringLiteral("–"));
    grid->addWidget(new QLabel(tr("Tokens")), 0, 0);
    grid->addWidget(tokens_, 0, 1);
    grid->addWidget(new QLabel(tr("Max tokens")), 1, 0);
    grid->addWidget(maxTokens_, 1, 1);
    layout->addLayout(grid);
    notice_ = new QLabel;
    notice_->setWordWrap(true);
    notice_->setStyleSheet(QStringLiteral("color: #b45309;"));
    notice_->hide();
    layout->addWidget(notice_);
}

void WorkloadPanel::setSamples(const std::vector<SampleInfo>& samples) {
    samples_ = samples;
    QSignalBlocker block(sampleBox_);
    sampleBox_->clear();
    for (size_t i = 0; i < samples_.size(); ++i) {
        const SampleInfo& s = samples_[i];
        sampleBox_->addItem(QString::fromStdString(s.title) + QStringLiteral("  [") + QString::fromStdString(s.kind) +
                            QStringLiteral("]"));
        sampleBox_->setItemData(int(i), QString::fromStdString(s.description), Qt::ToolTipRole);
    }
    sampleBox_->setCurrentIndex(-1);
}

void WorkloadPanel::setCurrentSample(int index) {
    QSignalBlocker block(sampleBox_);
    sampleBox_->setCurrentIndex(index);
    showDescription(index);
}

int WorkloadPanel::currentSample() const { return sampleBox_->currentIndex(); }

void WorkloadPanel::showDescription(int index) {
    if (index < 0 || size_t(index) >= samples_.size()) {
        description_->clear();
        source_->clear();
        return;
    }
    const SampleInfo& s = samples_[size_t(index)];
    description_->setText(QString::fromStdString(s.description));
    source_->setText(tr("<small>Source: %1<br>Licence: %2</small>")
                         .arg(QString::fromStdString(s.source).toHtmlEscaped(),
                              QString::fromStdString(s.licence).toHtmlEscaped()));
}

void WorkloadPanel::setWorkload(const WorkloadPtr& w) {
    if (!w) return;
    model_->setText(w->hasModel() ? tr("<b>Model</b> %1<br><small>%2</small>")
                                        .arg(QFileInfo(QString::fromStdString(w->modelDir)).fileName().toHtmlEscaped(),
                                             QString::fromStdString(w->modelSummary).toHtmlEscaped())
                                  : tr("<b>Q/K/V set</b> %1<br><small>%2</small>")
                                        .arg(QString::fromStdString(w->qkvSource).toHtmlEscaped(),
                                             QString::fromStdString(w->modelSummary).toHtmlEscaped()));
    model_->setToolTip(QString::fromStdString(w->hasModel() ? w->modelDir : w->qkvSource));
    tokens_->setText(w->truncated ? tr("%1 (of %2)").arg(w->n()).arg(w->tokensBeforeTruncation)
                                  : QString::number(w->n()));
    if (w->hasModel()) maxTokens_->setMaximum(int(w->model->config().maxPositions));
    maxTokens_->setEnabled(w->hasModel());
    notice_->setText(w->truncated ? tr("Truncated: %1").arg(QString::fromStdString(w->notice)) : QString());
    notice_->setVisible(w->truncated);
    if (currentSample() < 0) {
        description_->setText(tr("Text: %1").arg(QString::fromStdString(w->textSource)));
        source_->clear();
    }
}

void WorkloadPanel::setMaxTokens(int maxTokens) {
    QSignalBlocker block(maxTokens_);
    maxTokens_->setValue(maxTokens);
}

int WorkloadPanel::maxTokens() const { return maxTokens_->value(); }

QString WorkloadPanel::tokenCountText() const { return tokens_->text(); }

QString WorkloadPanel::noticeText() const { return notice_->isVisible() || !notice_->text().isEmpty() ? notice_->text() : QString(); }

}  // namespace sparsescope::ui
