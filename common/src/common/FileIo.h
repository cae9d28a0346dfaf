#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace fraud {

// Reads a whole file; throws std::runtime_error naming the path on failure.
std::string readFile(const std::filesystem::path& path);

// Replaces `path` atomically: writes a temporary file beside it, fsyncs it, renames it over
// the target and fsyncs the directory. A reader sees the old content or the new, never a
// mix, and a crash never leaves a half-written file under the real name. `beforeRename`, if
// given, is called with `step` once the temporary file is durable (crash tests stop there).
void writeFileAtomically(const std::filesystem::path& path, std::string_view content,
                         void (*beforeRename)(std::string_view) = nullptr,
                         std::string_view step = {});

// Appends one line and fsyncs, for append-only logs. On failure (a full disk) the file is cut
// back to where it was; the caller must hold the file's lock, so that nobody else appended.
void appendLineDurably(const std::filesystem::path& path, std::string_view line);

// fsync of a directory, so that a rename inside it survives a crash.
void syncDirectory(const std::filesystem::path& dir);

// What tells one write of a file from the next (inode, modification time, size): files that
// are replaced by rename get a new inode, so a change is seen even within one mtime tick.
// Empty if the file does not exist.
std::string fileIdentity(const std::filesystem::path& path);

// An exclusive advisory lock (flock) on a lock file, held for the object's lifetime.
class FileLock {
public:
    explicit FileLock(const std::filesystem::path& lockPath);
    ~FileLock();
    FileLock(const FileLock&) = delete;
    FileLock& operator=(const FileLock&) = delete;

private:
    int fd_ = -1;
};

}  // namespace fraud
