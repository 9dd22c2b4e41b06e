#pragma once
// Colours and names of the mask view's rule categories (core/heatmap's
// RuleCategory) and of the attention-mass colour scale, shared by the heatmap,
// its legend and the gallery.
#include "core/heatmap/heatmap_grid.h"
#include "core/pattern/sparse_mask.h"

#include <QColor>
#include <QString>
#include <QStringList>

namespace sparsescope::ui {

inline QColor categoryColor(int category) {
    switch (category) {
    case kCatOutside: return QColor(0xf2, 0xf2, 0xf2);
    case kCatDropped: return QColor(0xc8, 0xc8, 0xc8);
    case kCatDiagonal: return QColor(0x26, 0x32, 0x38);
    case kCatDense: return QColor(0x60, 0x7d, 0x8b);
    case kCatWindow: return QColor(0x1f, 0x77, 0xb4);
    case kCatGlobal: return QColor(0x2c, 0xa0, 0x2c);
    case kCatStride: return QColor(0xff, 0x7f, 0x0e);
    case kCatBlockTopK: return QColor(0x94, 0x67, 0xbd);
    case kCatTopK: return QColor(0xd6, 0x27, 0x28);
    case kCatRandom: return QColor(0xe3, 0x77, 0xc2);
    case kCatNsaWindow: return QColor(0x6b, 0xae, 0xd6);
    case kCatNsaCompressed: return QColor(0x17, 0xbe, 0xcf);
    case kCatNsaSelected: return QColor(0xbc, 0xbd, 0x22);
    case kCatQuestPage: return QColor(0x8c, 0x56, 0x4b);
    case kCatVertical: return QColor(0x39, 0x3b, 0x79);
    case kCatSlash: return QColor(0xe7, 0xba, 0x52);
    case kCatIndexer: return QColor(0xad, 0x49, 0x4a);
    case kCatHeavyHitter: return QColor(0x31, 0xa3, 0x54);
    default: return QColor(0x00, 0x00, 0x00);
    }
}

inline QString categoryName(int category) {
    switch (category) {
    case kCatOutside: return QStringLiteral("not causal");
    case kCatDropped: return QStringLiteral("dropped");
    case kCatDiagonal: return QStringLiteral("diagonal");
    case kCatDense: return QStringLiteral("dense");
    case kCatWindow: return QStringLiteral("window");
    case kCatGlobal: return QStringLiteral("global");
    case kCatStride: return QStringLiteral("stride");
    case kCatBlockTopK: return QStringLiteral("block top-k");
    case kCatTopK: return QStringLiteral("top-k");
    case kCatRandom: return QStringLiteral("random");
    case kCatNsaWindow: return QStringLiteral("NSA window");
    case kCatNsaCompressed: return QStringLiteral("NSA compressed");
    case kCatNsaSelected: return QStringLiteral("NSA selected");
    case kCatQuestPage: return QStringLiteral("Quest page");
    case kCatVertical: return QStringLiteral("vertical line");
    case kCatSlash: return QStringLiteral("slash line");
    case kCatIndexer: return QStringLiteral("DSA indexer");
    case kCatHeavyHitter: return QStringLiteral("heavy hitter");
    default: return QStringLiteral("?");
    }
}

// Every rule that kept an entry, in words ("window + stride").
inline QString ruleNames(uint16_t rules) {
    QStringList names;
    if (rules & kRuleDense) names << QStringLiteral("dense");
    if (rules & kRuleWindow) names << QStringLiteral("window");
    if (rules & kRuleGlobal) names << QStringLiteral("global");
    if (rules & kRuleStride) names << QStringLiteral("stride");
    if (rules & kRuleRandom) names << QStringLiteral("random");
    if (rules & kRuleTopK) names << QStringLiteral("top-k");
    if (rules & kRuleBlockTopK) names << QStringLiteral("block top-k");
    if (rules & kRuleNsaCompressed) names << QStringLiteral("NSA compressed");
    if (rules & kRuleNsaSelected) names << QStringLiteral("NSA selected");
    if (rules & kRuleNsaWindow) names << QStringLiteral("NSA window");
    if (rules & kRuleQuestPage) names << QStringLiteral("Quest page");
    if (rules & kRuleVertical) names << QStringLiteral("vertical line");
    if (rules & kRuleSlash) names << QStringLiteral("slash line");
    if (rules & kRuleIndexer) names << QStringLiteral("DSA indexer");
    if (rules & kRuleHeavyHitter) names << QStringLiteral("heavy hitter");
    if (rules & kRuleDiagonal) names << QStringLiteral("diagonal");
    return names.join(QStringLiteral(" + "));
}

// The attention-mass scale: white (no mass) to dark purple (all of it).
inline QColor massColor(double t) {
    struct Stop { double t; int r, g, b; };
    static const Stop stops[] = {{0.0, 0xff, 0xff, 0xff}, {0.2, 0xfd, 0xe0, 0xc5}, {0.45, 0xf5, 0x9e, 0x72},
                                 {0.7, 0xd1, 0x49, 0x5b}, {1.0, 0x4a, 0x12, 0x3e}};
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    for (size_t i = 1; i < std::size(stops); ++i) {
        if (t <= stops[i].t) {
            const double u = (t - stops[i - 1].t) / (stops[i].t - stops[i - 1].t);
            auto mix = [u](int a, int b) { return int(a + (b - a) * u + 0.5); };
            return QColor(mix(stops[i - 1].r, stops[i].r), mix(stops[i - 1].g, stops[i].g),
                          mix(stops[i - 1].b, stops[i].b));
        }
    }
    return QColor(stops[4].r, stops[4].g, stops[4].b);
}

}  // namespace sparsescope::ui
