#include "ui/panels/method_controls.h"

#include <QDoubleSpinBox>
#include <QGridLayout>
#include <QLabel>
#include <QSpinBox>
#include <QVBoxLayout>

namespace sparsescope::ui {

namespace {

struct FieldInfo {
    const char* name;  // the CLI flag without "--"
    const char* label;
    const char* tip;   // meaning, default and source
    int64_t PatternSpec::*field;
    bool (*active)(const PatternSpec&);
    int minimum;
};

bool fixedOn(const PatternSpec& s) { return s.fixedBlock > 0; }
bool bigBirdOn(const PatternSpec& s) { return s.blockWindow > 0 || s.randomBlocks > 0; }
bool nsaOn(const PatternSpec& s) { return s.nsa; }
bool dsaOn(const PatternSpec& s) { return s.indexerTopk > 0; }
bool questOn(const PatternSpec& s) { return s.questBudget > 0; }
bool linesOn(const PatternSpec& s) { return s.verticalLines > 0 || s.slashLines > 0; }
bool h2oOn(const PatternSpec& s) { return s.heavyHitters > 0; }

const FieldInfo kFields[] = {
    {"fixed-block", "Fixed: block l", "Sparse Transformer fixed pattern (Child et al. 2019): query i keeps its own block of l keys, "
     "floor(j/l) = floor(i/l).", &PatternSpec::fixedBlock, fixedOn, 1},
    {"fixed-summary", "Fixed: summary c", "... and the last c keys of every block, j mod l >= l - c (default 8).",
     &PatternSpec::fixedSummary, fixedOn, 1},
    {"block-window", "BigBird: block window", "BigBird (Zaheer et al. 2020): the query block and the previous key blocks, "
     "Wb blocks of the block size in all (ITC: w = 3 blocks; causal: the own block and the 2 before).", &PatternSpec::blockWindow, bigBirdOn, 0},
    {"random-blocks", "BigBird: random blocks", "BigBird: R random key blocks per query block, drawn with (seed, block) "
     "from the blocks no other block rule covers (paper default 3).", &PatternSpec::randomBlocks, bigBirdOn, 0},
    {"nsa-compress-block", "NSA: compress block l", "NSA (Yuan et al. 2025): keys are mean-pooled in blocks of l = 32 "
     "(the paper's learned compressor is replaced by the mean: the model has none).", &PatternSpec::nsaCompressBlock, nsaOn, 1},
    {"nsa-compress-stride", "NSA: compress stride d", "NSA: compression blocks start every d = 16 keys (d divides l and l').",
     &PatternSpec::nsaCompressStride, nsaOn, 1},
    {"nsa-select-block", "NSA: select block l'", "NSA: selection blocks of l' = 64 keys, scored by the compressed attention "
     "summed over the GQA group.", &PatternSpec::nsaSelectBlock, nsaOn, 1},
    {"nsa-select-count", "NSA: selected blocks n", "NSA: n = 16 selected blocks per query, the forced initial and local ones "
     "included.", &PatternSpec::nsaSelectCount, nsaOn, 1},
    {"nsa-initial-blocks", "NSA: initial blocks", "NSA: the first block is always selected (paper: 1).",
     &PatternSpec::nsaInitialBlocks, nsaOn, 0},
    {"nsa-local-blocks", "NSA: local blocks", "NSA: the 2 most recent blocks are always selected (paper: 2).",
     &PatternSpec::nsaLocalBlocks, nsaOn, 0},
    {"nsa-window", "NSA: window w", "NSA: the sliding-window branch, w = 512 (0 = no window branch).",
     &PatternSpec::nsaWindow, nsaOn, 0},
    {"indexer-topk", "DSA: indexer top-k", "DSA (DeepSeek-V3.2-Exp): the K = 2048 keys with the largest lightning-indexer "
     "score I(t,s) = sum_j w(t,j) ReLU(q_j(t) . k(s)).", &PatternSpec::indexerTopk, dsaOn, 1},
    {"indexer-dim", "DSA: indexer dim d_I", "DSA: the indexer's dimension (default 64). The model has no trained indexer: "
     "q and k are projected on the keys' d_I leading principal directions.", &PatternSpec::indexerDim, dsaOn, 1},
    {"quest-budget", "Quest: token budget", "Quest (Tang et al. 2024): the best pages within this many tokens per query, "
     "pages scored by sum_d max(q_d max_d, q_d min_d).", &PatternSpec::questBudget, questOn, 1},
    {"quest-page", "Quest: page size", "Quest: pages of 16 keys with per-page key min and max.",
     &PatternSpec::questPage, questOn, 1},
    {"vertical", "MInference: vertical lines", "MInference (Jiang et al. 2024): the V key columns with the most attention "
     "mass of the last queries (0 = off).", &PatternSpec::verticalLines, linesOn, 0},
    {"slash", "MInference: slash lines", "MInference: the S diagonals (offsets i - j) with the most attention mass of the "
     "last queries (0 = off).", &PatternSpec::slashLines, linesOn, 0},
    {"last-queries", "MInference: last queries", "MInference: the lines are estimated from the last 64 queries.",
     &PatternSpec::lastQueries, linesOn, 1},
    {"heavy-hitters", "H2O: heavy hitters", "H2O (Zhang et al. 2023): the H keys outside the recent window (the Window "
     "slider) with the largest accumulated attention, decoding simulated row by row.", &PatternSpec::heavyHitters, h2oOn, 1},
};

}  // namespace

MethodControls::MethodControls(QWidget* parent) : QWidget(parent) {
    auto* outer = new QVBoxLayout(this);
    outer->setContentsMargins(0, 0, 0, 0);
    auto* grid = new QGridLayout;
    grid->setVerticalSpacing(2);
    int r = 0;
    for (const FieldInfo& f : kFields) {
        Row row{QString::fromLatin1(f.name), f.field, f.active};
        row.label = new QLabel(tr(f.label));
        row.spin = new QSpinBox;
        row.spin->setObjectName(QStringLiteral("method_") + row.name);
        row.spin->setRange(f.minimum, 1'000'000);
        row.spin->setKeyboardTracking(false);
        row.label->setToolTip(tr(f.tip));
        row.spin->setToolTip(tr(f.tip));
        const auto field = f.field;
        connect(row.spin, &QSpinBox::valueChanged, this, [this, field](int v) {
            if (updating_) return;
            PatternSpec s = spec_;
            s.*field = v;
            emit specEdited(s);
        });
        grid->addWidget(row.label, r, 0);
        grid->addWidget(row.spin, r, 1);
        rows_.push_back(row);
        ++r;
    }
    topPLabel_ = new QLabel(tr("Top-p: coverage p"));
    topP_ = new QDoubleSpinBox;
    topP_->setObjectName(QStringLiteral("method_top-p"));
    topP_->setRange(0.01, 1.0);
    topP_->setDecimals(3);
    topP_->setSingleStep(0.01);
    topP_->setKeyboardTracking(false);
    const QString topPTip = tr("Top-p / coverage (Twilight; FlexPrefill's gamma): per query the fewest keys, highest score "
                               "first, whose dense mass reaches p. Our default p = 0.9 is a choice, not a paper's figure. "
                               "Density then varies per row and per head: see \"Row density\" in the readouts.");
    topPLabel_->setToolTip(topPTip);
    topP_->setToolTip(topPTip);
    connect(topP_, &QDoubleSpinBox::valueChanged, this, [this](double v) {
        if (updating_) return;
        PatternSpec s = spec_;
        s.topP = v;
        emit specEdited(s);
    });
    grid->addWidget(topPLabel_, r, 0);
    grid->addWidget(topP_, r, 1);
    grid->setColumnStretch(0, 1);
    outer->addLayout(grid);

    note_ = new QLabel;
    note_->setWordWrap(true);
    note_->setObjectName(QStringLiteral("methodNote"));
    note_->setStyleSheet(QStringLiteral("color: #8a5a00;"));
    outer->addWidget(note_);
    showSpec(spec_);
}

void MethodControls::showSpec(const PatternSpec& spec) {
    spec_ = spec;
    updating_ = true;
    for (Row& row : rows_) {
        const bool on = !spec.dense && row.active(spec);
        row.label->setVisible(on);
        row.spin->setVisible(on);
        row.spin->setValue(int(std::min<int64_t>(spec.*(row.field), row.spin->maximum())));
    }
    const bool topP = !spec.dense && spec.topP > 0.0;
    topPLabel_->setVisible(topP);
    topP_->setVisible(topP);
    if (topP) topP_->setValue(spec.topP);
    updating_ = false;

    QStringList notes;
    if (!spec.dense && spec.nsa)
        notes << tr("NSA's three branches (compressed, selected, window) are combined with equal gates, 1/3 each: the "
                    "model has no trained gates, and mean pooling stands in for the learned compressor. The output "
                    "therefore differs from dense attention even where every key is kept.");
    if (!spec.dense && spec.indexerTopk > 0)
        notes << tr("DSA's indexer is built from the model's own heads (a projection of the group's queries and keys), "
                    "not trained: \"Indexer ∩ oracle top-k\" shows how far it is from the oracle.");
    note_->setText(notes.join(QStringLiteral("\n\n")));
    note_->setVisible(!notes.isEmpty());
    setVisible(visibleRows() > 0 || !notes.isEmpty());
}

QSpinBox* MethodControls::spinBox(const QString& name) const {
    for (const Row& row : rows_)
        if (row.name == name) return row.spin;
    return nullptr;
}

QString MethodControls::noteText() const { return note_->text(); }

int MethodControls::visibleRows() const {
    int n = topP_->isVisibleTo(this) ? 1 : 0;
    for (const Row& row : rows_) n += row.spin->isVisibleTo(this) ? 1 : 0;
    return n;
}

}  // namespace sparsescope::ui
