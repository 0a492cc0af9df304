// pgsafe's entry point: register the commands, parse the command line, run
// the chosen command, and turn every error into the exit code DESIGN.md names.

#include "commands.hpp"

#include "pgsafe/error.hpp"
#include "pgsafe/exit_codes.hpp"
#include "pgsafe/report/error_report.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>

namespace {

using pgsafe::exit_code;
using pgsafe::ExitCode;

// Logs go to stderr: warnings by default, debug with -v, trace with -vv.
void setup_logging(int verbosity) {
    auto logger = spdlog::stderr_color_mt("pgsafe");
    logger->set_pattern("%^%l%$: %v");
    logger->set_level(verbosity >= 2   ? spdlog::level::trace
                      : verbosity == 1 ? spdlog::level::debug
                                       : spdlog::level::warn);
    spdlog::set_default_logger(logger);
}

void add_global_options(CLI::App& app, pgsafe::cli::GlobalOptions& global) {
    app.set_version_flag("--version", std::string("pgsafe ") + PGSAFE_VERSION);
    app.add_option("--format", global.format, "Output format")
        ->check(CLI::IsMember({"text", "json", "sarif", "github", "gitlab", "markdown"}))
        ->envname("PGSAFE_FORMAT")
        ->capture_default_str();
    app.add_option("--config", global.config, "Configuration file (default: pgsafe.toml found upwards)")
        ->envname("PGSAFE_CONFIG");
    app.add_option("--db", global.db, "Database URL or conninfo (else DATABASE_URL, else PG* variables)");
    app.add_option("--env", global.environment, "Environment (default: pgsafe.toml's, else dev)")
        ->envname("PGSAFE_ENV");
    app.add_flag("-v,--verbose", global.verbosity, "More log output on stderr (-vv for trace)");
    app.fallthrough();
    app.require_subcommand(1);
    app.parse_complete_callback([&app, &global] {
        setup_logging(global.verbosity);
        if (global.format == "markdown" && !app.got_subcommand("trace") && !app.got_subcommand("plan"))
            throw CLI::ValidationError("--format",
                                       "markdown is written by pgsafe plan and pgsafe trace only");
    });
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"pgsafe: safe online migrations for PostgreSQL", "pgsafe"};
    pgsafe::cli::GlobalOptions global;
    int code = exit_code(ExitCode::Ok);

    add_global_options(app, global);
    pgsafe::cli::add_lint_command(app, global, code);     // find lock-heavy statements, no database
    pgsafe::cli::add_plan_command(app, global, code);     // the safe steps migrate will run, for review
    pgsafe::cli::add_migrate_command(app, global, code);  // run the plans: bounded lock waits, resumable
    pgsafe::cli::add_status_command(app, global, code);   // what ran, what is pending, what failed
    pgsafe::cli::add_explain_locks_command(app, global, code);  // show the lock each statement takes
    pgsafe::cli::add_rules_command(app, global, code);          // the rule catalog and each rule's docs
    pgsafe::cli::add_stats_command(app, global, code);          // snapshot live table sizes for offline lint
    pgsafe::cli::add_new_command(app, global, code);            // create the next migration file
    pgsafe::cli::add_init_command(app, global, code);       // schema, grants and stored policy, by the admin
    pgsafe::cli::add_approve_command(app, global, code);    // a DBA signs off a file's checksum (and revokes)
    pgsafe::cli::add_approvals_command(app, global, code);  // which approvals still count
    pgsafe::cli::add_audit_command(app, global, code);      // who did what, when
    pgsafe::cli::add_adopt_command(app, global, code);      // take over another tool's history
    pgsafe::cli::add_scratch_server_command(app, global, code);  // hidden: scratch PostgreSQL
    pgsafe::cli::add_trace_command(app, global, code);           // run them on a throwaway server: real locks

    try {
        app.parse(argc, argv);
        return code;
    } catch (const CLI::ParseError& e) {
        int shown = app.exit(e);  // prints help, version, or the usage error
        return shown == 0 ? exit_code(ExitCode::Ok) : exit_code(ExitCode::Usage);
    } catch (const pgsafe::Error& e) {
        std::fprintf(stderr, "pgsafe: error: %s\n", e.what());
        // migrate prints its own result, error included; every other command's JSON reader gets this.
        if (global.format == "json" && !app.got_subcommand("migrate"))
            std::fputs(pgsafe::report::error_json(e).c_str(), stdout);
        return exit_code(pgsafe::exit_code_for(e.kind()));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "pgsafe: internal error: %s\n", e.what());
        return exit_code(ExitCode::Internal);
    }
}
