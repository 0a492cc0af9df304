// `pgsafe migrate [DIR]`: apply the pending migrations to the target
// database with bounded lock waits, one runner at a time, resumable; or
// print what would run (--dry-run). The result goes to stdout as text or
// JSON, progress and waits to stderr; the exit code follows DESIGN.md.

#include "commands.hpp"
#include "config_flags.hpp"
#include "duration_flag.hpp"
#include "policy_files.hpp"

#include "pgsafe/db/connection.hpp"
#include "pgsafe/error.hpp"
#include "pgsafe/policy/policy.hpp"
#include "pgsafe/report/migrate_report.hpp"
#include "pgsafe/runner/runner.hpp"
#include "pgsafe/source/migration.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <memory>

namespace pgsafe::runner {
// src/runner/reconcile.hpp: a typo in --to is a usage error, before anything connects.
void require_version(const std::vector<source::MigrationFile>& files, const std::optional<std::string>& to);
}  // namespace pgsafe::runner

namespace pgsafe::cli {
namespace {

struct MigrateFlags {
    std::string dir;
    bool dry_run = false;
    std::string to;
    double lock_wait_s = 300;
    bool allow_out_of_order = false;
    bool allow_same_content = false;
    std::string break_glass;
    CLI::Option* break_glass_given = nullptr;  // given, even as "": a blank reason is an error, not no flag
    std::string wait_for_window;
};

// What the policy gate migrate asks before each migration needs: the
// stored policy when the database was initialised, else the chosen
// environment's file (read now, before anything connects).
runner::PolicyGateOptions policy_gate_options(const MigrateFlags& flags, const GlobalOptions& global,
                                              const LoadedSettings& loaded) {
    runner::PolicyGateOptions o;
    o.conninfo = db::resolve_conninfo(global.db);
    o.chosen = chosen_policy(loaded);
    if (flags.break_glass_given != nullptr && flags.break_glass_given->count() > 0) {
        if (std::all_of(flags.break_glass.begin(), flags.break_glass.end(),
                        [](unsigned char c) { return std::isspace(c); }))
            throw Error(ErrorKind::Usage,
                        "--break-glass needs a reason: it overrides the policy and is recorded and audited");
        o.break_glass = flags.break_glass;
    }
    if (!flags.wait_for_window.empty()) {
        auto wait = policy::parse_duration(flags.wait_for_window);
        if (!wait)
            throw Error(ErrorKind::Usage,
                        fmt::format("--wait-for-window must be a duration such as \"30m\" or "
                                    "\"8h\", not \"{}\"",
                                    flags.wait_for_window));
        o.wait_for_window = std::chrono::duration_cast<std::chrono::seconds>(*wait);
    }
    o.progress = [](const std::string& text) { std::fprintf(stderr, "%s\n", text.c_str()); };
    return o;
}

runner::RunOptions run_options(const MigrateFlags& flags, const GlobalOptions& global,
                               const config::Settings& settings) {
    runner::RunOptions o;
    o.conninfo = db::resolve_conninfo(global.db);
    o.plan = plan::plan_options(settings);
    o.retry = settings.retry;
    o.run = settings.run;
    if (!flags.to.empty()) o.to = flags.to;
    o.allow_out_of_order = flags.allow_out_of_order;
    o.allow_same_content = flags.allow_same_content;
    o.lock_wait = std::chrono::milliseconds(static_cast<long long>(flags.lock_wait_s * 1000));
    return o;
}

void print(const std::string& text) {
    std::fwrite(text.data(), 1, text.size(), stdout);
}

// An error before the run started (cannot connect, runner lock busy) still
// gives a pipeline asking for JSON a result to read.
runner::RunResult failed_before_start(const Error& e) {
    runner::RunResult result;
    result.status = runner::run_status_for(e.kind());
    result.error = runner::run_error(e, "");
    return result;
}

// The migration files of DIR, else of pgsafe.toml's "migrations", in apply order.
std::vector<source::MigrationFile> migration_files(const std::string& dir, const LoadedSettings& loaded) {
    return layout_migrations(display_path(dir.empty() ? migrations_dir(loaded) : std::filesystem::path(dir)),
                             loaded);
}

}  // namespace

void add_migrate_command(CLI::App& app, const GlobalOptions& global, int& code) {
    auto flags = std::make_shared<MigrateFlags>();
    CLI::App* cmd = app.add_subcommand("migrate", "Apply the pending migrations, safely");
    cmd->add_option("dir", flags->dir, "Migration directory (default: \"migrations\" from pgsafe.toml)");
    cmd->add_flag("--dry-run", flags->dry_run,
                  "Print the SQL a run would execute, tracking writes included; change nothing");
    cmd->add_option("--to", flags->to, "Apply up to and including this version");
    cmd->add_option("--lock-wait", flags->lock_wait_s,
                    "How long to wait for another runner to finish: seconds, or a duration (\"5m\")")
        ->transform(seconds_or_duration())
        ->capture_default_str();
    cmd->add_flag("--allow-out-of-order", flags->allow_out_of_order,
                  "Apply a new migration that sorts before one already applied");
    cmd->add_flag("--allow-same-content", flags->allow_same_content,
                  "Apply a new migration whose content is the same as an applied one's");
    flags->break_glass_given = cmd->add_option(
        "--break-glass", flags->break_glass,
        "Override windows, freezes and missing approvals, for members of [access] break_glass; "
        "recorded with this reason");
    cmd->add_option(
        "--wait-for-window", flags->wait_for_window,
        "Wait up to this long (\"30m\", \"8h\") for a window or a freeze's end instead of refusing");
    cmd->callback([flags, &global, &code] {
        LoadedSettings loaded = load_settings(global);  // timeouts, retry budget, thresholds
        std::vector<source::MigrationFile> files = migration_files(flags->dir, loaded);  // in apply order
        if (flags->dry_run) {
            // The policy judges a dry run as it would judge the run: a refusal exits 5, as the run would.
            runner::PolicyGateOptions gate_options = policy_gate_options(*flags, global, loaded);
            gate_options.wait_for_window.reset();  // says now what a run would meet now
            runner::PolicyGate gate(std::move(gate_options));
            runner::RunOptions options =
                run_options(*flags, global, with_policy_settings(loaded, gate.effective().policy));
            options.gate = &gate;
            print(runner::dry_run(files, options));  // reads, writes nothing
            code = exit_code(ExitCode::Ok);
            return;
        }
        runner::require_version(files,
                                flags->to.empty() ? std::nullopt : std::optional<std::string>(flags->to));
        runner::PolicyGateOptions gate_options;
        try {
            gate_options = policy_gate_options(*flags, global, loaded);
        } catch (const Error& e) {
            if (global.format == "json") print(report::migrate_json(failed_before_start(e)));
            throw;
        }
        runner::RunOptions options = run_options(*flags, global, loaded.settings);
        // Progress and the step monitor on stderr: a bar on a terminal, plain lines in a log.
        auto console = runner::console_observer(
            isatty(STDERR_FILENO) != 0 ? runner::ProgressStyle::Bar : runner::ProgressStyle::Lines,
            options.conninfo);
        options.observers.push_back(console.get());
        // The stored policy and identity, read before the runner lock is taken; checked before each
        // migration.
        std::unique_ptr<runner::PolicyGate> gate;
        auto open_gate = [&](runner::RunOptions& run, db::Connection& first_reads) {
            gate = std::make_unique<runner::PolicyGate>(std::move(gate_options), first_reads);
            if (!gate->effective().policy && !flags->break_glass.empty())
                spdlog::warn("--break-glass: environment {} has no policy, nothing to override",
                             loaded.settings.project.environment);
            // The policy's [timeouts] [retry] [run] … over pgsafe.toml's, for its environment.
            runner::RunOptions with =
                run_options(*flags, global, with_policy_settings(loaded, gate->effective().policy));
            with.observers = run.observers;
            with.gate = gate.get();
            run = std::move(with);
        };
        runner::RunResult result;
        try {
            result = runner::migrate(files, options, open_gate);  // policy and lock, plan, run, record
        } catch (const Error& e) {
            if (global.format == "json") print(report::migrate_json(failed_before_start(e)));
            throw;
        }
        print(global.format == "json" ? report::migrate_json(result) : report::migrate_text(result));
        code = exit_code(result.error ? exit_code_for(result.error->kind) : ExitCode::Ok);
    });
}

// Every migration applied as its file says: what a deploy gate or health check asks.
bool up_to_date(const runner::StatusReport& report) {
    return std::all_of(
        report.migrations.begin(), report.migrations.end(),
        [](const report::MigrationStatus& m) { return m.state == report::MigrationState::Applied; });
}

void add_status_command(CLI::App& app, const GlobalOptions& global, int& code) {
    auto dir = std::make_shared<std::string>();
    auto gate = std::make_shared<bool>(false);
    CLI::App* cmd =
        app.add_subcommand("status", "Show applied, pending, failed, running and drifted migrations");
    cmd->add_option("dir", *dir, "Migration directory (default: \"migrations\" from pgsafe.toml)");
    cmd->add_flag("--exit-code", *gate,
                  "Exit 1 when a migration is pending, failed, running, drifted or missing (deploy gates)");
    cmd->callback([dir, gate, &global, &code] {
        LoadedSettings loaded = load_settings(global);  // the migrations directory
        std::vector<source::MigrationFile> files = migration_files(*dir, loaded);
        runner::StatusReport report = runner::status(files, db::resolve_conninfo(global.db));
        add_status_verdicts(report, files, loaded, db::resolve_conninfo(global.db));  // pending: allowed now?
        print(global.format == "json" ? report::status_json(report) : report::status_text(report));
        code = exit_code(*gate && !up_to_date(report) ? ExitCode::NotUpToDate : ExitCode::Ok);
    });
}

}  // namespace pgsafe::cli
