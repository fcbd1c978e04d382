#include "discovery/discovery_cache.hpp"

#include "util/atomic_file.hpp"
#include "util/percent_encoding.hpp"
#include "util/read_file.hpp"
#include "util/split.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <set>

namespace offload {

namespace {

constexpr std::string_view magic = "offload discovery cache 1\n";
constexpr size_t max_entry_bytes = size_t(1) << 30;

// Reads the fields of an entry in order; the first problem sticks.
class Reader {
  public:
    explicit Reader(std::string_view text) : m_text(text) {}

    bool ok() const { return m_ok; }

    // The rest of the line after "word ".
    std::string_view line(std::string_view word)
    {
        const size_t end = m_text.find('\n', m_at);
        if (!m_ok || end == std::string_view::npos)
            return fail();
        std::string_view whole = m_text.substr(m_at, end - m_at);
        m_at = end + 1;
        if (!word.empty()) {
            if (!whole.starts_with(word) || whole.size() < word.size() + 1 || whole[word.size()] != ' ')
                return fail();
            whole.remove_prefix(word.size() + 1);
        }
        return whole;
    }

    template <typename Number> Number number(std::string_view text)
    {
        Number value{};
        const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (error != std::errc() || end != text.data() + text.size())
            fail();
        return value;
    }

    // "word LENGTH\n" then LENGTH bytes and a newline.
    std::string block(std::string_view word)
    {
        const size_t length = number<size_t>(line(word));
        if (!m_ok || length > m_text.size() - m_at || m_text.size() - m_at - length < 1 ||
            m_text[m_at + length] != '\n') {
            fail();
            return {};
        }
        std::string value(m_text.substr(m_at, length));
        m_at += length + 1;
        return value;
    }

    bool at_end() const { return m_at == m_text.size(); }

  private:
    std::string_view fail()
    {
        m_ok = false;
        return {};
    }

