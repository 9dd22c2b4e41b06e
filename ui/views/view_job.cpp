#include "ui/views/view_job.h"

#include "core/common/error.h"
#include "ui/controller/thread_priority.h"

#include <QPointer>

namespace sparsescope::ui {

ViewJob::ViewJob(QObject* parent) : QObject(parent) { pool_.setMaxThreadCount(1); }

ViewJob::~ViewJob() {
    if (cancel_) cancel_->store(true);
    pool_.waitForDone();
}

void ViewJob::start(Work work) {
    if (cancel_) cancel_->store(true);
    const uint64_t gen = ++generation_;
    auto stop = std::make_shared<std::atomic<bool>>(false);
    cancel_ = stop;
    running_ = true;
    emit started();
    QPointer<ViewJob> self(this);
    // Runs fn on the UI thread if this job is still the current one.
    auto post = [self, gen](std::function<void()> fn) {
        if (!self) return;
        QMetaObject::invokeMethod(
            self.data(),
            [self, gen, fn] {
                if (self && self->generation_ == gen) fn();
            },
            Qt::QueuedConnection);
    };
    pool_.start([this, self, gen, stop, work = std::move(work), post] {
        // The user pressed Run and waits for this, but sliders must stay live: the
        // model-level pass's priority, between the foreground and the background stages.
        setCurrentThreadNiceAbove(kEvalNice);
        const Progress progress = [post, this](int done, int total) {
            post([this, done, total] { emit this->progress(done, total); });
        };
        try {
            std::function<void()> deliver = work(*stop, progress);
            post([this, stop, deliver] {
                running_ = false;
                if (stop->load()) {
                    emit cancelled();
                    return;
                }
                if (deliver) deliver();
                emit finished();
            });
        } catch (const Error& e) {
            const QString problem = QString::fromStdString(e.what());
            post([this, problem] {
                running_ = false;
                emit failed(problem);
            });
        } catch (const std::exception& e) {
            const QString problem = QString::fromStdString(e.what());
            post([this, problem] {
                running_ = false;
                emit failed(problem);
            });
        }
        (void)self;
        (void)gen;
    });
}

void ViewJob::cancel() {
    if (!running_) return;
    if (cancel_) cancel_->store(true);
    ++generation_;  // whatever the worker still posts is dropped
    running_ = false;
    emit cancelled();
}

void ViewJob::waitForDone() { pool_.waitForDone(); }

}  // namespace sparsescope::ui
