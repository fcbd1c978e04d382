#include "report/source_location.hpp"

#include "util/split.hpp"

#include <charconv>
#include <vector>

namespace offload {

namespace {

namespace fs = std::filesystem;

enum class Kind { Line, Frame, Panic };

struct Found {
    Kind kind;
    SourceLocation location;
};

// A line number: digits only, from 1 to a million lines.
std::optional<unsigned> line_number(std::string_view digits)
{
    unsigned value = 0;
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (digits.empty() || error != std::errc() || end != digits.data() + digits.size() || value == 0 ||
        value > 1000000)
        return std::nullopt;
    return value;
}

bool has_space(std::string_view text)
{
    return text.find_first_of(" \t\r\n") != std::string_view::npos;
}

// The path relative to the project, when text names a file of it.
std::optional<std::string> project_file(std::string_view text, const fs::path &project_dir,
                                        const ProjectFileCheck &exists)
{
    if (text.empty() || text.size() > 4096 || text.find("://") != std::string_view::npos ||
        text.find('\0') != std::string_view::npos)
        return std::nullopt;
    fs::path path = fs::path(text).lexically_normal();
    if (path.is_absolute())
        path = path.lexically_relative(project_dir.lexically_normal());
    const std::string relative = path.generic_string();
    if (relative.empty() || relative == "." || path.is_absolute() || relative.starts_with("../") ||
        relative == ".." || !exists(relative))
        return std::nullopt;
    return relative;
}

// "path:line:col" or "path:line" at the end of text.
std::optional<std::pair<std::string_view, unsigned>> path_and_line(std::string_view text)
{
    size_t colon = text.rfind(':');
    if (colon == std::string_view::npos)
        return std::nullopt;
    std::optional<unsigned> line = line_number(text.substr(colon + 1));
    if (!line)
        return std::nullopt;
    // With a column, the line is the number before it.
    const size_t before = colon > 0 ? text.rfind(':', colon - 1) : std::string_view::npos;
    if (before != std::string_view::npos) {
        if (std::optional<unsigned> first = line_number(text.substr(before + 1, colon - before - 1))) {
            line = first;
            colon = before;
        }
    }
    return std::pair{text.substr(0, colon), *line};
}

class Scanner {
  public:
    Scanner(const fs::path &project_dir, const ProjectFileCheck &exists)
        : m_project_dir(project_dir), m_exists(exists)
    {
    }

    void scan(std::string_view text)
    {
        std::vector<std::string_view> lines = split(text, '\n');
        for (std::string_view &line : lines)
            if (line.ends_with('\r'))
                line.remove_suffix(1);
        for (size_t i = 0; i < lines.size(); ++i) {
            if (panic(lines, i))
                continue;
            if (python_frame(lines[i]))
                continue;
            colon_line(lines[i]);
        }
    }

    const std::vector<Found> &found() const { return m_found; }

  private:
    void add(Kind kind, std::string_view path, unsigned line)
    {
        if (std::optional<std::string> file = project_file(path, m_project_dir, m_exists))
            m_found.push_back({kind, {std::move(*file), line}});
    }

    // "thread 'x' panicked at src/lib.rs:10:5:", or before Rust 1.73 "panicked at 'message',
    // src/lib.rs:10:5", where the message may span lines.
    bool panic(const std::vector<std::string_view> &lines, size_t index)
    {
        static constexpr std::string_view marker = "panicked at ";
        const std::string_view line = lines[index];
        const size_t at = line.find(marker);
        if (at == std::string_view::npos)
            return false;
        std::string_view rest = line.substr(at + marker.size());
        if (!rest.starts_with('\'')) {
            if (rest.ends_with(':'))
                rest.remove_suffix(1);
            if (auto place = path_and_line(rest); place && !has_space(place->first))
                add(Kind::Panic, place->first, place->second);
            return true;
        }
        for (size_t i = index; i < lines.size() && i < index + 200; ++i) {
            std::string_view text = i == index ? rest : lines[i];
            const size_t quote = text.rfind("', ");
            if (quote == std::string_view::npos)
                continue;
            std::string_view tail = text.substr(quote + 3);
            if (auto place = path_and_line(tail); place && !has_space(place->first)) {
                add(Kind::Panic, place->first, place->second);
                break;
            }
        }
        return true;
    }

