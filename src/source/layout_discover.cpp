// One discovery for every layout: list the files the layout's tool reads
// (its names, its version rules, its dialect filter, its sidecars), order
// them as the tool does, then read each once and keep the part the tool
// runs. Every broken rule is reported at once; a file the tool would run
// but pgsafe cannot (a Go or JavaScript migration) is listed as refused,
// never skipped silently.

#include "paths.hpp"
#include "pgsafe/error.hpp"
#include "pgsafe/source/layout.hpp"
#include "pgsafe/source/repeatable.hpp"
#include "sqitch_plan.hpp"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <map>

namespace pgsafe::source {
namespace {

namespace fs = std::filesystem;
using detail::ends_with;

// A file the layout will run, before it is read.
struct Candidate {
    MigrationName name;
    fs::path path;
    bool tool_transaction = true;
    std::string marker;
};

struct Listing {
    std::vector<Candidate> files;
    std::vector<std::string> problems;
    std::vector<RefusedFile> refused;
    bool byte_order = false;  // the tool orders by name bytes (Diesel, Prisma), not by numeric version
};

bool is_digit(char c) {
    return std::isdigit(static_cast<unsigned char>(c)) != 0;
}

bool all_digits(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), is_digit);
}

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

std::string trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())) != 0) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())) != 0) s.remove_suffix(1);
    return std::string(s);
}

// The entries directly in dir, hidden ones left out, in byte order.
std::vector<fs::directory_entry> entries(const fs::path& dir) {
    std::vector<fs::directory_entry> out;
    try {
        for (const auto& entry : fs::directory_iterator(dir)) {
            if (!detail::is_hidden(entry.path())) out.push_back(entry);
        }
    } catch (const fs::filesystem_error& error) {
        detail::throw_path_error(error.path1().empty() ? dir : error.path1(), detail::describe(error.code()));
    }
    std::sort(out.begin(), out.end(),
              [](const auto& a, const auto& b) { return detail::byte_less(a.path(), b.path()); });
    return out;
}

bool is_file(const fs::directory_entry& entry) {
    std::error_code error;
    return entry.is_regular_file(error);
}

bool is_dir(const fs::directory_entry& entry) {
    std::error_code error;
    return entry.is_directory(error);
}

std::string no_pattern(const fs::path& path, const std::string& tool, const std::string& expected) {
    return fmt::format("{}: file name fits no {} migration pattern (expected {})", path.string(), tool,
                       expected);
}

// ---- Flyway ---------------------------------------------------------------------------------------

// "1", "1.2", "1_2" (an '_' means '.'), returned with dots; nullopt otherwise.
std::optional<std::string> flyway_version(std::string_view text) {
    if (text.empty() || !is_digit(text.front()) || !is_digit(text.back())) return std::nullopt;
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        bool separator = c == '.' || c == '_';
        if (!is_digit(c) && !separator) return std::nullopt;
        if (separator && (text[i - 1] == '.' || text[i - 1] == '_')) return std::nullopt;
        out += separator ? '.' : c;
    }
    return out;
}

// executeInTransaction=false (and encoding=UTF-8) from V<v>__<name>.sql.conf.
void read_flyway_conf(const fs::path& conf, Candidate& file, std::vector<std::string>& problems) {
    std::string text = canonical_text(read_file(conf));
    std::size_t number = 0;
    std::size_t begin = 0;
    while (begin <= text.size()) {
        std::size_t end = text.find('\n', begin);
        if (end == std::string::npos) end = text.size();
        std::string line = trim(std::string_view(text).substr(begin, end - begin));
        ++number;
        begin = end + 1;
        if (line.empty() || line[0] == '#' || line[0] == '!') continue;
        auto eq = line.find('=');
        std::string key = trim(line.substr(0, eq == std::string::npos ? line.size() : eq));
        std::string value = eq == std::string::npos ? "" : trim(line.substr(eq + 1));
        if (key == "executeInTransaction" && (lower(value) == "true" || lower(value) == "false")) {
            file.tool_transaction = lower(value) == "true";
            if (!file.tool_transaction) file.marker = line;
        } else if (key == "encoding" && (lower(value) == "utf-8" || lower(value) == "utf8")) {
            continue;
        } else {
            problems.push_back(
                fmt::format("{}:{}: \"{}\": pgsafe knows executeInTransaction=true|false and "
                            "encoding=UTF-8 in a Flyway script configuration",
                            conf.string(), number, line));
        }
    }
}

