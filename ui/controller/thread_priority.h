#pragma once
// Background work (the whole-model attention stage, the model-level forward
// pass) runs at a lower OS priority than the stage the user waits for (the
// selected head after a slider move), so on a 2-core machine the latter gets the
// cores at once instead of sharing them. Threads created by the current thread
// (parallelFor's workers) inherit the value. Linux: per-thread nice; elsewhere a no-op.
#if defined(__linux__)
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace sparsescope::ui {

// The process's nice value plus `delta` for the calling thread (relative, so a
// program started with `nice` keeps the same spacing between its threads).
inline void setCurrentThreadNiceAbove(int delta) {
#if defined(__linux__)
    const int base = getpriority(PRIO_PROCESS, static_cast<id_t>(getpid()));
    setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), base + delta);
#else
    (void)delta;
#endif
}

// Whole-model attention stage and thumbnails: lowest. The model-level forward pass
// (which has a latency target of its own) sits between them and the foreground.
inline constexpr int kBackgroundNice = 10;
inline constexpr int kEvalNice = 5;

}  // namespace sparsescope::ui
