// `pgsafe lint PATH...`: read the migrations, parse, lint, report. Needs no
// database. Exit 3 when a statement does not parse, 1 for findings at or
// above --fail-on, else 0.

#include "commands.hpp"

#include "pgsafe/report/lint_report.hpp"
#include "pgsafe/rules/lint.hpp"
#include "pgsafe/source/migration.hpp"
#include "pgsafe/sql/parse.hpp"

#include <spdlog/spdlog.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>

namespace pgsafe::cli {
namespace {

struct LintOptions {
    std::vector<std::string> paths;
    std::string fail_on = "error";
};

constexpr int k_exit_findings = 1;
constexpr int k_exit_parse = 3;

// Every file read, parsed and linted, in apply order.
std::vector<rules::FileResult> lint_paths(const std::vector<std::string>& paths, rules::LintSession& session) {
    std::vector<rules::FileResult> results;
    for (const auto& path : source::collect_sql_files(paths)) {
        spdlog::debug("linting {}", path.string());
        sql::ParsedFile parsed = sql::parse_sql(source::read_file(path));
        results.push_back(session.lint(path.string(), parsed));
    }
    return results;
}

int exit_code(const std::vector<rules::FileResult>& results, const std::string& fail_on) {
    for (const auto& r : results) {
        if (r.syntax_error) return k_exit_parse;
    }
    auto threshold = rules::severity_from_name(fail_on);
    if (!threshold) return 0;  // --fail-on never
    for (const auto& r : results) {
        for (const auto& f : r.findings) {
            if (f.severity >= *threshold) return k_exit_findings;
        }
    }
    return 0;
}

}  // namespace

bool stdout_wants_color() {
    const char* no_color = std::getenv("NO_COLOR");
    return isatty(STDOUT_FILENO) != 0 && (no_color == nullptr || *no_color == '\0');
}

void add_lint_command(CLI::App& app, const GlobalOptions& global, int& code) {
    auto options = std::make_shared<LintOptions>();
    CLI::App* cmd = app.add_subcommand("lint", "Find lock-heavy and breaking statements in migration files");
    cmd->add_option("paths", options->paths, "Migration files or directories")->required();
    cmd->add_option("--fail-on", options->fail_on, "Lowest severity that makes the exit code 1")
        ->check(CLI::IsMember({"error", "warning", "info", "never"}))
        ->capture_default_str();
    cmd->callback([options, &global, &code] {
        rules::LintSession session(rules::LintOptions{}, analysis::TableFacts{});
        std::vector<rules::FileResult> results = lint_paths(options->paths, session);
        std::string out = global.format == "json"
                              ? report::lint_json(results)
                              : report::lint_text(results, stdout_wants_color() ? report::Color::On
                                                                                : report::Color::Off);
        std::fwrite(out.data(), 1, out.size(), stdout);
        code = exit_code(results, options->fail_on);
    });
}

}  // namespace pgsafe::cli
