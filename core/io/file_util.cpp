#include "core/io/file_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <random>

#include "core/common/error.h"

namespace sparsescope {

namespace {

std::string errnoText(const std::string& what) { return what + ": " + std::strerror(errno); }

// Closes the descriptor on every path out of a function.
struct FdGuard {
    int fd = -1;
    ~FdGuard() {
        if (fd >= 0) ::close(fd);
    }
};

}  // namespace

std::vector<uint8_t> readFileBytes(const std::string& path) {
    FdGuard file;
    file.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (file.fd < 0) throw Error(path, "", errnoText("cannot open file"));
    struct stat st {};
    if (::fstat(file.fd, &st) != 0) throw Error(path, "", errnoText("cannot stat file"));
    if (S_ISDIR(st.st_mode)) throw Error(path, "", "is a folder, expected a file");
    if (!S_ISREG(st.st_mode)) throw Error(path, "", "is not a regular file");

    std::vector<uint8_t> bytes(static_cast<size_t>(st.st_size));
    size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t got = ::read(file.fd, bytes.data() + done, bytes.size() - done);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) throw Error(path, "", errnoText("cannot read file"));
        if (got == 0) break;  // shrank while we read: keep what is there
        done += static_cast<size_t>(got);
    }
    bytes.resize(done);
    return bytes;
}

void writeFileAtomically(const std::string& path, const uint8_t* data, size_t size) {
    // A name no other writer (thread or process) picks: pid + 64 random bits, and
    // O_EXCL so a collision is retried instead of clobbering.
    std::random_device entropy;
    std::string tmp;
    FdGuard file;
    for (int attempt = 0; attempt < 16 && file.fd < 0; ++attempt) {
        const uint64_t tag = (static_cast<uint64_t>(entropy()) << 32) ^ entropy();
        char suffix[64];
        std::snprintf(suffix, sizeof suffix, ".tmp-%ld-%016llx", static_cast<long>(::getpid()),
                      static_cast<unsigned long long>(tag));
        tmp = path + suffix;
        // 0666 minus the umask: the same permissions a plain open would give.
        file.fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (file.fd < 0 && errno != EEXIST) {
            throw Error(path, "", errnoText("cannot create file"));
        }
    }
    if (file.fd < 0) throw Error(path, "", "cannot create a unique temporary file");

    auto fail = [&](const std::string& what) {
        const std::string message = errnoText(what);
        ::close(file.fd);
        file.fd = -1;
        ::unlink(tmp.c_str());
        throw Error(path, "", message);
    };
    size_t done = 0;
    while (done < size) {
        const ssize_t put = ::write(file.fd, data + done, size - done);
        if (put < 0 && errno == EINTR) continue;
        if (put <= 0) fail("cannot write file");
        done += static_cast<size_t>(put);
    }
    if (::fsync(file.fd) != 0) fail("cannot flush file");
    const int closed = ::close(file.fd);
    file.fd = -1;
    if (closed != 0) {
        const std::string message = errnoText("cannot close file");
        ::unlink(tmp.c_str());
        throw Error(path, "", message);
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        const std::string message = errnoText("cannot replace file");
        ::unlink(tmp.c_str());
        throw Error(path, "", message);
    }
}

}  // namespace sparsescope
