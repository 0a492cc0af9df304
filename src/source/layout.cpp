// Layout names and `auto`: which tool's folder this is, from marks only that
// tool leaves (a Diesel or Prisma migration directory, a Flyway repeatable,
// a goose section marker …). A folder with none is pgsafe's own layout,
// which reads plain V<n>__, <n>_ and .up.sql folders exactly as Flyway,
// golang-migrate and dbmate-without-markers do; marks of two tools are an
// error, never a guess.

#include "pgsafe/source/layout.hpp"
#include "paths.hpp"
#include "pgsafe/error.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <utility>

namespace pgsafe::source {
namespace {

namespace fs = std::filesystem;

constexpr std::array<std::pair<Layout, const char*>, 12> k_names = {{
    {Layout::Auto, "auto"},
    {Layout::Pgsafe, "pgsafe"},
    {Layout::Flyway, "flyway"},
    {Layout::GolangMigrate, "golang-migrate"},
    {Layout::Goose, "goose"},
    {Layout::Dbmate, "dbmate"},
    {Layout::Diesel, "diesel"},
    {Layout::Sqlx, "sqlx"},
    {Layout::Prisma, "prisma"},
    {Layout::NodePgMigrate, "node-pg-migrate"},
    {Layout::Popx, "popx"},
    {Layout::Sqitch, "sqitch"},
}};

bool all_digits(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(),
                                     [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; });
}

// "<digits>_<anything>"
bool numbered(std::string_view name) {
    auto split = name.find('_');
    return split != std::string_view::npos && split > 0 && all_digits(name.substr(0, split));
}

// Diesel's directory names: 2019-02-26-002946_create_user, 00000000000000_diesel_initial_setup.
bool diesel_like(std::string_view name) {
    auto split = name.find('_');
    if (split == std::string_view::npos || split == 0) return false;
    auto version = name.substr(0, split);
    return std::all_of(version.begin(), version.end(),
                       [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0 || c == '-'; }) &&
           std::isdigit(static_cast<unsigned char>(version.front())) != 0;
}

bool is_popx_dialect_file(std::string_view name) {
    if (!numbered(name) || !detail::ends_with(name, ".up.sql")) return false;
    for (std::string_view mark :
         {".postgres.", ".mysql.", ".sqlite3.", ".sqlite.", ".cockroach.", ".autocommit."}) {
        if (name.find(mark) != std::string_view::npos) return true;
    }
    return false;
}

bool is_flyway_only(std::string_view name) {
    if (detail::ends_with(name, ".sql.conf")) return true;
    if (!detail::ends_with(name, ".sql") || name.size() < 3) return false;
    if (name.substr(0, 3) == "R__") return true;
    if (name.front() == 'U' && name.find("__") != std::string_view::npos) {
        auto version = name.substr(1, name.find("__") - 1);
        return !version.empty() && std::all_of(version.begin(), version.end(), [](char c) {
            return std::isdigit(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '_';
        });
    }
    return false;
}

bool has_line(const std::string& text, bool (*match)(std::string_view)) {
    std::size_t begin = 0;
    while (begin < text.size()) {
        std::size_t end = text.find('\n', begin);
        if (end == std::string::npos) end = text.size();
        if (match(std::string_view(text).substr(begin, end - begin))) return true;
        begin = end + 1;
    }
    return false;
}

std::string_view trimmed(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())) != 0) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())) != 0) s.remove_suffix(1);
    return s;
}

bool goose_up_line(std::string_view line) {
    return line.substr(0, 2) == "--" && trimmed(line.substr(2)) == "+goose Up";
}