void flyway_walk(const fs::path& dir, Listing& out, std::map<std::string, fs::path>& confs) {
    for (const auto& entry : entries(dir)) {
        const std::string name = entry.path().filename().string();
        if (is_dir(entry)) {
            flyway_walk(entry.path(), out, confs);  // Flyway scans its locations recursively
            continue;
        }
        if (!is_file(entry)) continue;
        if (ends_with(name, ".sql.conf")) {
            confs[entry.path().string().substr(0, entry.path().string().size() - 5)] = entry.path();
            continue;
        }
        if (!ends_with(name, ".sql")) continue;
        const std::string stem = name.substr(0, name.size() - 4);
        auto split = stem.find("__");
        char prefix = stem.empty() ? '\0' : stem.front();
        if (split != std::string::npos && prefix == 'R' && split == 1 && split + 2 < stem.size()) {
            // A repeatable: tracked as "R__<description>", which sorts after every version
            // (docs/adopt.md, "Flyway repeatables"); src/runner/repeatables.cpp runs it.
            out.files.push_back(
                {{repeatable_version(stem.substr(3)), stem.substr(3)}, entry.path(), true, ""});
            continue;
        }
        std::optional<std::string> version =
            split == std::string::npos ? std::nullopt
                                       : flyway_version(std::string_view(stem).substr(1, split - 1));
        if (version && prefix == 'U') continue;  // undo migrations: never run forward
        if (version && prefix == 'V' && split + 2 < stem.size()) {
            out.files.push_back({{*version, stem.substr(split + 2)}, entry.path(), true, ""});
            continue;
        }
        out.problems.push_back(no_pattern(entry.path(), "Flyway", "V<version>__<description>.sql, R__ or U"));
    }
}

Listing flyway(const fs::path& dir) {
    Listing out;
    std::map<std::string, fs::path> confs;  // migration path -> its .sql.conf
    flyway_walk(dir, out, confs);
    for (auto& file : out.files) {
        auto it = confs.find(file.path.string());
        if (it == confs.end()) continue;
        read_flyway_conf(it->second, file, out.problems);
        confs.erase(it);
    }
    for (const auto& [sql, conf] : confs) {
        if (!fs::exists(sql))
            out.problems.push_back(fmt::format("{}: a Flyway script configuration without its migration {}",
                                               conf.string(), fs::path(sql).filename().string()));
    }
    return out;
}

// ---- golang-migrate and popx -------------------------------------------------------------------

// golang-migrate: ^([0-9]+)_(.*)\.(down|up)\.(.*)$, .sql only (the postgres driver).
Listing golang_migrate(const fs::path& dir) {
    Listing out;
    for (const auto& entry : entries(dir)) {
        const std::string name = entry.path().filename().string();
        if (!is_file(entry) || !ends_with(name, ".sql")) continue;
        if (ends_with(name, ".down.sql")) continue;
        auto split = name.find('_');
        if (ends_with(name, ".up.sql") && split != std::string::npos && all_digits(name.substr(0, split))) {
            out.files.push_back({{name.substr(0, split), name.substr(split + 1, name.size() - 7 - split - 1)},
                                 entry.path(),
                                 true,
                                 ""});
            continue;
        }
        out.problems.push_back(
            no_pattern(entry.path(), "golang-migrate", "<version>_<name>.up.sql or .down.sql"));
    }
    return out;
}

