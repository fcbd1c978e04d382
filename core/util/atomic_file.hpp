// Replacing a file atomically: a reader sees the old content or the new, never a mix, and a crash
// leaves the old file (at worst with a stray temporary file beside it).
//
// The new content goes to a temporary file created next to the target, which is fsync()ed and
// renamed over the target. Safe where others can write to the target's directory:
// - the temporary file has a random name and is created with O_CREAT|O_EXCL|O_NOFOLLOW, so a file
//   or symlink planted under a predictable name is never opened, let alone written through;
// - only an absent target or a regular file is replaced: a device (`/dev/null`), a directory, a
//   FIFO or a symlink at the target is refused, checked before writing and again before renaming.
#pragma once

#include "util/expected.hpp"
#include "util/fd.hpp"

#include <filesystem>
#include <string>
#include <string_view>

namespace offload {

// Thread: any, one object used by one thread at a time.
class AtomicFile {
  public:
    // Checks the target, creates its missing parent directories and the temporary file. Errors
    // name the path and the reason, e.g. "will not replace /dev/null: it is a character device, not
    // a regular file", "cannot create directory out: Permission denied".
    static Expected<AtomicFile> create(const std::filesystem::path &target);

    AtomicFile(AtomicFile &&other) noexcept;
    AtomicFile &operator=(AtomicFile &&) = delete;
    AtomicFile(const AtomicFile &) = delete;
    AtomicFile &operator=(const AtomicFile &) = delete;
    // Removes the temporary file unless commit() succeeded.
    ~AtomicFile();

    const std::filesystem::path &target() const { return m_target; }

    // Appends data. The first failure is kept and returned by commit(); later writes do nothing.
    void write(std::string_view data);

    // Makes the content durable (fsync) and puts it in place of the target. Once only.
    Expected<void> commit();

  private:
    AtomicFile(std::filesystem::path target, std::filesystem::path temporary, Fd fd);
    // Closes and removes the temporary file.
    void discard();
    Expected<void> fail(const std::string &what, int error);

    std::filesystem::path m_target;
    std::filesystem::path m_temporary; // empty once renamed or removed
    Fd m_fd;
    int m_error = 0; // errno of the first failed write
};

// Whether AtomicFile may replace target: it is absent or a regular file (a symlink is not followed);
// else why not. For a caller with work to do before it writes (taking a lock beside the file).
Expected<void> check_replaceable(const std::filesystem::path &target);

// Replaces target with content, as AtomicFile does.
Expected<void> write_file_atomically(const std::filesystem::path &target, std::string_view content);

} // namespace offload
