#include "ui/heatmap/heatmap_text.h"

#include "ui/heatmap/rule_palette.h"

#include <QCoreApplication>

#include <algorithm>

namespace sparsescope::ui {

QString displayToken(const std::string& token, int maxChars) {
    QString t = QString::fromStdString(token);
    t.replace(QLatin1Char('\n'), QStringLiteral("↵"));
    t.replace(QLatin1Char('\r'), QStringLiteral("␍"));
    t.replace(QLatin1Char('\t'), QStringLiteral("⇥"));
    if (t.startsWith(QLatin1Char(' '))) t = QStringLiteral("␣") + t.mid(1);
    if (t.endsWith(QLatin1Char(' ')) && t.size() > 1) t = t.left(t.size() - 1) + QStringLiteral("␣");
    if (t.isEmpty()) t = QStringLiteral("∅");
    if (t.size() > maxChars) t = t.left(maxChars - 1) + QStringLiteral("…");
    return t;
}

std::optional<uint16_t> maskRules(const SparseMask& mask, int64_t i, int64_t j) {
    if (i < 0 || i >= mask.n) return std::nullopt;
    const auto first = mask.cols.begin() + mask.rowBegin(i), last = mask.cols.begin() + mask.rowEnd(i);
    const auto it = std::lower_bound(first, last, static_cast<int32_t>(j));
    if (it == last || *it != j) return std::nullopt;
    return mask.rules[static_cast<size_t>(it - mask.cols.begin())];
}

QString heatmapToolTip(const HeadStage& s, int64_t i, int64_t j) {
    auto tr = [](const char* text) { return QCoreApplication::translate("Heatmap", text); };
    const Workload& w = *s.workload;
    const int64_t n = w.n();
    if (i < 0 || j < 0 || i >= n || j >= n) return {};
    const QString tokI = displayToken(w.tokens[size_t(i)], 24), tokJ = displayToken(w.tokens[size_t(j)], 24);
    QString text = tr("query %1 «%2»\nkey %3 «%4»").arg(i).arg(tokI).arg(j).arg(tokJ);
    if (j > i) return text + tr("\nnot a causal pair (the key comes after the query)");
    const double p = (*s.probs)(i, j);
    text += tr("\ndense weight %1").arg(p, 0, 'g', 4);
    const auto rules = maskRules(*s.mask, i, j);
    if (rules) {
        const double r = s.metrics.rowRecall.empty() ? 1.0 : s.metrics.rowRecall[size_t(i)];
        text += tr("\nsparse weight %1").arg(r > 0 ? p / r : 0.0, 0, 'g', 4);
        text += tr("\nkept by %1").arg(ruleNames(*rules));
    } else {
        text += tr("\ndropped (loses %1 of the row's attention)").arg(p, 0, 'g', 4);
    }
    return text;
}

}  // namespace sparsescope::ui
