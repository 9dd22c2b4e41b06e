#include "ui/panels/deployment_panel.h"

#include "core/common/error.h"
#include "core/model/model_config.h"
#include "ui/panels/readout_format.h"

#include <QComboBox>
#include <QCoreApplication>
#include <QDir>
#include <QFutureWatcher>
#include <QGridLayout>
#include <QLabel>
#include <QVBoxLayout>
#include <QtConcurrent>

namespace sparsescope::ui {

namespace {

QString rowName(DeploymentPanel::Row r) {
    switch (r) {
    case DeploymentPanel::KvReads: return DeploymentPanel::tr("KV reads / decoded token");
    case DeploymentPanel::CoreFlops: return DeploymentPanel::tr("Core FLOPs / decoded token");
    case DeploymentPanel::SelectorFlops: return DeploymentPanel::tr("Selector FLOPs / decoded token");
    case DeploymentPanel::DecodeTime: return DeploymentPanel::tr("Decode time / token (est.)");
    case DeploymentPanel::DecodeSpeedup: return DeploymentPanel::tr("Decode speed-up (est.)");
    case DeploymentPanel::DecodeEnergy: return DeploymentPanel::tr("Decode energy / token (est.)");
    case DeploymentPanel::PrefillTime: return DeploymentPanel::tr("Prefill time (est.)");
    case DeploymentPanel::PrefillSpeedup: return DeploymentPanel::tr("Prefill speed-up (est.)");
    case DeploymentPanel::PrefillEnergy: return DeploymentPanel::tr("Prefill energy / token (est.)");
    case DeploymentPanel::RowCount: break;
    }
    return {};
}

QString rowTip(DeploymentPanel::Row r) {
    switch (r) {
    case DeploymentPanel::KvReads:
        return DeploymentPanel::tr("K/V token rows one decoding step reads per KV head and layer (NSA's Table 4 unit); "
                                   "data-dependent budgets are upper bounds.");
    case DeploymentPanel::CoreFlops:
        return DeploymentPanel::tr("Token-level attention FLOPs of one decoding step, whole model (all layers and heads).");
    case DeploymentPanel::SelectorFlops:
        return DeploymentPanel::tr("FLOPs spent choosing keys in one decoding step, whole model (indexer, compressed "
                                   "attention, page bounds, oracle pass).");
    default:
        return DeploymentPanel::tr("Roofline estimate for attention alone: time = layers × max(FLOPs / peak, bytes / "
                                   "bandwidth); energy = FLOPs × pJ/FLOP + bytes × pJ/byte. Projections, MLP and weight "
                                   "reads are the same dense and sparse and are left out.");
    }
}

const int64_t kContexts[] = {4096, 8192, 16384, 32768, 65536, 131072};

}  // namespace

DeploymentPanel::DeploymentPanel(const QString& profilesFile, QWidget* parent) : QWidget(parent) {
    auto* outer = new QVBoxLayout(this);
    auto* form = new QGridLayout;
    hardware_ = new QComboBox;
    hardware_->setObjectName(QStringLiteral("hardwareProfile"));
    context_ = new QComboBox;
    context_->setObjectName(QStringLiteral("contextLength"));
    for (int64_t c : kContexts) context_->addItem(QStringLiteral("%1k tokens").arg(c / 1024), qlonglong(c));
    context_->setCurrentIndex(2);  // 16k
    shape_ = new QComboBox;
    shape_->setObjectName(QStringLiteral("attentionShape"));
    shape_->addItem(tr("Llama-3.1-8B reference shape"));
    shape_->setToolTip(QString::fromStdString(AttentionShape{}.source));
    form->addWidget(new QLabel(tr("Hardware")), 0, 0);
    form->addWidget(hardware_, 0, 1);
    form->addWidget(new QLabel(tr("Context")), 1, 0);
    form->addWidget(context_, 1, 1);
    form->addWidget(new QLabel(tr("Attention of")), 2, 0);
    form->addWidget(shape_, 2, 1);
    form->setColumnStretch(1, 1);
    outer->addLayout(form);

    auto* table = new QGridLayout;
    table->setVerticalSpacing(2);
    table->setHorizontalSpacing(12);
    table->addWidget(new QLabel(tr("<b>Dense</b>")), 0, 1, Qt::AlignRight);
    table->addWidget(new QLabel(tr("<b>Pattern</b>")), 0, 2, Qt::AlignRight);
    for (int r = 0; r < RowCount; ++r) {
        auto* name = new QLabel(rowName(Row(r)));
        name->setToolTip(rowTip(Row(r)));
        table->addWidget(name, r + 1, 0);
        for (int c = 0; c < 2; ++c) {
            cells_[r][c] = new QLabel(QStringLiteral("–"));
            cells_[r][c]->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
            cells_[r][c]->setToolTip(rowTip(Row(r)));
            cells_[r][c]->setTextInteractionFlags(Qt::TextSelectableByMouse);
            table->addWidget(cells_[r][c], r + 1, c + 1);
        }
    }
    outer->addLayout(table);
    status_ = new QLabel;
    status_->setWordWrap(true);
    status_->setStyleSheet(QStringLiteral("color: #555;"));
    outer->addWidget(status_);
    outer->addStretch(1);

    try {
        QString file = profilesFile;
        if (file.isEmpty()) {
            const QString exe = QCoreApplication::applicationDirPath();
            std::vector<std::string> extra;
            for (const char* rel : {"resources/hardware/profiles.json", "../resources/hardware/profiles.json",
                                    "../../resources/hardware/profiles.json"})
                extra.push_back(QDir(exe).filePath(QLatin1String(rel)).toStdString());
            file = QString::fromStdString(findHardwareProfilesFile(extra));
        }
        profiles_ = loadHardwareProfiles(file.toStdString());
    } catch (const Error& e) {
        status_->setText(tr("No hardware estimates: %1").arg(QString::fromUtf8(e.what())));
    }
    for (const HardwareProfile& p : profiles_) {
        hardware_->addItem(QString::fromStdString(p.title), QString::fromStdString(p.name));
        hardware_->setItemData(hardware_->count() - 1,
                               QString::fromStdString(p.flopsSource + "\n" + p.bandwidthSource + "\n" + p.energySource),
                               Qt::ToolTipRole);
    }
    connect(hardware_, &QComboBox::currentIndexChanged, this, [this](int i) {
        if (i >= 0 && size_t(i) < profiles_.size() && profiles_[size_t(i)].measure && !profiles_[size_t(i)].measured)
            startMeasurement(i);
        refresh();
    });
    connect(context_, &QComboBox::currentIndexChanged, this, &DeploymentPanel::refresh);
    connect(shape_, &QComboBox::currentIndexChanged, this, &DeploymentPanel::refresh);
    refresh();
}

void DeploymentPanel::setPattern(const PatternSpec& spec) {
    spec_ = spec;
    // Every slider move lands here: while the tab is behind another, the estimate
    // (a sum over every prefill row) waits until the tab is shown.
    if (parentWidget() && !isVisible()) {
        stale_ = true;
        return;
    }
    refresh();
}

void DeploymentPanel::showEvent(QShowEvent* event) {
    QWidget::showEvent(event);
    if (stale_) refresh();
}

void DeploymentPanel::setModelConfig(const ModelConfig* c) {
    const bool wasModel = shape_->count() > 1 && shape_->currentIndex() == 1;
    while (shape_->count() > 1) shape_->removeItem(1);
    modelShape_.reset();
    if (c) {
        AttentionShape s = attentionShapeOf(*c);
        s.source = "the loaded model (" + s.source + ", 2-byte KV cache)";
        modelShape_ = s;
        shape_->addItem(tr("the loaded model"));
        shape_->setItemData(1, QString::fromStdString(s.source), Qt::ToolTipRole);
        if (wasModel) shape_->setCurrentIndex(1);
    }
    refresh();
}

AttentionShape DeploymentPanel::shape() const {
    if (shape_->currentIndex() == 1 && modelShape_) return *modelShape_;
    return AttentionShape{};
}

const HardwareProfile* DeploymentPanel::profile() const {
    const int i = hardware_->currentIndex();
    return i >= 0 && size_t(i) < profiles_.size() ? &profiles_[size_t(i)] : nullptr;
}

void DeploymentPanel::startMeasurement(int index) {
    if (measuring_) return;
    measuring_ = true;
    auto* watcher = new QFutureWatcher<CpuMeasurement>(this);
    connect(watcher, &QFutureWatcher<CpuMeasurement>::finished, this, [this, watcher, index] {
        applyMeasurement(profiles_[size_t(index)], watcher->result());
        watcher->deleteLater();
        measuring_ = false;
        refresh();
        emit measured();
    });
    // A fraction of a second of GEMMs and streaming reads, never on the UI thread.
    watcher->setFuture(QtConcurrent::run([] { return measureThisCpu(0.4, 0); }));
}

void DeploymentPanel::refresh() {
    stale_ = false;
    estimate_.reset();
    const HardwareProfile* hw = profile();
    auto clear = [this] {
        for (auto& row : cells_)
            for (QLabel* c : row) c->setText(QStringLiteral("–"));
    };
    if (!hw) {
        clear();
        return;
    }
    if (hw->measure && !hw->measured) {
        clear();
        status_->setText(tr("Measuring this CPU's FLOP/s and memory bandwidth…"));
        return;
    }
    const int64_t context = context_->currentData().toLongLong();
    try {
        estimate_ = estimateContextCost(spec_, shape(), *hw, context);
    } catch (const Error& e) {
        clear();
        status_->setText(QString::fromUtf8(e.what()));
        return;
    }
    const ContextCost& c = *estimate_;
    auto set = [this](Row r, const QString& dense, const QString& sparse) {
        cells_[r][0]->setText(dense);
        cells_[r][1]->setText(sparse);
    };
    set(KvReads, engineering(c.kvReadsDense), engineering(c.kvReadsPerToken) + (c.dataDependent ? QStringLiteral(" ≤") : QString()));
    set(CoreFlops, engineering(c.decodeDenseFlops), engineering(c.decodeCoreFlops));
    set(SelectorFlops, QStringLiteral("0"), engineering(c.decodeSelectorFlops));
    set(DecodeTime, withSiPrefix(c.decodeDenseSeconds, QStringLiteral("s")), withSiPrefix(c.decodeSeconds, QStringLiteral("s")));
    set(DecodeSpeedup, QStringLiteral("1×"), QString::number(c.decodeSpeedup, 'f', 2) + QStringLiteral("×"));
    set(DecodeEnergy, withSiPrefix(c.decodeDenseEnergy, QStringLiteral("J")), withSiPrefix(c.decodeEnergy, QStringLiteral("J")));
    set(PrefillTime, withSiPrefix(c.prefillDenseSeconds, QStringLiteral("s")), withSiPrefix(c.prefillSeconds, QStringLiteral("s")));
    set(PrefillSpeedup, QStringLiteral("1×"), QString::number(c.prefillSpeedup, 'f', 2) + QStringLiteral("×"));
    set(PrefillEnergy, withSiPrefix(c.prefillDenseEnergyPerToken, QStringLiteral("J")),
        withSiPrefix(c.prefillEnergyPerToken, QStringLiteral("J")));

    QStringList notes;
    notes << tr("Estimates, attention only: %1 at %2 FLOP/s and %3 (%4), %5.")
                 .arg(QString::fromStdString(hw->title), engineering(hw->peakFlops),
                      withSiPrefix(hw->memoryBandwidth, QStringLiteral("B/s")),
                      hw->measure ? tr("measured in-app") : tr("published figures"),
                      QString::fromStdString(shape().source));
    if (c.dataDependent) notes << tr("≤: data-dependent budgets (top-k, pages, heavy hitters) are upper bounds.");
    if (c.decodeDense) notes << tr("This pattern does not sparsify decoding (dense per decoded token).");
    if (c.prefillDense) notes << tr("This pattern does not sparsify prefill (dense prefill).");
    status_->setText(notes.join(QLatin1Char(' ')));
}

QString DeploymentPanel::cellText(Row row, int column) const { return cells_[row][column]->text(); }

QString DeploymentPanel::statusText() const { return status_->text(); }

}  // namespace sparsescope::ui
