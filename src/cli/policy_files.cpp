// policies/<environment>.toml next to pgsafe.toml (or in the working
// directory without one), read once and parsed with located errors.

#include "policy_files.hpp"

#include "pgsafe/db/connection.hpp"
#include "pgsafe/db/table_facts.hpp"
#include "pgsafe/error.hpp"
#include "pgsafe/plan/plan.hpp"
#include "pgsafe/report/plan_report.hpp"
#include "pgsafe/source/migration.hpp"
#include "pgsafe/sql/parse.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>

namespace pgsafe::cli {

namespace fs = std::filesystem;

runner::ChosenPolicy chosen_policy(const LoadedSettings& loaded) {
    runner::ChosenPolicy chosen;
    chosen.environment = loaded.settings.project.environment;
    chosen.explicit_environment = loaded.settings.project.environment_named;
    fs::path path = loaded.base_dir / "policies" / (chosen.environment + ".toml");
    std::string shown = display_path(path);
    std::error_code error;
    if (!fs::is_regular_file(path, error)) {
        if (chosen.explicit_environment)
            throw Error(ErrorKind::Usage,
                        fmt::format("{}: no policy file for environment \"{}\" (an environment that is named "
                                    "needs its policy; see docs/policies.md)",
                                    shown, chosen.environment));
        spdlog::debug("no {}: no policy", shown);
        return chosen;
    }
    chosen.on_disk = policy::parse_policy(source::read_file(path), shown, chosen.environment);
    return chosen;
}

config::Settings with_policy_settings(const LoadedSettings& loaded,
                                      const std::optional<policy::Policy>& policy) {
    config::Settings settings = loaded.settings;
    if (policy) policy::apply_policy_settings(*policy, settings);
    return settings;
}

void add_status_verdicts(runner::StatusReport& report, const std::vector<source::MigrationFile>& files,
                         const LoadedSettings& loaded, const std::string& conninfo) {
    runner::ChosenPolicy chosen = chosen_policy(loaded);
    db::Connection connection(conninfo);
    runner::EffectivePolicy effective = runner::effective_policy(connection, chosen);
    for (const auto& note : effective.notes) spdlog::warn("{}", note);
    if (!effective.refusals.empty()) throw RefusedError(effective.refusals);
    if (!effective.policy) return;
    const policy::Policy& p = *effective.policy;
    policy::Request request;
    request.now = std::chrono::time_point_cast<policy::Seconds>(std::chrono::system_clock::now());
    request.identity = runner::read_identity(connection, p);
    std::vector<std::string> versions;
    for (const auto& m : report.migrations)
        if (m.state == report::MigrationState::Pending) versions.push_back(m.version);
    if (versions.empty()) return;
    request.approvals = runner::read_approvals(connection, p, versions);
    config::Settings settings = loaded.settings;
    policy::apply_policy_settings(p, settings);
    plan::Planner planner(plan::plan_options(settings), db::load_table_facts(connection));
    for (const auto& file : files) {
        auto status =
            std::find_if(report.migrations.begin(), report.migrations.end(),
                         [&](const report::MigrationStatus& m) { return m.version == file.version; });
        if (status == report.migrations.end() || status->state != report::MigrationState::Pending) continue;
        sql::ParsedFile parsed = sql::parse_sql(file.text, {sql::KeepTree::Yes});
        plan::MigrationPlan plan =
            planner.plan({file.version, file.name, display_path(file.path), file.checksum}, parsed);
        policy::MigrationFacts facts{plan.version, plan.checksum, plan.risk, std::nullopt, {}};
        if (auto seconds = report::plan_estimate(plan))
            facts.estimate = policy::Seconds(std::llround(std::ceil(*seconds)));
        for (const auto& f : plan.findings) facts.rules.insert(f.rule);
        status->verdict = policy::decide(p, facts, request);
    }
}

}  // namespace pgsafe::cli