    // Python's own traceback: '  File "tests/test_x.py", line 12, in test_foo'.
    bool python_frame(std::string_view line)
    {
        const size_t start = line.find_first_not_of(' ');
        if (start == std::string_view::npos || line.substr(start).substr(0, 6) != "File \"")
            return false;
        line.remove_prefix(start + 6);
        const size_t quote = line.find("\", line ");
        if (quote == std::string_view::npos)
            return false;
        std::string_view number = line.substr(quote + 8);
        number = number.substr(0, number.find_first_not_of("0123456789"));
        if (std::optional<unsigned> value = line_number(number))
            add(Kind::Frame, line.substr(0, quote), *value);
        return true;
    }

    // "path:line:" at the start of a line; pytest's "path:line: in function" is a traceback frame.
    void colon_line(std::string_view line)
    {
        const size_t colon = line.find(':');
        if (colon == 0 || colon == std::string_view::npos)
            return;
        const std::string_view path = line.substr(0, colon);
        const std::string_view after = line.substr(colon + 1);
        const size_t digits = after.find_first_not_of("0123456789");
        if (digits == std::string_view::npos || after[digits] != ':' || has_space(path))
            return;
        const std::optional<unsigned> number = line_number(after.substr(0, digits));
        if (!number)
            return;
        const bool frame = after.substr(digits + 1).starts_with(" in ");
        add(frame ? Kind::Frame : Kind::Line, path, *number);
    }

    const fs::path &m_project_dir;
    const ProjectFileCheck &m_exists;
    std::vector<Found> m_found;
};

// The test's own file: discovery's, else the file part of a pytest id.
std::string_view own_file(const FailureText &failure)
{
    if (!failure.file.empty())
        return failure.file;
    const size_t separator = failure.id.find("::");
    return separator == std::string_view::npos ? std::string_view{} : failure.id.substr(0, separator);
}

} // namespace

ProjectFileCheck files_of(const fs::path &project_dir)
{
    return [project_dir](const std::string &relative) {
        std::error_code error;
        return fs::is_regular_file(project_dir / relative, error);
    };
}

std::optional<SourceLocation> find_source_location(const FailureText &failure, const fs::path &project_dir,
                                                   const ProjectFileCheck &exists)
{
    Scanner scanner(project_dir, exists);
    scanner.scan(failure.message);
    scanner.scan(failure.output);
    const std::vector<Found> &found = scanner.found();

    const std::optional<std::string> own = project_file(own_file(failure), project_dir, exists);
    const auto last_of = [&](auto &&wanted) -> const Found * {
        for (auto it = found.rbegin(); it != found.rend(); ++it)
            if (wanted(*it))
                return &*it;
        return nullptr;
    };
    const auto first_of = [&](auto &&wanted) -> const Found * {
        for (const Found &candidate : found)
            if (wanted(candidate))
                return &candidate;
        return nullptr;
    };
    const Found *best = nullptr;
    if (own)
        best = last_of([&](const Found &candidate) { return candidate.location.file == *own; });
    if (!best)
        best = first_of([](const Found &candidate) { return candidate.kind == Kind::Panic; });
    if (!best)
        best = last_of([](const Found &candidate) { return candidate.kind == Kind::Frame; });
    if (!best)
        best = first_of([](const Found &candidate) { return candidate.kind == Kind::Line; });
    if (best)
        return best->location;
    if (own)
        return SourceLocation{*own, 0};
    return std::nullopt;
}

} // namespace offload
