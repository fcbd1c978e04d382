#include "util/atomic_file.hpp"

#include "util/error.hpp"

#include <cerrno>
#include <cstring>
#include <random>
#include <system_error>
#include <utility>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace offload {

namespace {

const char *kind_of(mode_t mode)
{
    if (S_ISDIR(mode))
        return "a directory";
    if (S_ISLNK(mode))
        return "a symbolic link";
    if (S_ISCHR(mode))
        return "a character device";
    if (S_ISBLK(mode))
        return "a block device";
    if (S_ISFIFO(mode))
        return "a FIFO";
    if (S_ISSOCK(mode))
        return "a socket";
    return "of an unknown kind";
}

} // namespace

Expected<void> check_replaceable(const std::filesystem::path &target)
{
    struct stat status {};
    if (::lstat(target.c_str(), &status) != 0) {
        if (errno == ENOENT)
            return {};
        return failure("cannot use " + target.string() + ": " + errno_text(errno));
    }
    if (!S_ISREG(status.st_mode))
        return failure("will not replace " + target.string() + ": it is " + kind_of(status.st_mode) +
                       ", not a regular file");
    return {};
}

namespace {

// "<target>.tmp-" and six random letters and digits.
std::filesystem::path temporary_name(const std::filesystem::path &target)
{
    static constexpr char alphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    thread_local std::mt19937_64 random{std::random_device{}()};
    std::string name = target.string() + ".tmp-";
    for (int i = 0; i < 6; ++i)
        name += alphabet[random() % (sizeof alphabet - 1)];
    return name;
}

} // namespace

Expected<AtomicFile> AtomicFile::create(const std::filesystem::path &target)
{
    if (target.empty())
        return failure("cannot write a file without a name");
    if (auto allowed = check_replaceable(target); !allowed)
        return tl::unexpected(allowed.error());
    if (target.has_parent_path()) {
        std::error_code error;
        std::filesystem::create_directories(target.parent_path(), error);
        if (error)
            return failure("cannot create directory " + target.parent_path().string() + ": " +
                           error.message());
    }
    // A name taken (a leftover of a crash, another writer, something planted) is never opened:
    // another one is drawn.
    for (int attempt = 0; attempt < 100; ++attempt) {
        std::filesystem::path temporary = temporary_name(target);
        Fd fd(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666));
        if (fd)
            return AtomicFile(target, std::move(temporary), std::move(fd));
        if (errno != EEXIST)
            return failure("cannot create " + temporary.string() + ": " + errno_text(errno));
    }
    return failure("cannot create a temporary file beside " + target.string() + ": every name tried exists");
}

AtomicFile::AtomicFile(std::filesystem::path target, std::filesystem::path temporary, Fd fd)
    : m_target(std::move(target)), m_temporary(std::move(temporary)), m_fd(std::move(fd))
{
}

AtomicFile::AtomicFile(AtomicFile &&other) noexcept
    : m_target(std::move(other.m_target)), m_temporary(std::exchange(other.m_temporary, {})),
      m_fd(std::move(other.m_fd)), m_error(other.m_error)
{
}

AtomicFile::~AtomicFile()
{
    discard();
}

void AtomicFile::write(std::string_view data)
{
    while (!data.empty() && m_error == 0 && m_fd) {
        const ssize_t written = ::write(m_fd.get(), data.data(), data.size());
        if (written < 0 && errno == EINTR)
            continue;
        if (written < 0) {
            m_error = errno;
            break;
        }
        data.remove_prefix(static_cast<size_t>(written));
    }
}

void AtomicFile::discard()
{
    m_fd.reset();
    if (!m_temporary.empty())
        ::unlink(m_temporary.c_str());
    m_temporary.clear();
}

Expected<void> AtomicFile::fail(const std::string &what, int error)
{
    discard();
    return failure(what + ": " + errno_text(error));
}

Expected<void> AtomicFile::commit()
{
    if (m_temporary.empty() || !m_fd)
        return failure("cannot write " + m_target.string() + ": already committed or failed");
    const std::string writing = "cannot write " + m_target.string();
    if (m_error != 0)
        return fail(writing, m_error);
    // Without fsync a crash shortly after the rename can leave an empty file under the final name.
    if (::fsync(m_fd.get()) != 0)
        return fail(writing, errno);
    if (m_fd.close() != 0)
        return fail(writing, errno);
    // The target may have changed while the content was written.
    if (auto allowed = check_replaceable(m_target); !allowed) {
        discard();
        return allowed;
    }
    if (::rename(m_temporary.c_str(), m_target.c_str()) != 0)
        return fail("cannot rename " + m_temporary.string() + " to " + m_target.string(), errno);
    m_temporary.clear();
    return {};
}

Expected<void> write_file_atomically(const std::filesystem::path &target, std::string_view content)
{
    Expected<AtomicFile> file = AtomicFile::create(target);
    if (!file)
        return tl::unexpected(file.error());
    file->write(content);
    return file->commit();
}

} // namespace offload
