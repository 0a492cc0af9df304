// `pgsafe approve VERSION… [DIR] --reason TEXT [--valid-for 72h]` and
// `pgsafe revoke VERSION…`: a DBA, connected as themselves, signs off the
// migrations they reviewed. approve shows what is being approved (risk and
// steps, planned as `pgsafe plan --db` plans them) and binds the approval
// to the checksum of the file as it is now: editing the file voids it.
// The database records it (pgsafe.approve), with session_user as approver.

#include "admin_policy.hpp"
#include "commands.hpp"
#include "config_flags.hpp"
#include "facts_source.hpp"

#include "pgsafe/db/connection.hpp"
#include "pgsafe/db/table_facts.hpp"
#include "pgsafe/error.hpp"
#include "pgsafe/plan/plan.hpp"
#include "pgsafe/report/plan_report.hpp"
#include "pgsafe/runner/approvals.hpp"
#include "pgsafe/source/migration.hpp"
#include "pgsafe/sql/parse.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <memory>

namespace pgsafe::cli {
namespace {

namespace fs = std::filesystem;

struct ApproveFlags {
    std::vector<std::string> args;  // VERSION… [DIR]
    std::string reason;
    std::string valid_for;
};

void print(const std::string& text) {
    std::fwrite(text.data(), 1, text.size(), stdout);
}

bool same_version(const std::string& a, const std::string& b) {
    return !source::version_less(a, b) && !source::version_less(b, a);
}

// The last argument is the directory when it is one; the rest are versions.
std::pair<std::vector<std::string>, fs::path> versions_and_dir(const std::vector<std::string>& args,
                                                               const LoadedSettings& loaded) {
    std::vector<std::string> versions = args;
    std::error_code error;
    if (!versions.empty() && fs::is_directory(versions.back(), error)) {
        fs::path dir = versions.back();
        versions.pop_back();
        return {versions, dir};
    }
    return {versions, migrations_dir(loaded)};
}

// The files approved, in apply order; a version with no file is an error: there
// is nothing to bind to.
std::vector<const source::MigrationFile*> chosen(const std::vector<source::MigrationFile>& files,
                                                 const std::vector<std::string>& versions,
                                                 const fs::path& dir) {
    std::vector<const source::MigrationFile*> out;
    for (const auto& v : versions) {
        auto it = std::find_if(files.begin(), files.end(),
                               [&](const source::MigrationFile& f) { return same_version(f.version, v); });
        if (it == files.end())
            throw Error(ErrorKind::Usage,
                        fmt::format("{}: no migration file with version {}: an approval binds to "
                                    "a file's checksum, so there is nothing to approve",
                                    display_path(dir), v));
        if (std::find(out.begin(), out.end(), &*it) == out.end()) out.push_back(&*it);
    }
    std::sort(out.begin(),
              out.end());  // files are in apply order, so their addresses are too
    return out;
}

// Every file not yet applied planned in order, as `pgsafe plan --db` and
// migrate do (tables created earlier in the run are new), the chosen kept.
std::vector<plan::MigrationPlan> plans_of(const std::vector<source::MigrationFile>& files,
                                          const std::vector<const source::MigrationFile*>& wanted,
                                          const LoadedSettings& loaded, const std::string& conninfo) {
    std::vector<std::string> versions;
    for (const auto* f : wanted) versions.push_back(f->version);
    // As migrate plans them: applied migrations are facts of the database, not part of the run.
    std::vector<source::MigrationFile> pending = not_applied(files, conninfo, versions);
    db::Connection connection(conninfo);
    plan::Planner planner(plan::plan_options(loaded.settings), db::load_table_facts(connection));
    std::vector<plan::MigrationPlan> out;
    for (const auto& f : pending) {
        sql::ParsedFile parsed = sql::parse_sql(f.text, {sql::KeepTree::Yes});
        plan::MigrationPlan p = planner.plan({f.version, f.name, display_path(f.path), f.checksum}, parsed);
        if (std::find(versions.begin(), versions.end(), f.version) == versions.end()) continue;
        if (p.syntax_error)
            throw Error(ErrorKind::Parse, fmt::format("{}: does not parse (or is refused in the plan): see "
                                                      "`pgsafe plan {}`; nothing was approved",
                                                      p.path, p.path));
        out.push_back(std::move(p));
    }
    return out;
}

std::string policy_note(const JudgingPolicy& judging, const plan::MigrationPlan& p) {
    const auto& required = judging.policy.approval.required_for;
    if (required.count(p.risk) > 0) return "";
    return fmt::format(
        "  note: the policy of \"{}\" needs no approval for {} "
        "risk; the approval is recorded anyway\n",
        judging.policy.environment, plan::risk_name(p.risk));
}

void approve(const ApproveFlags& flags, const GlobalOptions& global) {
    if (std::all_of(flags.reason.begin(), flags.reason.end(),
                    [](unsigned char c) { return std::isspace(c); }))
        throw Error(ErrorKind::Usage,
                    "--reason must say why the migration may "
                    "run: it is recorded and audited");
    LoadedSettings loaded = load_settings(global);  // the migrations directory, thresholds
    auto [versions, dir] = versions_and_dir(flags.args, loaded);
    if (versions.empty()) throw Error(ErrorKind::Usage, "name the VERSION of each migration to approve");
    std::vector<source::MigrationFile> files =
        layout_migrations(display_path(dir), loaded);  // as migrate hashes them
    std::vector<const source::MigrationFile*> wanted = chosen(files, versions, dir);  // each has a file
    std::optional<std::chrono::seconds> valid_for;
    if (!flags.valid_for.empty()) valid_for = duration_flag("--valid-for", flags.valid_for);
    std::string conninfo = db::resolve_conninfo(global.db);
    std::optional<runner::StoredEnvironment> stored = runner::read_stored_environment(conninfo);
    std::optional<JudgingPolicy> judging;
    if (stored) judging = judging_policy(loaded, global, stored->name,
                                         stored->policy);                       // --env must match
    if (!valid_for && judging) valid_for = judging->policy.approval.valid_for;  // [approval] valid_for
    std::vector<plan::MigrationPlan> plans = plans_of(files, wanted, loaded, conninfo);  // what is approved
    if (global.format != "json") {
        print(report::plan_text(plans, stdout_wants_color() ? report::Color::On : report::Color::Off));
        if (judging)
            for (const auto& p : plans) print(policy_note(*judging, p));
    }
    std::vector<runner::ApprovalTarget> targets;
    for (const auto& p : plans) targets.push_back({p.version, p.checksum});
    runner::ApproveResult result = runner::approve(conninfo, targets, flags.reason, valid_for);
    if (global.format == "json") {
        nlohmann::json approved = nlohmann::json::array();
        for (std::size_t i = 0; i < result.approved.size(); ++i) {
            const auto& a = result.approved[i];
            approved.push_back(
                {{"id", a.id},
                 {"version", a.version},
                 {"path", plans[i].path},
                 {"checksum", a.checksum},
                 {"risk", plan::risk_name(plans[i].risk)},
                 {"expires_at", a.expires_at ? nlohmann::json(*a.expires_at) : nlohmann::json()}});
        }
        print(nlohmann::json(
                  {{"database", result.database}, {"approver", result.approver}, {"approved", approved}})
                  .dump(2) +
              "\n");
        return;
    }
    for (std::size_t i = 0; i < result.approved.size(); ++i) {
        const auto& a = result.approved[i];
        print(fmt::format("approved {} ({}, {} risk, {}) as {}{}: approval {}\n", a.version, plans[i].path,
                          plan::risk_name(plans[i].risk), a.checksum.substr(0, 19), result.approver,
                          a.expires_at ? fmt::format(" until {}", *a.expires_at) : std::string(), a.id));
    }
}

void revoke(const std::vector<std::string>& versions, const GlobalOptions& global) {
    std::string conninfo = db::resolve_conninfo(global.db);
    std::vector<std::string> none;
    for (const auto& v : versions) {
        runner::RevokeResult r = runner::revoke(conninfo, v);
        if (r.revoked == 0) {
            none.push_back(fmt::format("role {} has no live approval of {} to revoke", r.approver, v));
            continue;
        }
        print(fmt::format("revoked {} approval{} of {} by {}\n", r.revoked, r.revoked == 1 ? "" : "s", v,
                          r.approver));
    }
    if (!none.empty()) throw Error(ErrorKind::Usage, fmt::format("{}", fmt::join(none, "; ")));
}

}  // namespace

void add_approve_command(CLI::App& app, const GlobalOptions& global, int& code) {
    auto flags = std::make_shared<ApproveFlags>();
    CLI::App* cmd = app.add_subcommand("approve",
                                       "Approve migrations as the connected role, bound to each "
                                       "file's checksum as it is now");
    cmd->add_option("args", flags->args, "VERSION… [DIR]: the migrations to approve, and their directory")
        ->required();
    cmd->add_option("--reason", flags->reason, "Why it may run (recorded, shown by pgsafe audit)")
        ->required();
    cmd->add_option("--valid-for", flags->valid_for,
                    "How long the approval counts, e.g. 72h (default: the "
                    "policy's [approval] valid_for)");
    cmd->callback([flags, &global, &code] {
        approve(*flags, global);
        code = exit_code(ExitCode::Ok);
    });

    auto versions = std::make_shared<std::vector<std::string>>();
    CLI::App* rev =
        app.add_subcommand("revoke", "Revoke the connected role's own live approvals of migrations");
    rev->add_option("versions", *versions, "The migrations' versions")->required();
    rev->callback([versions, &global, &code] {
        revoke(*versions, global);
        code = exit_code(ExitCode::Ok);
    });
}

}  // namespace pgsafe::cli
