// `pgsafe plan [PATH...]`: the steps `pgsafe migrate` will run for the
// pending migrations, for a DBA to review: text or JSON, or --emit-sql DIR
// to hand the rewritten steps to another tool. Exit 3 when a migration does
// not parse; findings do not change the exit code (lint is for that).

#include "commands.hpp"
#include "config_flags.hpp"
#include "facts_source.hpp"
#include "policy_files.hpp"

#include "pgsafe/db/connection.hpp"
#include "pgsafe/error.hpp"
#include "pgsafe/plan/plan.hpp"
#include "pgsafe/policy/verdict.hpp"
#include "pgsafe/report/plan_report.hpp"
#include "pgsafe/runner/limits.hpp"
#include "pgsafe/source/migration.hpp"
#include "pgsafe/sql/parse.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>

namespace pgsafe::cli {
namespace {

namespace fs = std::filesystem;

struct PlanFlags {
    std::vector<std::string> paths;
    std::string stats;
    std::string emit_sql;
};

std::vector<plan::MigrationPlan> plan_all(const std::vector<source::MigrationFile>& migrations,
                                          plan::Planner& planner) {
    std::vector<plan::MigrationPlan> plans;
    for (const auto& m : migrations) {
        runner::require_plannable(display_path(m.path), m.text.size());  // before a parse that would not fit
        // The text read with the checksum, so the plan is of the bytes migrate would hash.
        sql::ParsedFile parsed = sql::parse_sql(m.text, {sql::KeepTree::Yes});
        plans.push_back(planner.plan({m.version, m.name, display_path(m.path), m.checksum}, parsed));
    }
    return plans;
}

// One SQL file per migration, named as the migration, into dir.
void emit_sql(const std::vector<plan::MigrationPlan>& plans, const std::vector<source::MigrationFile>& files,
              const std::string& dir) {
    std::error_code error;
    fs::create_directories(dir, error);
    if (error) throw Error(ErrorKind::Usage, fmt::format("--emit-sql {}: {}", dir, error.message()));
    for (std::size_t i = 0; i < plans.size(); ++i) {
        fs::path out = fs::path(dir) / files[i].path.filename();
        std::ofstream file(out, std::ios::binary);
        std::string sql = report::plan_sql(plans[i]);
        file.write(sql.data(), static_cast<std::streamsize>(sql.size()));
        if (!file) throw Error(ErrorKind::Usage, fmt::format("{}: cannot write", out.string()));
        spdlog::info("wrote {}", out.string());
    }
}

policy::MigrationFacts facts_of(const plan::MigrationPlan& p) {
    policy::MigrationFacts facts{p.version, p.checksum, p.risk, std::nullopt, {}};
    if (auto seconds = report::plan_estimate(p))
        facts.estimate = policy::Seconds(std::llround(std::ceil(*seconds)));
    for (const auto& f : p.findings) facts.rules.insert(f.rule);
    return facts;
}

// The policy's verdict on each plan, when an environment is named or has a
// policy file: with --db, as migrate would judge it now (stored policy,
// session_user, approvals); without, assuming a member of [access] run with
// no approvals, and saying so.
std::optional<report::Verdicts> plan_verdicts(const std::vector<plan::MigrationPlan>& plans,
                                              const LoadedSettings& loaded, const GlobalOptions& global) {
    runner::ChosenPolicy chosen = chosen_policy(loaded);
    if (!chosen.on_disk && global.db.empty()) return std::nullopt;
    report::Verdicts out;
    policy::Request request;
    request.now = std::chrono::time_point_cast<policy::Seconds>(std::chrono::system_clock::now());
    std::optional<policy::Policy> policy = chosen.on_disk;
    if (!global.db.empty()) {
        db::Connection connection(global.db);
        runner::EffectivePolicy effective = runner::effective_policy(connection, chosen);
        if (!effective.refusals.empty()) throw RefusedError(effective.refusals);
        out.notes = effective.notes;
        policy = effective.policy;
        if (!policy) return std::nullopt;
        request.identity = runner::read_identity(connection, *policy);
        std::vector<std::string> versions;
        for (const auto& p : plans) versions.push_back(p.version);
        request.approvals = runner::read_approvals(connection, *policy, versions);
    } else {
        request.identity.member_of.insert(policy->access.run.begin(), policy->access.run.end());
        out.notes.push_back(
            "no --db: approvals and the role that will run were not read; the verdict assumes a "
            "member of [access] run and no approvals");
    }
    out.environment = policy->environment;
    for (const auto& p : plans) out.per_plan.push_back(policy::decide(*policy, facts_of(p), request));
    return out;
}

}  // namespace

void add_plan_command(CLI::App& app, const GlobalOptions& global, int& code) {
    auto flags = std::make_shared<PlanFlags>();
    CLI::App* cmd = app.add_subcommand("plan", "Show the safe steps pgsafe migrate will run, for review");
    cmd->add_option("paths", flags->paths,
                    "Migration directory or files (default: \"migrations\" from pgsafe.toml)");
    cmd->add_option("--stats", flags->stats, "Table sizes from a snapshot written by `pgsafe stats export`");
    cmd->add_option("--emit-sql", flags->emit_sql, "Write each migration's steps as plain SQL into DIR");
    cmd->callback([flags, &global, &code] {
        LoadedSettings loaded = load_settings(global);                        // timeouts, thresholds, rules
        analysis::TableFacts facts = load_table_facts(flags->stats, global);  // sizes drive the rewrites
        std::vector<source::MigrationFile> files = named_migrations(flags->paths, loaded);  // in apply order
        if (!global.db.empty())  // what migrate would plan there: the applied ones are facts now
            files = not_applied(std::move(files), db::resolve_conninfo(global.db));
        plan::Planner planner(plan::plan_options(loaded.settings), std::move(facts));
        std::vector<plan::MigrationPlan> plans = plan_all(files, planner);  // rewrite, group, rate
        if (!flags->emit_sql.empty()) emit_sql(plans, files, flags->emit_sql);
        std::optional<report::Verdicts> verdicts =
            plan_verdicts(plans, loaded, global);  // --env: may it run?
        const report::Verdicts* judged = verdicts ? &*verdicts : nullptr;
        std::string out =
            global.format == "json" ? report::plan_json(plans, judged)
            : global.format == "markdown"
                ? report::plan_markdown(plans, judged)
                : report::plan_text(plans, stdout_wants_color() ? report::Color::On : report::Color::Off,
                                    judged);
        std::fwrite(out.data(), 1, out.size(), stdout);
        code = exit_code(ExitCode::Ok);
        for (const auto& p : plans) {
            if (p.syntax_error) code = exit_code(ExitCode::Parse);
        }
    });
}

}  // namespace pgsafe::cli
