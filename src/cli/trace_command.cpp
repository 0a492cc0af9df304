// `pgsafe trace [PATH...]`: run the migrations for real somewhere harmless
// and report what each statement did (locks from pg_locks, rewrites, catalog
// changes, held times), checked against the lock model; with --plan, prove
// pgsafe's plan ends like the file. Where: a throwaway PostgreSQL by default
// (removed on every way out, SIGINT and SIGTERM included), or --db in one
// transaction that is rolled back. Exit 1 on a write-blocking lock on a large
// existing table, a model mismatch or a plan that is not equivalent; 3 on
// SQL that does not parse; 4 when a migration fails on the server.

#include "commands.hpp"
#include "config_flags.hpp"

#include "../runner/interrupt.hpp"
#include "pgsafe/db/connection.hpp"
#include "pgsafe/db/scratch_server.hpp"
#include "pgsafe/db/table_facts.hpp"
#include "pgsafe/error.hpp"
#include "pgsafe/plan/plan.hpp"
#include "pgsafe/source/layout.hpp"
#include "pgsafe/source/migration.hpp"
#include "pgsafe/sql/position.hpp"
#include "pgsafe/trace/prepare.hpp"
#include "pgsafe/trace/trace.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <memory>
#include <optional>

namespace pgsafe::cli {
namespace {

constexpr const char* k_database = "pgsafe_trace";
constexpr const char* k_plan_database = "pgsafe_trace_plan";

struct TraceFlags {
    std::vector<std::string> paths;
    std::string schema_from;
    std::string stats;
    bool plan = false;
    bool commit = false;
    long seed_rows = 0;
};

class WatchedInterrupts : public trace::Interrupts {
public:
    explicit WatchedInterrupts(runner::InterruptWatch& watch) : m_watch(watch) {}
    bool interrupted() const override { return m_watch.interrupted(); }
    void set_canceller(std::function<void()> cancel) override { m_watch.set_canceller(std::move(cancel)); }

private:
    runner::InterruptWatch& m_watch;
};

// Every file parsed; SQL that does not parse is reported, all of it, before anything runs.
std::vector<trace::MigrationToTrace> parse_all(const std::vector<source::MigrationFile>& files,
                                               bool& parse_error) {
    std::vector<trace::MigrationToTrace> out;
    for (const auto& f : files) {
        trace::MigrationToTrace m{f.version, f.name, display_path(f.path), sql::parse_sql(f.text),
                                  std::nullopt};
        sql::LineIndex lines(m.parsed.text);
        for (const auto& e : m.parsed.errors) {
            sql::Position p = lines.position(e.offset);
            std::fprintf(stderr, "%s:%zu:%zu: error[syntax-error]: %s\n", m.path.c_str(), p.line, p.column,
                         e.message.c_str());
            parse_error = true;
        }
        out.push_back(std::move(m));
    }
    return out;
}

// The plans, as `pgsafe plan` makes them with these table facts.
void plan_all(std::vector<trace::MigrationToTrace>& migrations,
              const std::vector<source::MigrationFile>& files, const LoadedSettings& loaded,
              const analysis::TableFacts& facts) {
    plan::Planner planner(plan::plan_options(loaded.settings), facts);
    for (std::size_t i = 0; i < migrations.size(); ++i) {
        const auto& f = files[i];
        migrations[i].plan =
            planner.plan({f.version, f.name, display_path(f.path), f.checksum}, migrations[i].parsed);
    }
}

analysis::TableFacts facts_from(const std::string& url) {
    db::Connection connection(url);
    return db::load_table_facts(connection);
}

trace::Format format_of(const std::string& format) {
    if (format == "text") return trace::Format::Text;
    if (format == "json") return trace::Format::Json;
    if (format == "markdown") return trace::Format::Markdown;
    throw Error(ErrorKind::Usage, "trace writes --format text, json or markdown, not " + format);
}

int report(const trace::TraceReport& result, trace::Format format) {
    std::string out = trace::render_trace(result, format);
    std::fwrite(out.data(), 1, out.size(), stdout);
    std::fflush(stdout);
    if (trace::trace_failed(result)) {
        for (const auto& m : result.migrations) {
            if (m.original.failure)
                std::fprintf(stderr,
                             "pgsafe: error: %s:%d:%d: the migration fails on the server: %s (SQLSTATE %s)\n",
                             m.path.c_str(), m.original.failure->line, m.original.failure->column,
                             m.original.failure->message.c_str(), m.original.failure->sqlstate.c_str());
        }
        return exit_code(ExitCode::Database);
    }
    auto problems = trace::trace_problems(result);
    for (const auto& p : problems) std::fprintf(stderr, "pgsafe: %s\n", p.c_str());
    return problems.empty() ? exit_code(ExitCode::Ok) : exit_code(ExitCode::Findings);
}

// --schema-from: production's schema in the scratch database, and what it already applied.
void copy_production_schema(const TraceFlags& flags, const std::string& url,
                            std::vector<trace::MigrationToTrace>& migrations,
                            std::vector<source::MigrationFile>& files) {
    db::Connection source(flags.schema_from);
    db::Connection target(url);
    trace::copy_schema(flags.schema_from, target);
    std::set<std::string> applied = trace::applied_versions(source);
    for (std::size_t i = migrations.size(); i-- > 0;) {
        if (!migrations[i].version.empty() && applied.count(migrations[i].version)) {
            spdlog::info("{}: already applied where --schema-from points, skipped", migrations[i].path);
            migrations.erase(migrations.begin() + static_cast<long>(i));
            files.erase(files.begin() + static_cast<long>(i));
        }
    }
}

// The embedded default: a throwaway server, the schema, rows, and a copy for the plan.
int trace_on_scratch_server(const TraceFlags& flags, const LoadedSettings& loaded, trace::Format format,
                            std::vector<trace::MigrationToTrace> migrations,
                            std::vector<source::MigrationFile> files, runner::InterruptWatch& watch) {
    db::ScratchServer::Options server_options;
    server_options.interrupted = [&watch] { return watch.interrupted(); };
    db::ScratchServer server(server_options);  // stopped and removed on every way out of this scope
    {
        db::Connection admin(server.url());
        admin.execute(fmt::format("CREATE DATABASE {}", k_database), "creating the trace database");
    }
    std::string url = server.url(k_database);
    if (!flags.schema_from.empty()) copy_production_schema(flags, url, migrations, files);
    if (flags.seed_rows > 0) {
        db::Connection connection(url);
        trace::seed_rows(connection, flags.seed_rows);
    }
    trace::TraceOptions options;
    options.thresholds = loaded.settings.thresholds;
    options.facts = !flags.stats.empty()
                        ? analysis::TableFacts::from_json(source::read_file(flags.stats), flags.stats)
                    : !flags.schema_from.empty() ? facts_from(flags.schema_from)
                                                 : facts_from(url);
    WatchedInterrupts interrupts(watch);
    options.interrupts = &interrupts;
    trace::TraceTarget target{url, ""};
    if (flags.plan) {
        plan_all(migrations, files, loaded, options.facts);
        db::Connection admin(server.url());
        admin.execute(fmt::format("CREATE DATABASE {} TEMPLATE {}", k_plan_database, k_database),
                      "copying the trace database for the plan");
        target.plan_url = server.url(k_plan_database);
    }
    trace::TraceReport result = trace::trace_migrations(migrations, target, options);
    return report(result, format);
}

// --db: one transaction, rolled back unless --commit.
int trace_on_database(const TraceFlags& flags, const GlobalOptions& global, const LoadedSettings& loaded,
                      trace::Format format, const std::vector<trace::MigrationToTrace>& migrations,
                      runner::InterruptWatch& watch) {
    if (flags.plan)
        throw Error(ErrorKind::Usage,
                    "--plan needs two copies of the schema: trace without --db (with "
                    "--schema-from URL to copy the schema from it)");
    if (!flags.schema_from.empty())
        throw Error(ErrorKind::Usage, "give --db URL or --schema-from URL, not both");
    std::string url = db::resolve_conninfo(global.db);
    trace::TraceOptions options;
    options.ending = flags.commit ? trace::Ending::Commit : trace::Ending::Rollback;
    options.thresholds = loaded.settings.thresholds;
    options.facts = !flags.stats.empty()
                        ? analysis::TableFacts::from_json(source::read_file(flags.stats), flags.stats)
                        : facts_from(url);
    WatchedInterrupts interrupts(watch);
    options.interrupts = &interrupts;
    trace::TraceReport result = trace::trace_migrations(migrations, {url, ""}, options);
    return report(result, format);
}

}  // namespace

void add_trace_command(CLI::App& app, const GlobalOptions& global, int& code) {
    auto flags = std::make_shared<TraceFlags>();
    CLI::App* cmd = app.add_subcommand(
        "trace", "Run migrations on a throwaway PostgreSQL and report the locks they really take");
    cmd->add_option("paths", flags->paths,
                    "Migration directory or files (default: \"migrations\" from pgsafe.toml)");
    cmd->add_option("--schema-from", flags->schema_from,
                    "Copy the schema (pg_dump --schema-only) and sizes from this database first");
    cmd->add_option("--stats", flags->stats, "Table sizes from a snapshot written by `pgsafe stats export`");
    cmd->add_flag("--plan", flags->plan, "Also trace pgsafe's plan on a copy and prove it ends the same");
    cmd->add_option("--seed-rows", flags->seed_rows, "Fill every table with N generated rows first")
        ->check(CLI::NonNegativeNumber);
    cmd->add_flag("--commit", flags->commit, "With --db: keep the changes (else everything is rolled back)");
    cmd->callback([flags, &global, &code] {
        trace::Format format = format_of(global.format);
        LoadedSettings loaded = load_settings(global);  // thresholds, timeouts
        std::vector<source::MigrationFile> files = named_migrations(flags->paths, loaded);  // in apply order
        bool parse_error = false;
        std::vector<trace::MigrationToTrace> migrations =
            parse_all(files, parse_error);  // nothing runs on bad SQL
        if (parse_error) {
            code = exit_code(ExitCode::Parse);
            return;
        }
        if (flags->commit && global.db.empty())
            throw Error(ErrorKind::Usage, "--commit only means something with --db URL");
        runner::InterruptWatch watch;  // SIGINT/SIGTERM: stop, cancel, clean up, exit 130
        code = global.db.empty() ? trace_on_scratch_server(*flags, loaded, format, std::move(migrations),
                                                           std::move(files), watch)
                                 : trace_on_database(*flags, global, loaded, format, migrations, watch);
    });
}

}  // namespace pgsafe::cli
