#include "ui/views/compare_pipeline.h"

namespace sparsescope::ui {

Comparison computeComparison(const ComparisonRequest& r, const StaleCheck& stale) {
    Comparison c;
    c.a = r.a;
    c.b = r.b;
    const HeadSelection sel = r.a->selection;
    if (r.knownMaskB && r.knownMetricsB) {
        c.maskB = r.knownMaskB;
        c.metricsB = r.knownMetricsB;
    } else {
        MaskSource masks(r.a->workload, r.b);  // validates B
        c.maskB = masks.mask(sel.layer, sel.head);
        if (stale && stale()) throw StageSuperseded();
        c.metricsB = std::make_shared<HeadMetrics>(headMetrics(*r.a->workload, r.b, sel.layer, sel.head, *c.maskB));
    }
    if (stale && stale()) throw StageSuperseded();
    const SparseMask& a = *r.a->mask;
    c.counts = countMaskDiff(a, *c.maskB);
    c.gridA = downsampleRules(a, r.window);
    c.gridB = downsampleRules(*c.maskB, r.window);
    c.diff = downsampleDiff(a, *c.maskB, r.window);
    return c;
}

}  // namespace sparsescope::ui
