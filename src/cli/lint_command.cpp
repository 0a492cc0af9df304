// `pgsafe lint [PATH...]`: settings (flags > PGSAFE_* > pgsafe.toml >
// defaults, config::resolve), table facts (--stats snapshot, --db live, or none: a lint never
// needs a database), then read, parse, lint and report every file. Exit 3
// when a statement does not parse, 1 for findings at or above --fail-on, else 0.

#include "commands.hpp"
#include "config_flags.hpp"
#include "facts_source.hpp"
#include "parallel_parse.hpp"

#include "pgsafe/error.hpp"
#include "pgsafe/report/github.hpp"
#include "pgsafe/report/gitlab.hpp"
#include "pgsafe/report/lint_report.hpp"
#include "pgsafe/report/sarif.hpp"
#include "pgsafe/rules/lint.hpp"
#include "pgsafe/rules/rule.hpp"
#include "pgsafe/source/glob.hpp"
#include "pgsafe/source/migration.hpp"
#include "pgsafe/sql/parse.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>

namespace pgsafe::cli {
namespace {

namespace fs = std::filesystem;

// What the command line says; empty means "not given".
struct LintFlags {
    std::vector<std::string> paths;
    std::string fail_on;
    std::vector<std::string> exclude;
    std::vector<std::string> include;
    std::string runner;
    int pg_version = 0;
    std::string stats;
};

// Every setting resolved to one value.
struct LintSettings {
    rules::LintOptions options;
    std::optional<rules::Severity> fail_on;  // nullopt: never
    std::vector<std::string> paths;
    std::vector<std::string> exclude_paths;
    fs::path base_dir;  // exclude_paths are relative to it
};

// The flags that override configuration keys.
config::Overrides overrides(const LintFlags& flags) {
    config::Overrides o;
    if (!flags.fail_on.empty()) o.fail_on = flags.fail_on;
    if (!flags.runner.empty()) o.runner = flags.runner;
    if (flags.pg_version != 0) o.postgres_version = flags.pg_version;
    o.exclude = flags.exclude;
    o.include = flags.include;
    return o;
}

// The migrations directory from the configuration, when no path is given.
std::vector<std::string> default_paths(const LoadedSettings& loaded) {
    fs::path dir = migrations_dir(loaded);
    std::error_code error;
    if (!fs::is_directory(dir, error)) {
        std::string from = loaded.from_file ? fmt::format("\"migrations\" in {}", loaded.settings.origin)
                                            : std::string("the default; set \"migrations\" in pgsafe.toml");
        throw Error(ErrorKind::Usage,
                    fmt::format("no paths given, and the migrations directory {} ({}) does not "
                                "exist",
                                display_path(dir), from));
    }
    return {display_path(dir)};
}

// Command line > environment variables > pgsafe.toml > defaults (config::resolve).
LintSettings resolve_settings(const LintFlags& flags, const LoadedSettings& loaded) {
    LintSettings s;
    s.options = config::lint_options(loaded.settings);
    s.fail_on = loaded.settings.lint.fail_on;
    s.paths = flags.paths.empty() ? default_paths(loaded) : flags.paths;
    s.exclude_paths = loaded.settings.project.exclude_paths;
    s.base_dir = loaded.base_dir;
    return s;
}

bool excluded(const fs::path& file, const LintSettings& s) {
    if (s.exclude_paths.empty()) return false;
    fs::path relative = fs::absolute(file).lexically_normal().lexically_relative(s.base_dir);
    return source::path_excluded(s.exclude_paths, relative.generic_string());
}

// The files to lint in apply order, each with its text when it was read in
// another tool's layout (a goose file's Up section), without those
// exclude_paths leaves out.
struct LintInputs {
    std::vector<fs::path> files;
    std::vector<std::optional<std::string>> texts;  // nullopt: read the file as it is
};

// A directory in pgsafe's own layout is walked as ever (nested folders
// included); one in another tool's layout is read as that tool reads it, and a
// file named on the command line as its folder's tool reads it.
void add_path(const std::string& given, const LoadedSettings& loaded, LintInputs& out) {
    fs::path path(given);
    std::error_code error;
    source::Layout layout = configured_layout(loaded);
    if (fs::is_directory(path, error)) {
        std::string reason;
        if (layout == source::Layout::Auto) {
            source::DetectedLayout detected = source::detect_layout(path);
            layout = detected.layout;
            reason = detected.reason;
        }
        if (layout == source::Layout::Pgsafe) {
            spdlog::debug("{}: layout pgsafe ({})", given,
                          reason.empty() ? "pgsafe.toml" : "auto: " + reason);
            for (auto& file : source::collect_sql_files({given})) {
                out.files.push_back(std::move(file));
                out.texts.emplace_back();
            }
            return;
        }
        source::Discovery found = source::discover(path, layout);
        found.reason = reason;
        log_layout(given, found, configured_layout(loaded));
        for (const auto& refused : found.refused)
            spdlog::warn("{}: not linted: {}", refused.path.string(), refused.reason);
        for (auto& file : found.files) {
            out.files.push_back(file.path);
            out.texts.emplace_back(std::move(file.text));
        }
        return;
    }
    for (auto& file : source::collect_sql_files({given})) {  // throws for a path that does not exist
        source::Layout file_in = file_layout(file, loaded);
        out.texts.emplace_back();
        if (file_in != source::Layout::Pgsafe && file_in != source::Layout::Auto)
            out.texts.back() = source::read_layout_file(file, file_in).text;
        out.files.push_back(std::move(file));
    }
}

LintInputs files_to_lint(const LintSettings& s, const LoadedSettings& loaded) {
    LintInputs all;
    for (const auto& given : s.paths) add_path(given, loaded, all);
    LintInputs kept;
    for (std::size_t i = 0; i < all.files.size(); ++i) {
        const fs::path& file = all.files[i];
        if (!excluded(file, s)) {
            kept.files.push_back(file);
            kept.texts.push_back(std::move(all.texts[i]));
            continue;
        }
        bool named = std::find(s.paths.begin(), s.paths.end(), file.string()) != s.paths.end();
        if (named)
            spdlog::warn("{}: not linted: it matches exclude_paths in the configuration", file.string());
        else
            spdlog::debug("{}: skipped (exclude_paths)", file.string());
    }
    return kept;
}

// Every file read and parsed (on every core), then linted in apply order.
std::vector<rules::FileResult> lint_files(const LintInputs& inputs, rules::LintSession& session) {
    std::vector<rules::FileResult> results;
    results.reserve(inputs.files.size());
    for_each_parsed(
        inputs.files, {sql::KeepTree::No},
        [&](const fs::path& path, const sql::ParsedFile& parsed) {
            spdlog::debug("linting {}", path.string());
            results.push_back(session.lint(path.string(), parsed));
        },
        &inputs.texts);
    return results;
}

std::string render(std::vector<rules::FileResult>& results, const std::string& format) {
    if (format == "sarif" || format == "github" || format == "gitlab") {
        for (auto& r : results)
            r.path = display_path(r.path);  // code scanning wants workspace-relative paths
        if (format == "gitlab") return report::lint_gitlab(results);
        std::error_code error;
        return format == "sarif" ? report::lint_sarif(results, fs::current_path(error).string())
                                 : report::lint_github(results);
    }
    return report::lint_text(results, stdout_wants_color() ? report::Color::On : report::Color::Off);
}

// The report on stdout; JSON is written as it is made, so a large one is never held whole.
void print_report(std::vector<rules::FileResult>& results, const std::string& format) {
    if (format == "json") {
        report::write_lint_json(
            results, [](std::string_view piece) { std::fwrite(piece.data(), 1, piece.size(), stdout); });
        return;
    }
    std::string out = render(results, format);
    std::fwrite(out.data(), 1, out.size(), stdout);
}

int exit_code(const std::vector<rules::FileResult>& results, std::optional<rules::Severity> fail_on) {
    for (const auto& r : results) {
        if (r.syntax_error) return pgsafe::exit_code(ExitCode::Parse);
    }
    if (!fail_on) return pgsafe::exit_code(ExitCode::Ok);
    for (const auto& r : results) {
        for (const auto& f : r.findings) {
            if (f.severity >= *fail_on) return pgsafe::exit_code(ExitCode::Findings);
        }
    }
    return pgsafe::exit_code(ExitCode::Ok);
}

void add_flags(CLI::App& cmd, LintFlags& flags) {
    cmd.add_option("paths", flags.paths,
                   "Migration files or directories (default: \"migrations\" from pgsafe.toml)");
    cmd.add_option("--fail-on", flags.fail_on,
                   "Lowest severity that makes the exit code 1 (default: PGSAFE_FAIL_ON, else fail_on in "
                   "pgsafe.toml, else error)")
        ->check(CLI::IsMember({"error", "warning", "info", "never"}));
    cmd.add_option("--exclude", flags.exclude, "Rules to turn off (comma-separated or repeated)")
        ->allow_extra_args(false);
    cmd.add_option("--include", flags.include,
                   "Rules off by default to turn on (comma-separated or repeated)")
        ->allow_extra_args(false);
    cmd.add_option("--runner", flags.runner, "Who runs the migrations: pgsafe (sets timeouts) or external")
        ->check(CLI::IsMember({"pgsafe", "external"}));
    cmd.add_option("--pg-version", flags.pg_version, "Target PostgreSQL major version (default: 15)")
        ->check(CLI::Range(10, 99));
    cmd.add_option("--stats", flags.stats, "Table sizes from a snapshot written by `pgsafe stats export`");
}

}  // namespace

bool stdout_wants_color() {
    const char* no_color = std::getenv("NO_COLOR");
    return isatty(STDOUT_FILENO) != 0 && (no_color == nullptr || *no_color == '\0');
}

void add_lint_command(CLI::App& app, const GlobalOptions& global, int& code) {
    auto flags = std::make_shared<LintFlags>();
    CLI::App* cmd = app.add_subcommand("lint", "Find lock-heavy and breaking statements in migration files");
    add_flags(*cmd, *flags);
    cmd->footer(
        "Table sizes make findings sharper: --stats FILE, or --db URL (global flag) for live statistics.");
    cmd->callback([flags, &global, &code] {
        LoadedSettings loaded = load_settings(global, overrides(*flags));  // flags > env > file > defaults
        LintSettings settings = resolve_settings(*flags, loaded);
        analysis::TableFacts facts = load_table_facts(flags->stats, global);  // sizes decide severities
        LintInputs files = files_to_lint(settings, loaded);                   // in apply order, in its layout
        rules::LintSession session(settings.options, std::move(facts));
        std::vector<rules::FileResult> results = lint_files(files, session);  // every finding, not the first
        print_report(results, global.format);
        code = exit_code(results, settings.fail_on);
    });
}

}  // namespace pgsafe::cli
