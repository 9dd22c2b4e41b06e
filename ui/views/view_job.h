#pragma once
// One background computation at a time for a view (the sweep, the workload
// comparison): runs on its own single-thread pool at background priority, reports
// progress on the UI thread, can be cancelled, and drops the result of a job that
// was cancelled or replaced by a newer start() (the controller's generation rule).
#include <QObject>
#include <QString>
#include <QThreadPool>

#include <atomic>
#include <functional>
#include <memory>

namespace sparsescope::ui {

class ViewJob : public QObject {
    Q_OBJECT
public:
    // Called from the worker; forwards (done, total) to the UI thread.
    using Progress = std::function<void(int done, int total)>;
    // Runs on the worker. Returns what to do on the UI thread with the result (run
    // only if this job is still the current one). Throwing sparsescope::Error or
    // std::exception ends in failed().
    using Work = std::function<std::function<void()>(const std::atomic<bool>& cancel, const Progress& progress)>;

    explicit ViewJob(QObject* parent = nullptr);
    ~ViewJob() override;

    void start(Work work);  // cancels the running job first
    void cancel();          // the running job stops at its next check; its result is dropped
    bool isRunning() const { return running_; }
    // Blocks until the worker is idle (tests and shutdown only).
    void waitForDone();

signals:
    void started();
    void progress(int done, int total);
    void finished();  // a result was delivered
    void cancelled();
    void failed(const QString& problem);

private:
    QThreadPool pool_;
    std::shared_ptr<std::atomic<bool>> cancel_;
    uint64_t generation_ = 0;
    bool running_ = false;
};

}  // namespace sparsescope::ui