// popx: ^(\d+)_([^.]+)(\.[a-z0-9]+)?(\.autocommit)?\.(up|down)\.sql$; only the
// postgres dialect, a version's .postgres. file shadowing its generic one.
Listing popx(const fs::path& dir) {
    Listing out;
    struct Choice {
        std::optional<Candidate> generic;
        std::optional<Candidate> postgres;
    };
    std::map<std::string, Choice> versions;
    for (const auto& entry : entries(dir)) {
        const std::string name = entry.path().filename().string();
        if (!is_file(entry) || !ends_with(name, ".sql")) continue;
        bool up = ends_with(name, ".up.sql");
        bool down = ends_with(name, ".down.sql");
        auto split = name.find('_');
        std::string stem = name.substr(0, name.size() - (up ? 7 : down ? 9 : 4));
        std::vector<std::string> parts;  // name, then the dotted suffixes
        if (split != std::string::npos) {
            std::string rest = stem.substr(split + 1);
            std::size_t start = 0;
            for (std::size_t dot = rest.find('.');; dot = rest.find('.', start)) {
                parts.push_back(
                    rest.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
                if (dot == std::string::npos) break;
                start = dot + 1;
            }
        }
        bool autocommit = !parts.empty() && parts.back() == "autocommit";
        if (autocommit) parts.pop_back();
        bool valid = (up || down) && split != std::string::npos && all_digits(name.substr(0, split)) &&
                     !parts.empty() && !parts.front().empty() && parts.size() <= 2;
        if (!valid) {
            out.problems.push_back(no_pattern(
                entry.path(), "popx", "<version>_<name>[.<dialect>][.autocommit].up.sql or .down.sql"));
            continue;
        }
        if (down) continue;
        std::string dialect = parts.size() == 2 ? parts[1] : "";
        if (!dialect.empty() && dialect != "postgres") continue;  // another database's file
        Candidate c{{name.substr(0, split), parts.front()},
                    entry.path(),
                    !autocommit,
                    autocommit ? ".autocommit" : ""};
        Choice& choice = versions[name.substr(0, split)];
        auto& slot = dialect.empty() ? choice.generic : choice.postgres;
        if (slot)
            out.problems.push_back(fmt::format("duplicate migration version {}: {} and {}", c.name.version,
                                               slot->path.string(), c.path.string()));
        slot = c;
    }
    for (auto& [version, choice] : versions)
        out.files.push_back(choice.postgres ? *choice.postgres : *choice.generic);
    return out;
}

// ---- goose, dbmate, sqlx, node-pg-migrate: <digits>_<name>.sql files --------------------------------

Listing numbered_sql(const fs::path& dir, Layout layout) {
    Listing out;
    const std::string tool = layout_name(layout);
    for (const auto& entry : entries(dir)) {
        const std::string name = entry.path().filename().string();
        if (!is_file(entry)) continue;
        auto split = name.find('_');
        bool numbered = split != std::string::npos && split > 0 && all_digits(name.substr(0, split));
        bool code = ends_with(name, ".go") || ends_with(name, ".js") || ends_with(name, ".cjs") ||
                    ends_with(name, ".mjs") || ends_with(name, ".ts");
        if (code && numbered && !ends_with(name, "_test.go") && !ends_with(name, ".d.ts")) {
            bool go = ends_with(name, ".go");
            if ((layout == Layout::Goose && go) || (layout == Layout::NodePgMigrate && !go))
                out.refused.push_back(
                    {entry.path(),
                     fmt::format("a {} migration written in {}: pgsafe runs SQL files only; apply it "
                                 "with {}, or rewrite it as a .sql migration",
                                 tool, go ? "Go" : "JavaScript/TypeScript", tool)});
            continue;
        }
        if (!ends_with(name, ".sql")) continue;
        if (layout == Layout::Sqlx && ends_with(name, ".down.sql")) continue;
        std::string stem = name.substr(0, name.size() - 4);
        if (layout == Layout::Sqlx && ends_with(stem, ".up")) stem.resize(stem.size() - 3);
        if (!numbered || split + 1 >= stem.size()) {
            out.problems.push_back(no_pattern(entry.path(), tool, "<version>_<name>.sql"));
            continue;
        }
        if (layout == Layout::Goose && stem.find_first_not_of('0', 0) == split) {
            out.problems.push_back(fmt::format("{}: goose: migration versions must be greater than zero",
                                               entry.path().string()));
            continue;
        }
        out.files.push_back({{name.substr(0, split), stem.substr(split + 1)}, entry.path(), true, ""});
    }
    return out;
}

// ---- Diesel and Prisma: a directory per migration --------------------------------------------------

Listing diesel(const fs::path& dir) {
    Listing out;
    out.byte_order = true;
    for (const auto& entry : entries(dir)) {
        if (!is_dir(entry))
            continue;  // Diesel reads directories only (crates.io keeps a data .sql beside them)
        const std::string name = entry.path().filename().string();
        auto split = name.find('_');
        std::string version = split == std::string::npos ? "" : name.substr(0, split);
        version.erase(std::remove(version.begin(), version.end(), '-'), version.end());
        fs::path up = entry.path() / "up.sql";
        std::error_code error;
        if (!all_digits(version) || !fs::is_regular_file(up, error)) {
            out.problems.push_back(
                fmt::format("{}: not a Diesel migration (expected a directory "
                            "<YYYY-MM-DD-HHMMSS>_<name> with an up.sql)",
                            entry.path().string()));
            continue;
        }
        Candidate c{{version, name.substr(split + 1)}, up, true, ""};
        fs::path metadata = entry.path() / "metadata.toml";
        if (fs::is_regular_file(metadata, error)) {
            try {
                toml::table table = toml::parse(read_file(metadata), metadata.string());
                if (auto run = table["run_in_transaction"].value<bool>(); run && !*run) {
                    c.tool_transaction = false;
                    c.marker = "metadata.toml: run_in_transaction = false";
                }
            } catch (const toml::parse_error& e) {
                out.problems.push_back(fmt::format("{}:{}:{}: {}", metadata.string(), e.source().begin.line,
                                                   e.source().begin.column, e.description()));
            }
        }
        out.files.push_back(std::move(c));
    }
    return out;
}

Listing prisma(const fs::path& dir) {
    Listing out;
    out.byte_order = true;
    fs::path lock = dir / "migration_lock.toml";
    std::error_code error;
    if (fs::is_regular_file(lock, error)) {
        try {
            toml::table table = toml::parse(read_file(lock), lock.string());
            std::string provider = table["provider"].value_or(std::string());
            if (provider != "postgresql" && provider != "postgres")
                out.problems.push_back(fmt::format(
                    "{}: provider = \"{}\": these are Prisma migrations for another database, not PostgreSQL",
                    lock.string(), provider));
        } catch (const toml::parse_error& e) {
            out.problems.push_back(fmt::format("{}:{}:{}: {}", lock.string(), e.source().begin.line,
                                               e.source().begin.column, e.description()));
        }
    }
    for (const auto& entry : entries(dir)) {
        if (!is_dir(entry)) continue;
        const std::string name = entry.path().filename().string();
        auto split = name.find('_');
        fs::path sql = entry.path() / "migration.sql";
        if (split == std::string::npos || !all_digits(name.substr(0, split)) || split + 1 >= name.size() ||
            !fs::is_regular_file(sql, error)) {
            out.problems.push_back(
                fmt::format("{}: not a Prisma migration (expected a directory "
                            "<timestamp>_<name> with a migration.sql)",
                            entry.path().string()));
            continue;
        }
        out.files.push_back({{name.substr(0, split), name.substr(split + 1)}, sql, true, ""});
    }
    return out;
}

// ---- Sqitch: sqitch.plan names the changes, deploy/<change>.sql holds each ------------------------

// Sqitch runs each deploy script with psql, in the transaction the script opens itself
// (`sqitch add` writes BEGIN; … COMMIT;). pgsafe numbers the changes in plan order.
Listing sqitch(const fs::path& dir) {
    Listing out;
    fs::path plan = dir / "sqitch.plan";
    std::error_code error;
    if (!fs::is_regular_file(plan, error)) {
        out.problems.push_back(fmt::format(
            "{}: no sqitch.plan: the sqitch layout reads a Sqitch project's top directory (sqitch.plan and "
            "deploy/)",
            dir.string()));
        return out;
    }
    auto changes = detail::read_sqitch_plan(canonical_text(read_file(plan)), plan, out.problems);
    for (std::size_t i = 0; i < changes.size(); ++i) {
        fs::path script = dir / "deploy" / (changes[i].name + ".sql");
        if (!fs::is_regular_file(script, error)) {
            out.problems.push_back(fmt::format("{}:{}: change \"{}\" has no deploy script {}", plan.string(),
                                               changes[i].line, changes[i].name, script.string()));
            continue;
        }
        out.files.push_back({{std::to_string(i + 1), changes[i].name},
                             script,
                             false,
                             "Sqitch runs deploy scripts with psql, in the script's own BEGIN ... COMMIT"});
    }
    return out;
}

Listing list(const fs::path& dir, Layout layout) {
    switch (layout) {
        case Layout::Flyway: return flyway(dir);
        case Layout::GolangMigrate: return golang_migrate(dir);
        case Layout::Popx: return popx(dir);
        case Layout::Diesel: return diesel(dir);
        case Layout::Prisma: return prisma(dir);
        case Layout::Sqitch: return sqitch(dir);
        default: return numbered_sql(dir, layout);
    }
}

bool same_version(const Candidate& a, const Candidate& b) {
    return !version_less(a.name.version, b.name.version) && !version_less(b.name.version, a.name.version);
}

void sort_and_check(Listing& listing) {
    std::sort(listing.files.begin(), listing.files.end(), [&](const Candidate& a, const Candidate& b) {
        if (listing.byte_order) return detail::byte_less(a.path, b.path);
        if (version_less(a.name.version, b.name.version)) return true;
        if (version_less(b.name.version, a.name.version)) return false;
        return detail::byte_less(a.path, b.path);
    });
    std::vector<const Candidate*> sorted;
    for (const auto& f : listing.files) sorted.push_back(&f);
    std::stable_sort(sorted.begin(), sorted.end(), [](const Candidate* a, const Candidate* b) {
        return version_less(a->name.version, b->name.version);
    });
    for (std::size_t i = 0; i + 1 < sorted.size(); ++i) {
        if (same_version(*sorted[i], *sorted[i + 1]))
            listing.problems.push_back(fmt::format("duplicate migration version {}: {} and {}",
                                                   sorted[i]->name.version, sorted[i]->path.string(),
                                                   sorted[i + 1]->path.string()));
    }
}

// Flyway replaces ${name} placeholders before it runs a file; pgsafe would run them as written.
std::optional<std::size_t> flyway_placeholder(const std::string& text) {
    for (std::size_t at = text.find("${"); at != std::string::npos; at = text.find("${", at + 2)) {
        std::size_t close = text.find('}', at + 2);
        if (close != std::string::npos && close > at + 2 && text.find('\n', at) > close) return at;
    }
    return std::nullopt;
}

std::size_t line_of(const std::string& text, std::size_t offset) {
    return 1 + static_cast<std::size_t>(std::count(text.begin(), text.begin() + offset, '\n'));
}

}  // namespace

