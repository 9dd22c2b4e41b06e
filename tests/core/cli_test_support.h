#pragma once
// Runs the sparsescope-cli binary (SPARSESCOPE_CLI_PATH) for the CLI tests: exit code
// (-1 when it crashed or timed out), stdout and stderr.
#include <QByteArray>
#include <QProcess>
#include <QStringList>

namespace clitest {

struct Run {
    int code = -1;
    QByteArray out, err;
};

inline Run runCli(const QStringList& args, int timeoutMs = 180000) {
    QProcess p;
    p.start(QStringLiteral(SPARSESCOPE_CLI_PATH), args);
    p.waitForFinished(timeoutMs);
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, p.readAllStandardOutput(),
            p.readAllStandardError()};
}

}  // namespace clitest
