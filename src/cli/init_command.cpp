// `pgsafe init --env NAME`: run once by the administrator who is to own
// schema pgsafe (and again after a policy change or a pgsafe upgrade). It
// reads policies/NAME.toml, then creates or upgrades the tracking schema,
// grants the policy's roles what they need and no more, and stores the
// environment's name and policy in the database, which migrate enforces.

#include "admin_policy.hpp"
#include "commands.hpp"
#include "config_flags.hpp"
#include "duration_flag.hpp"

#include "pgsafe/db/connection.hpp"
#include "pgsafe/error.hpp"
#include "pgsafe/runner/init.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <memory>

namespace pgsafe::cli {
namespace {

std::vector<runner::PolicyRole> roles(const std::vector<std::string>& names, const char* key) {
    std::vector<runner::PolicyRole> out;
    for (const auto& n : names) out.push_back({n, fmt::format("[access] {}", key)});
    return out;
}

runner::InitRequest init_request(const policy::Policy& p, const GlobalOptions& global, double lock_wait_s) {
    runner::InitRequest r;
    r.conninfo = db::resolve_conninfo(global.db);
    r.environment = p.environment;
    r.policy_text = p.text;
    r.policy_origin = p.origin;
    r.run = roles(p.access.run, "run");
    r.approve = roles(p.access.approve, "approve");
    r.break_glass = roles(p.access.break_glass, "break_glass");
    r.lock_wait = std::chrono::milliseconds(static_cast<long long>(lock_wait_s * 1000));
    return r;
}

std::string list(const std::vector<std::string>& roles, const char* none) {
    return roles.empty() ? none : fmt::format("{}", fmt::join(roles, ", "));
}

std::string init_text(const runner::InitResult& r, const runner::InitRequest& request) {
    std::string schema = r.schema_from == 0 ? "created"
                         : r.schema_from < r.schema_to
                             ? fmt::format("upgraded from version {}", r.schema_from)
                             : "up to date";
    std::string policy =
        !r.previous_environment ? "stored"
        : r.policy_changed
            ? fmt::format("stored, replacing the policy of \"{}\" stored before", *r.previous_environment)
            : "unchanged";
    std::string out = fmt::format("initialised {} for environment \"{}\"\n", r.database, request.environment);
    out += fmt::format("  policy   {} (sha256 {}): {} in pgsafe.environment\n", request.policy_origin,
                       r.checksum.substr(0, 12), policy);
    out += fmt::format("  schema   pgsafe version {} ({}), owned by {}{}\n", r.schema_to, schema, r.owner,
                       r.previous_owner ? fmt::format(" (taken over from {})", *r.previous_owner) : "");
    out += fmt::format(
        "  run      {}: read the tracking tables, write "
        "migrations and steps, append events; "
        "never write approvals\n",
        request.run.empty() ? "PUBLIC (the policy's [access] run "
                              "is empty: anyone who can connect)"
                            : list(r.run_grantees, ""));
    out += fmt::format("  approve  {}\n",
                       r.approve_grantees.empty()
                           ? std::string("nobody (the policy's [access] approve is empty)")
                           : fmt::format("{}: read the tracking tables, call pgsafe.approve and "
                                         "pgsafe.revoke",
                                         list(r.approve_grantees, "")));
    return out;
}

std::string init_json(const runner::InitResult& r, const runner::InitRequest& request) {
    nlohmann::json j = {
        {"database", r.database},
        {"environment", request.environment},
        {"policy", request.policy_origin},
        {"checksum", r.checksum},
        {"policy_changed", r.policy_changed},
        {"previous_environment",
         r.previous_environment ? nlohmann::json(*r.previous_environment) : nlohmann::json()},
        {"schema_version", r.schema_to},
        {"schema_version_before", r.schema_from},
        {"owner", r.owner},
        {"previous_owner", r.previous_owner ? nlohmann::json(*r.previous_owner) : nlohmann::json()},
        {"run", r.run_grantees},
        {"approve", r.approve_grantees}};
    return j.dump(2) + "\n";
}

}  // namespace

void add_init_command(CLI::App& app, const GlobalOptions& global, int& code) {
    auto lock_wait = std::make_shared<double>(300);
    CLI::App* cmd = app.add_subcommand("init",
                                       "Create or upgrade the tracking schema, grant the policy's roles "
                                       "and store the environment's policy "
                                       "(once, by the administrator who is to own schema pgsafe)");
    cmd->add_option("--lock-wait", *lock_wait,
                    "How long to wait for a running migrate to finish: seconds, or a duration (\"5m\")")
        ->transform(seconds_or_duration())
        ->capture_default_str();
    cmd->callback([lock_wait, &global, &code] {
        if (global.environment.empty())
            throw Error(ErrorKind::Usage,
                        "pgsafe init needs --env NAME: the environment whose policy "
                        "(policies/NAME.toml) this database is to enforce");
        if (global.format != "text" && global.format != "json")
            throw Error(ErrorKind::Usage, "pgsafe init writes --format text or json");
        LoadedSettings loaded = load_settings(global);  // where policies/ is
        policy::Policy p = read_policy_file(loaded, loaded.settings.project.environment);  // fail closed
        runner::InitRequest request = init_request(p, global, *lock_wait);
        runner::InitResult result =
            runner::init_database(request);  // schema, grants, policy, one transaction
        std::string out = global.format == "json" ? init_json(result, request) : init_text(result, request);
        std::fwrite(out.data(), 1, out.size(), stdout);
        code = exit_code(ExitCode::Ok);
    });
}

}  // namespace pgsafe::cli
