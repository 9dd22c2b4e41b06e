#pragma once
// parallelFor: split [begin, end) into chunks run on a few std::threads.
// Re-entrant (no global state); the calling thread takes part in the work.
// Used for heads and rows in the kernels and for heads in the model forward.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace sparsescope {

inline int defaultThreadCount() {
    unsigned hc = std::thread::hardware_concurrency();
    return hc == 0 ? 1 : static_cast<int>(std::min(hc, 64u));
}

// fn(i) for i in [begin, end); items are claimed `grain` at a time from a shared
// counter, so uneven rows (causal attention) still balance. Exceptions thrown by
// fn are re-thrown on the calling thread.
template <class Fn>
void parallelFor(int64_t begin, int64_t end, Fn&& fn, int64_t grain = 1, int threads = 0) {
    if (end <= begin) return;
    if (threads <= 0) threads = defaultThreadCount();
    grain = std::max<int64_t>(1, grain);
    const int64_t chunks = (end - begin + grain - 1) / grain;
    const int workers = static_cast<int>(std::min<int64_t>(threads, chunks));
    if (workers <= 1) {
        for (int64_t i = begin; i < end; ++i) fn(i);
        return;
    }
    std::atomic<int64_t> next{begin};
    std::exception_ptr error;
    std::mutex errorMutex;
    auto work = [&] {
        try {
            for (;;) {
                const int64_t start = next.fetch_add(grain);
                if (start >= end) break;
                const int64_t stop = std::min(end, start + grain);
                for (int64_t i = start; i < stop; ++i) fn(i);
            }
        } catch (...) {
            std::lock_guard<std::mutex> lock(errorMutex);
            if (!error) error = std::current_exception();
            next.store(end);
        }
    };
    std::vector<std::thread> pool;
    pool.reserve(static_cast<size_t>(workers - 1));
    for (int t = 1; t < workers; ++t) pool.emplace_back(work);
    work();
    for (auto& t : pool) t.join();
    if (error) std::rethrow_exception(error);
}

}  // namespace sparsescope
