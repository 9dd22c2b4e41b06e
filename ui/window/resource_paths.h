#pragma once
// Where the bundled samples live: $SPARSESCOPE_SAMPLES_DIR, then samples/ next to
// or above the executable, then the given extra candidates. Empty when none has
// a manifest.json.
#include <QString>
#include <QStringList>

namespace sparsescope::ui {

QString findSamplesDir(const QStringList& extraCandidates = {});

}  // namespace sparsescope::ui