// The file as the layout's tool reads it; `tool` gets its transaction marker.
static MigrationFile layout_file(const fs::path& path, const MigrationName& name, Layout layout,
                                 const std::string& bytes, ToolTransaction& tool) {
    std::string text = canonical_text(bytes);
    if (layout == Layout::Flyway) {
        if (auto at = flyway_placeholder(text))
            throw Error(
                ErrorKind::Usage,
                fmt::format("{}:{}: Flyway replaces ${{…}} placeholders before it runs a file; pgsafe runs "
                            "the text as written and will not guess their values (write the value, or "
                            "run this file with Flyway)",
                            path.string(), line_of(text, *at)));
    }
    Section section = up_section(text, layout, path);
    MigrationFile file;
    file.version = name.version;
    file.name = name.name;
    file.path = path;
    tool.wrapped = !section.no_transaction;
    tool.marker = section.marker;
    if (section.begin == 0 && section.end == text.size()) {
        file.checksum = sha256_checksum(text);
        if (text.size() != bytes.size()) file.bytes_checksum = sha256_checksum(bytes);
        file.text = std::move(text);
        return file;
    }
    std::string up = text.substr(section.begin, section.end - section.begin);
    file.checksum = sha256_checksum(up);
    file.text =
        std::string(static_cast<std::size_t>(std::count(text.begin(), text.begin() + section.begin, '\n')),
                    '\n') +
        up;
    return file;
}