    std::string_view m_text;
    size_t m_at = 0;
    bool m_ok = true;
};

// The whole file, if it is small enough to be an entry.
Expected<std::string> read_small_file(const std::filesystem::path &path)
{
    std::string text;
    Expected<void> read = read_file_chunks(
        path,
        [&](std::string_view chunk) {
            text.append(chunk);
            return text.size() <= max_entry_bytes;
        },
        fmt::format("{} is too large to be a discovery cache entry", path.string()));
    if (!read)
        return failure(read.error());
    return text;
}

void append_block(std::string &out, std::string_view word, std::string_view bytes)
{
    out += fmt::format("{} {}\n", word, bytes.size());
    out += bytes;
    out += '\n';
}

} // namespace

std::string CacheEntry::serialize() const
{
    std::string out(magic);
    append_block(out, "key", key_text);
    out += fmt::format("later {}\n", later_inputs.size());
    for (const DiscoveryInput &input : later_inputs)
        out += fmt::format("{} {}\n", kind_name(input.kind), percent_encode(input.value));
    out += fmt::format("files {}\n", files.size());
    for (const FileFingerprint &file : files)
        out += fmt::format("{} {} {} {} {} {} {}\n", file.exists ? 1 : 0, file.size, file.mtime_ns,
                           file.inode, file.checked_at_ns, file.hash.hex(), percent_encode(file.path));
    out += fmt::format("exit {}\n", output.exit_code);
    out += fmt::format("secs {:.6f}\n", output.secs);
    append_block(out, "stdout", output.stdout_text);
    append_block(out, "stderr", output.stderr_text);
    return out;
}

Expected<CacheEntry> CacheEntry::parse(const std::string &text)
{
    if (!std::string_view(text).starts_with(magic))
        return failure("not a discovery cache entry of this offload version");
    Reader reader(std::string_view(text).substr(magic.size()));
    CacheEntry entry;
    entry.key_text = reader.block("key");
    const size_t later = reader.number<size_t>(reader.line("later"));
    for (size_t i = 0; reader.ok() && i < later; ++i) {
        const std::vector<std::string_view> fields = split(reader.line(""), ' ');
        std::optional<DiscoveryInput::Kind> kind = fields.size() == 2 ? kind_named(fields[0]) : std::nullopt;
        if (!kind)
            return failure("a damaged discovery cache entry (an input)");
        entry.later_inputs.push_back({*kind, percent_decode(fields[1])});
    }
    const size_t files = reader.number<size_t>(reader.line("files"));
    for (size_t i = 0; reader.ok() && i < files; ++i) {
        const std::vector<std::string_view> fields = split(reader.line(""), ' ');
        if (fields.size() != 7 || (fields[0] != "0" && fields[0] != "1"))
            return failure("a damaged discovery cache entry (a file)");
        Expected<ContentHash> hash = ContentHash::from_hex(fields[5]);
        if (!hash)
            return failure("a damaged discovery cache entry (a hash)");
        FileFingerprint file;
        file.exists = fields[0] == "1";
        file.size = reader.number<uint64_t>(fields[1]);
        file.mtime_ns = reader.number<int64_t>(fields[2]);
        file.inode = reader.number<uint64_t>(fields[3]);
        file.checked_at_ns = reader.number<int64_t>(fields[4]);
        file.hash = *hash;
        file.path = percent_decode(fields[6]);
        entry.files.push_back(std::move(file));
    }
    entry.output.exit_code = reader.number<int>(reader.line("exit"));
    const std::string secs(reader.line("secs"));
    entry.output.secs = std::strtod(secs.c_str(), nullptr);
    entry.output.stdout_text = reader.block("stdout");
    entry.output.stderr_text = reader.block("stderr");
    if (!reader.ok() || !reader.at_end())
        return failure("a damaged discovery cache entry");
    return entry;
}

std::optional<std::vector<std::string>>
input_files(const std::filesystem::path &base, const std::vector<DiscoveryInput> &inputs, size_t max_files)
{
    std::vector<std::string> skip;
    for (const DiscoveryInput &input : inputs)
        if (input.kind == DiscoveryInput::Kind::SkipDirectory)
            skip.push_back(input.value);
    std::set<std::string> paths;
    for (const DiscoveryInput &input : inputs) {
        if (input.kind == DiscoveryInput::Kind::File) {
            paths.insert(input.value);
        } else if (input.kind == DiscoveryInput::Kind::Glob) {
            std::optional<std::vector<std::string>> matched = expand_glob(base, input.value, skip, max_files);
            if (!matched)
                return std::nullopt;
            paths.insert(matched->begin(), matched->end());
        }
        if (paths.size() > max_files)
            return std::nullopt;
    }
    return std::vector<std::string>(paths.begin(), paths.end());
}

FileCheck check_files(const std::filesystem::path &base, const CacheEntry &entry,
                      const std::vector<std::string> &current_paths)
{
    FileCheck check;
    const auto differ = [&](std::string reason) {
        check.difference = std::move(reason);
        check.current.clear();
        return check;
    };
    // Both sorted: walk them side by side.
    auto recorded = entry.files.begin();
    auto current = current_paths.begin();
    while (recorded != entry.files.end() || current != current_paths.end()) {
        if (current == current_paths.end() || (recorded != entry.files.end() && recorded->path < *current)) {
            // Recorded and no longer matched: fine only for a named file that was absent.
            if (recorded->exists)
                return differ(fmt::format("{} was removed", recorded->path));
            check.current.push_back(*recorded);
            ++recorded;
            continue;
        }
        if (recorded == entry.files.end() || *current < recorded->path)
            return differ(fmt::format("{} is new", *current));
        FileFingerprint now;
        if (!same_file(base, *recorded, now))
            return differ(recorded->path + (!now.exists        ? " was removed"
                                            : recorded->exists ? " changed"
                                                               : " is new"));
        if (now.checked_at_ns != recorded->checked_at_ns && now.exists)
            check.reread = true;
        check.current.push_back(now.exists ? now : *recorded);
        ++recorded;
        ++current;
    }
    return check;
}

std::string DiscoveryCache::file_name(const std::string &key_text)
{
    return hash_bytes(key_text).hex();
}

Expected<CacheEntry> DiscoveryCache::load(const std::string &key_text) const
{
    const std::filesystem::path path = m_dir / file_name(key_text);
    std::error_code error;
    if (!std::filesystem::is_regular_file(path, error))
        return failure("no entry for this configuration");
    Expected<std::string> text = read_small_file(path);
    if (!text)
        return failure(text.error());
    Expected<CacheEntry> entry = CacheEntry::parse(*text);
    if (!entry)
        return entry;
    if (entry->key_text != key_text)
        return failure("no entry for this configuration");
    return entry;
}

Expected<void> DiscoveryCache::store(const CacheEntry &entry) const
{
    if (Expected<void> written = write_file_atomically(m_dir / file_name(entry.key_text), entry.serialize());
        !written)
        return written;
    // The oldest entries beyond max_entries go: a cache of configurations no longer used.
    std::vector<std::pair<std::filesystem::file_time_type, std::filesystem::path>> entries;
    std::error_code error;
    for (const auto &item : std::filesystem::directory_iterator(m_dir, error)) {
        const std::string name = item.path().filename().string();
        if (name.size() != 32 || name.find_first_not_of("0123456789abcdef") != std::string::npos)
            continue;
        std::error_code time_error;
        entries.emplace_back(item.last_write_time(time_error), item.path());
    }
    if (entries.size() > max_entries) {
        std::sort(entries.begin(), entries.end());
        for (size_t i = 0; i + max_entries < entries.size(); ++i)
            std::filesystem::remove(entries[i].second, error);
    }
    return {};
}

} // namespace offload