bool dbmate_up_line(std::string_view line) {
    if (line.substr(0, 2) != "--") return false;
    auto rest = line.substr(2);
    while (!rest.empty() && std::isspace(static_cast<unsigned char>(rest.front())) != 0)
        rest.remove_prefix(1);
    if (rest.substr(0, 10) != "migrate:up") return false;
    return rest.size() == 10 || std::isspace(static_cast<unsigned char>(rest[10])) != 0;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

bool npm_line(std::string_view line, std::string_view which) {
    std::string l = lower(trimmed(line));
    if (l.substr(0, 2) != "--") return false;
    std::size_t i = 2;
    while (i < l.size() && (std::isspace(static_cast<unsigned char>(l[i])) != 0 || l[i] == '-')) ++i;
    if (l.compare(i, which.size(), which) != 0) return false;
    i += which.size();
    if (i >= l.size() || std::isspace(static_cast<unsigned char>(l[i])) == 0) return false;
    while (i < l.size() && std::isspace(static_cast<unsigned char>(l[i])) != 0) ++i;
    return l.compare(i, 9, "migration") == 0;
}

bool npm_up_line(std::string_view line) {
    return npm_line(line, "up");
}
bool npm_down_line(std::string_view line) {
    return npm_line(line, "down");
}

// Evidence per layout: how many entries show it, and an example.
struct Evidence {
    std::size_t count = 0;
    std::string example;
    std::string what;
};

void note(std::map<Layout, Evidence>& found, Layout layout, const fs::path& path, const char* what) {
    Evidence& e = found[layout];
    if (e.count++ == 0) {
        e.example = path.filename().string();
        e.what = what;
    }
}

std::string describe(const Evidence& e) {
    return e.count == 1 ? fmt::format("{} ({})", e.what, e.example)
                        : fmt::format("{} ({} and {} more)", e.what, e.example, e.count - 1);
}

void inspect_directory(const fs::directory_entry& entry, std::map<Layout, Evidence>& found) {
    const std::string name = entry.path().filename().string();
    std::error_code error;
    if (fs::is_regular_file(entry.path() / "up.sql", error) && diesel_like(name))
        note(found, Layout::Diesel, entry.path(), "Diesel migration directories <version>_<name>/up.sql");
    else if (fs::is_regular_file(entry.path() / "migration.sql", error))
        note(found, Layout::Prisma, entry.path(),
             "Prisma migration directories <timestamp>_<name>/migration.sql");
}

void inspect_file(const fs::directory_entry& entry, std::map<Layout, Evidence>& found) {
    const std::string name = entry.path().filename().string();
    if (name == "sqitch.plan") {
        note(found, Layout::Sqitch, entry.path(), "Sqitch's sqitch.plan");
        return;
    }
    if (name == "migration_lock.toml") {
        note(found, Layout::Prisma, entry.path(), "Prisma's migration_lock.toml");
        return;
    }
    if (is_flyway_only(name)) {
        note(found, Layout::Flyway, entry.path(), "Flyway repeatable, undo or .sql.conf files");
        return;
    }
    if (is_popx_dialect_file(name)) {
        note(found, Layout::Popx, entry.path(), "popx dialect files <version>_<name>.<dialect>.up.sql");
        return;
    }
    if (numbered(name) && detail::ends_with(name, ".go") && !detail::ends_with(name, "_test.go")) {
        note(found, Layout::Goose, entry.path(), "goose Go migrations");
        return;
    }
    // Content marks only in the names those tools give their files.
    if (!numbered(name) || !detail::ends_with(name, ".sql") || detail::ends_with(name, ".up.sql") ||
        detail::ends_with(name, ".down.sql"))
        return;
    std::string text;
    try {
        text = canonical_text(read_file(entry.path()));
    } catch (const Error&) {
        return;  // discovery reports it
    }
    if (has_line(text, goose_up_line))
        note(found, Layout::Goose, entry.path(), "files with a '-- +goose Up' line");
    else if (has_line(text, dbmate_up_line))
        note(found, Layout::Dbmate, entry.path(), "files with a '-- migrate:up' line");
    else if (has_line(text, npm_up_line) && has_line(text, npm_down_line))
        note(found, Layout::NodePgMigrate, entry.path(),
             "files with '-- Up Migration' and '-- Down Migration'");
    else if (text.rfind("-- no-transaction", 0) == 0)
        note(found, Layout::Sqlx, entry.path(), "files starting with sqlx's '-- no-transaction'");
}

}  // namespace

const char* layout_name(Layout layout) {
    for (const auto& [l, name] : k_names) {
        if (l == layout) return name;
    }
    return "pgsafe";
}

std::optional<Layout> layout_from_name(std::string_view name) {
    for (const auto& [l, n] : k_names) {
        if (name == n) return l;
    }
    return std::nullopt;
}

const std::vector<std::string_view>& layout_names() {
    static const std::vector<std::string_view> names = [] {
        std::vector<std::string_view> out;
        for (const auto& [l, n] : k_names) out.emplace_back(n);
        return out;
    }();
    return names;
}

std::string new_migration_command(Layout layout) {
    switch (layout) {
        case Layout::Goose: return "goose -dir DIR create NAME sql";
        case Layout::Dbmate: return "dbmate --migrations-dir DIR new NAME";
        case Layout::Diesel: return "diesel migration generate NAME";
        case Layout::Prisma: return "prisma migrate dev --create-only --name NAME";
        case Layout::NodePgMigrate: return "node-pg-migrate create NAME --migration-file-language sql";
        case Layout::Sqitch: return "sqitch add NAME";
        default: return "";
    }
}

DetectedLayout detect_layout(const fs::path& dir) {
    detail::require_exists(dir);
    if (!fs::is_directory(dir)) detail::throw_path_error(dir, "not a directory");
    std::map<Layout, Evidence> found;
    try {
        std::vector<fs::directory_entry> listed;
        for (const auto& entry : fs::directory_iterator(dir)) listed.push_back(entry);
        std::sort(listed.begin(), listed.end(),
                  [](const auto& a, const auto& b) { return detail::byte_less(a.path(), b.path()); });
        for (const auto& entry : listed) {
            if (detail::is_hidden(entry.path())) continue;
            std::error_code error;
            if (entry.is_directory(error))
                inspect_directory(entry, found);
            else if (entry.is_regular_file(error))
                inspect_file(entry, found);
        }
    } catch (const fs::filesystem_error& error) {
        detail::throw_path_error(error.path1().empty() ? dir : error.path1(), detail::describe(error.code()));
    }
    if (found.empty())
        return {Layout::Pgsafe,
                "no other tool's marks: V<version>__<name>.sql, <digits>_<name>.sql and "
                "<digits>_<name>.up.sql files"};
    if (found.size() == 1) return {found.begin()->first, describe(found.begin()->second)};
    std::string candidates;
    for (const auto& [layout, evidence] : found)
        candidates += fmt::format("\n  {}: {}", layout_name(layout), describe(evidence));
    throw Error(
        ErrorKind::Usage,
        fmt::format("{}: layout \"auto\" cannot tell whose folder this is; it holds marks of {} tools:{}\n"
                    "Set layout = \"<one of them>\" in pgsafe.toml.",
                    dir.string(), found.size(), candidates));
}

}  // namespace pgsafe::source
