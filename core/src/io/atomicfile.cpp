// writeFileAtomically: temporary file beside the target, fsync, rename.
// rename() within one folder is atomic on POSIX, so readers see either the
// old file or the complete new one, never a half-written file.

#include "alignscope/safetensors.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <random>
#include <system_error>

namespace alignscope {
namespace {

std::string errnoText(int error)
{
    return std::system_category().message(error);
}

Error saveError(const std::string &path, const std::string &what, int error)
{
    return {ErrorKind::Internal, path + ": cannot save: " + what + ": " + errnoText(error)};
}

std::string folderOf(const std::string &path)
{
    const std::string parent = std::filesystem::path(path).parent_path().string();
    return parent.empty() ? std::string(".") : parent;
}

std::string randomSuffix()
{
    // Seeded per call from the clock, the pid and a counter: unique enough
    // for a name that O_EXCL double-checks anyway.
    static std::atomic<unsigned> counter{0};
    const auto now = std::chrono::steady_clock::now().time_since_epoch().count();
    std::mt19937_64 generator(std::uint64_t(now) ^ (std::uint64_t(::getpid()) << 32) ^ counter++);
    static constexpr char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    std::string suffix(6, 'x');
    for (char &c : suffix)
        c = alphabet[generator() % (sizeof(alphabet) - 1)];
    return suffix;
}

struct TempFile {
    std::string path;
    int fd = -1;
};

// Not mkstemp: it creates the file with mode 0600, whereas open(0666) lets the
// umask decide, as for any other new file the user saves.
Result<TempFile> createTempBeside(const std::string &path)
{
    for (int attempt = 0; attempt < 100; ++attempt) {
        TempFile temp{path + ".tmp-" + randomSuffix()};
        temp.fd = ::open(temp.path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (temp.fd >= 0)
            return temp;
        if (errno != EEXIST)
            return saveError(path, "cannot create a temporary file in " + folderOf(path), errno);
    }
    return saveError(path, "cannot create a temporary file in " + folderOf(path), EEXIST);
}

// Returns 0 or the errno of the failed write.
int writeAll(int fd, const std::string &bytes)
{
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return errno;
        if (n == 0) // no progress and no errno: the device is full
            return ENOSPC;
        done += std::size_t(n);
    }
    return 0;
}

// Keeps the permissions of the file being replaced (a private file stays private).
void copyModeOfTarget(int fd, const std::string &path)
{
    struct stat target {};
    if (::stat(path.c_str(), &target) == 0 && S_ISREG(target.st_mode))
        (void)::fchmod(fd, target.st_mode & 07777);
}

// Writes, flushes and closes the temporary file.
Result<void> fillTemp(TempFile &temp, const std::string &path, const std::string &bytes)
{
    if (const int error = writeAll(temp.fd, bytes))
        return saveError(path, "cannot write", error);
    copyModeOfTarget(temp.fd, path);
    // fsync before rename: otherwise a crash can leave the new name pointing
    // at an empty file.
    if (::fsync(temp.fd) != 0)
        return saveError(path, "cannot flush to disk", errno);
    const int closed = ::close(temp.fd);
    temp.fd = -1;
    if (closed != 0)
        return saveError(path, "cannot close the temporary file", errno);
    return {};
}

// The rename is durable only once the folder entry itself is flushed; a
// failure here cannot be undone, so it is not reported.
void syncFolder(const std::string &path)
{
    const int fd = ::open(folderOf(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return;
    (void)::fsync(fd);
    ::close(fd);
}

} // namespace

Result<void> writeFileAtomically(const std::string &path, const std::string &bytes)
{
    if (path.empty())
        return Error{ErrorKind::Internal, "cannot save: the file name is empty"};
    auto temp = createTempBeside(path);
    if (!temp)
        return temp.error();
    Result<void> filled = fillTemp(*temp, path, bytes);
    if (filled && ::rename(temp->path.c_str(), path.c_str()) != 0)
        filled = saveError(path, "cannot replace the file", errno);
    if (!filled) {
        if (temp->fd >= 0)
            ::close(temp->fd);
        ::unlink(temp->path.c_str());
        return filled;
    }
    syncFolder(path);
    return {};
}

} // namespace alignscope
