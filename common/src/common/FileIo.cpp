#include "common/FileIo.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace fraud {
namespace {

[[noreturn]] void throwErrno(const std::string& what, const std::filesystem::path& path) {
    throw std::runtime_error(what + " " + path.string() + ": " + std::strerror(errno));
}

void writeAll(int fd, std::string_view content, const std::filesystem::path& path) {
    const char* p = content.data();
    std::size_t left = content.size();
    while (left > 0) {
        const ssize_t n = ::write(fd, p, left);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            throwErrno("cannot write", path);
        }
        p += n;
        left -= static_cast<std::size_t>(n);
    }
}

}  // namespace

std::string readFile(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw std::runtime_error("cannot open " + path.string());
    std::ostringstream ss;
    ss << in.rdbuf();
    if (in.bad())
        throw std::runtime_error("cannot read " + path.string());
    return std::move(ss).str();
}

void syncDirectory(const std::filesystem::path& dir) {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        throwErrno("cannot open directory", dir);
    const int rc = ::fsync(fd);
    ::close(fd);
    if (rc != 0)
        throwErrno("cannot fsync directory", dir);
}

void writeFileAtomically(const std::filesystem::path& path, std::string_view content,
                         void (*beforeRename)(std::string_view), std::string_view step) {
    const auto dir = path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path();
    // Appended rather than `"." + string&&`: GCC 12 at -O3 reports a false -Wrestrict inside
    // std::string's operator+ for that form (GCC PR 105329).
    std::string name = ".";
    name.append(path.filename().string()).append(".tmp-").append(std::to_string(::getpid()));
    auto tmp = dir / name;
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        throwErrno("cannot create", tmp);
    try {
        writeAll(fd, content, tmp);
        if (::fsync(fd) != 0)
            throwErrno("cannot fsync", tmp);
    } catch (...) {
        ::close(fd);
        ::unlink(tmp.c_str());
        throw;
    }
    ::close(fd);
    if (beforeRename)
        beforeRename(step);
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        ::unlink(tmp.c_str());
        throwErrno("cannot rename into", path);
    }
    syncDirectory(dir);
}

void appendLineDurably(const std::filesystem::path& path, std::string_view line) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0)
        throwErrno("cannot open", path);
    struct stat before {};
    const bool sized = ::fstat(fd, &before) == 0;
    try {
        std::string withNewline(line);
        withNewline.push_back('\n');
        writeAll(fd, withNewline, path);
        if (::fsync(fd) != 0)
            throwErrno("cannot fsync", path);
    } catch (...) {
        // A full disk can take part of the line: cut it off, so that a failed append leaves
        // the file as it was rather than a torn line for the next writer to repair. The
        // callers hold the file's lock, so nobody appended meanwhile.
        if (sized && ::ftruncate(fd, before.st_size) == 0)
            ::fsync(fd);
        ::close(fd);
        throw;
    }
    ::close(fd);
}

FileLock::FileLock(const std::filesystem::path& lockPath) {
    fd_ = ::open(lockPath.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0)
        throwErrno("cannot open lock file", lockPath);
    while (::flock(fd_, LOCK_EX) != 0) {
        if (errno == EINTR)
            continue;
        const int saved = errno;
        ::close(fd_);
        errno = saved;
        throwErrno("cannot lock", lockPath);
    }
}

FileLock::~FileLock() {
    if (fd_ >= 0) {
        ::flock(fd_, LOCK_UN);
        ::close(fd_);
    }
}

std::string fileIdentity(const std::filesystem::path& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
        return {};
    return std::to_string(st.st_ino) + ":" + std::to_string(st.st_mtim.tv_sec) + "." +
           std::to_string(st.st_mtim.tv_nsec) + ":" + std::to_string(st.st_size);
}

}  // namespace fraud
