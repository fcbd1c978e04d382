#include "cargo_listing.hpp"

#include "common/json.hpp"
#include "common/text.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace offload::cargo {

using namespace offload::common;

namespace {

// What a compiler-artifact message says about one test executable.
struct Executable {
    Target target;    // with its package
    std::string file; // the target's root source file, relative to the package
};

std::string base_name(std::string_view path)
{
    size_t slash = path.find_last_of('/');
    return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

// Crate names as rustdoc prints them ("Doc-tests my_crate"): '-' becomes '_'.
std::string crate_name(std::string name)
{
    std::replace(name.begin(), name.end(), '-', '_');
    return name;
}

std::string relative_to_package(const std::string &path, const std::string &manifest_path)
{
    size_t slash = manifest_path.find_last_of('/');
    if (slash == std::string::npos)
        return path;
    std::string root = manifest_path.substr(0, slash + 1);
    return path.compare(0, root.size(), root) == 0 ? path.substr(root.size()) : path;
}

class ListingReader {
  public:
    void line(std::string_view raw)
    {
        if (!raw.empty() && raw.front() == '{') {
            message(raw);
            return;
        }
        std::string_view text = trim(raw);
        if (text.substr(0, 8) == "Running ") {
            running(text);
            return;
        }
        if (text.substr(0, 10) == "Doc-tests ") {
            doc_tests(trim(text.substr(10)));
            return;
        }
        constexpr std::string_view suffix = ": test";
        if (m_current && raw.size() > suffix.size() && raw.substr(raw.size() - suffix.size()) == suffix)
            add_test(raw.substr(0, raw.size() - suffix.size()));
    }

    Listing finish()
    {
        std::set<std::string> packages;
        for (const ListedTest &test : m_listing.tests)
            packages.insert(test.target.package);
        if (packages.size() <= 1)
            for (ListedTest &test : m_listing.tests)
                test.target.package.clear();
        return std::move(m_listing);
    }

  private:
    void message(std::string_view raw)
    {
        std::optional<Json> json = Json::parse(raw);
        if (!json || (*json)["reason"].string() != "compiler-artifact")
            return;
        const Json &target = (*json)["target"];
        std::optional<TargetKind> kind = kind_from_cargo(target["kind"][0].string());
        if (!kind)
            return;
        std::string package = package_name((*json)["package_id"].string());
        if (*kind == TargetKind::Lib)
            m_libraries[crate_name(target["name"].string())] = package;
        const Json &executable = (*json)["executable"];
        if (!(*json)["profile"]["test"].is_true() || !executable.is_string())
            return;
        Executable found;
        found.target.kind = *kind;
        found.target.package = package;
        if (*kind != TargetKind::Lib)
            found.target.name = target["name"].string();
        found.file = relative_to_package(target["src_path"].string(), (*json)["manifest_path"].string());
        m_executables[base_name(executable.string())] = std::move(found);
    }

    // "Running unittests src/lib.rs (target/debug/deps/demo-1f2e)", in older cargo
    // "Running target/debug/deps/demo-1f2e", with -v "Running `/abs/target/debug/deps/demo-1f2e
    // --list ...`": the executable's file name carries a hash, so it names one test binary.
    // cargo -v also shows each rustc call, and the rustdoc call after "Doc-tests", as
    // "Running `...`": those name none and change nothing.
    void running(std::string_view text)
    {
        for (const auto &[name, executable] : m_executables) {
            if (mentions_file(text, name)) {
                m_current = executable;
                return;
            }
        }
        if (text.find('`') != std::string_view::npos)
            return;
        m_current.reset();
        m_listing.unplaced.emplace_back(text);
    }

    // True when text holds name as a whole path component.
    static bool mentions_file(std::string_view text, std::string_view name)
    {
        for (size_t at = text.find(name); at != std::string_view::npos; at = text.find(name, at + 1)) {
            char before = at == 0 ? ' ' : text[at - 1];
            char after = at + name.size() == text.size() ? ' ' : text[at + name.size()];
            if (std::string_view("/ (`").find(before) != std::string_view::npos &&
                std::string_view(" )`").find(after) != std::string_view::npos)
                return true;
        }
        return false;
    }

    void doc_tests(std::string_view crate)
    {
        m_current.reset();
        auto library = m_libraries.find(crate_name(std::string(crate)));
        if (library == m_libraries.end()) {
            m_listing.unplaced.push_back("Doc-tests " + std::string(crate));
            return;
        }
        Executable doc;
        doc.target.kind = TargetKind::Doc;
        doc.target.package = library->second;
        m_current = doc;
    }

    void add_test(std::string_view name)
    {
        ListedTest test{m_current->target, std::string(name), ""};
        if (m_current->target.kind == TargetKind::Doc) {
            // "src/lib.rs - add (line 5)": the file comes first.
            size_t dash = name.find(" - ");
            if (dash != std::string_view::npos)
                test.file = std::string(name.substr(0, dash));
        } else if (m_current->target.kind != TargetKind::Lib) {
            // Unit tests of a library may live in any of its modules; other targets' tests mostly
            // live in the target's root file.
            test.file = m_current->file;
        }
        m_listing.tests.push_back(std::move(test));
    }

    Listing m_listing;
    std::map<std::string, Executable> m_executables; // executable file name -> what it tests
    std::map<std::string, std::string> m_libraries;  // crate name -> package
    std::optional<Executable> m_current;             // whose listing the lines are
};

} // namespace

Listing read_listing(std::string_view output)
{
    ListingReader reader;
    for_each_line(output, [&](std::string_view line) { reader.line(line); });
    return reader.finish();
}

std::string package_name(std::string_view id)
{
    size_t hash = id.find('#');
    if (hash == std::string_view::npos) {
        // Old style: "name version (source)".
        size_t space = id.find(' ');
        return std::string(id.substr(0, space));
    }
    // New style: "source#name@version", or "source#version" when the name is the last segment of
    // the source's path.
    std::string_view fragment = id.substr(hash + 1);
    if (size_t at = fragment.find('@'); at != std::string_view::npos)
        return std::string(fragment.substr(0, at));
    std::string_view source = id.substr(0, hash);
    source = source.substr(0, source.find('?'));
    while (!source.empty() && source.back() == '/')
        source.remove_suffix(1);
    return base_name(source);
}

} // namespace offload::cargo