Discovery discover(const fs::path& dir, Layout layout) {
    Discovery out;
    if (layout == Layout::Auto) {
        DetectedLayout detected = detect_layout(dir);
        layout = detected.layout;
        out.reason = detected.reason;
    }
    out.layout = layout;
    if (layout == Layout::Pgsafe) {
        out.files = discover_migrations(dir);
        out.transactions.resize(out.files.size());
        return out;
    }
    detail::require_exists(dir);
    if (!fs::is_directory(dir)) detail::throw_path_error(dir, "not a directory");

    Listing listing = list(dir, layout);
    sort_and_check(listing);
    std::vector<MigrationFile> files;
    for (const auto& c : listing.files) {
        try {
            ToolTransaction tool;
            MigrationFile file = layout_file(c.path, c.name, layout, read_file(c.path), tool);
            if (!c.tool_transaction) tool = ToolTransaction{false, c.marker};
            files.push_back(std::move(file));
            out.transactions.push_back(std::move(tool));
        } catch (const Error& e) {
            listing.problems.push_back(e.what());
        }
    }
    if (!listing.problems.empty()) {
        std::string text;
        for (const auto& p : listing.problems) text += (text.empty() ? "" : "\n") + p;
        throw Error(ErrorKind::Usage, text);
    }
    out.files = std::move(files);
    out.refused = std::move(listing.refused);
    return out;
}

std::vector<MigrationFile> discover_migrations(const fs::path& dir, Layout layout) {
    Discovery found = discover(dir, layout);
    if (!found.refused.empty()) {
        std::string text;
        for (const auto& r : found.refused)
            text += fmt::format("{}{}: {}", text.empty() ? "" : "\n", r.path.string(), r.reason);
        throw Error(ErrorKind::Usage,
                    text + "\nNothing runs while the folder holds a migration pgsafe cannot run.");
    }
    return std::move(found.files);
}

MigrationFile read_layout_file(const fs::path& path, Layout layout) {
    std::string file_name = path.filename().string();
    auto name = parse_migration_name(file_name);
    if (layout == Layout::Auto || layout == Layout::Pgsafe)
        return read_migration(path, name.value_or(MigrationName{"", path.stem().string()}));
    ToolTransaction tool;
    return layout_file(path, name.value_or(MigrationName{"", path.stem().string()}), layout, read_file(path),
                       tool);
}

}  // namespace pgsafe::source
