#pragma once
// Finding and reading policies/<environment>.toml for the commands that
// judge migrations (plan --env, migrate, status), next to pgsafe.toml.

#include "config_flags.hpp"

#include "pgsafe/runner/policy_gate.hpp"
#include "pgsafe/runner/runner.hpp"
#include "pgsafe/source/migration.hpp"

#include <vector>

namespace pgsafe::cli {

// The chosen environment and its policy file as read from disk. An
// environment named by --env, PGSAFE_ENV or pgsafe.toml without its file is
// an error (Usage); the default environment without one has no policy. A
// file that does not load is an error: nothing runs (fail closed).
runner::ChosenPolicy chosen_policy(const LoadedSettings& loaded);

// The settings with the policy's [thresholds] [rules] [timeouts] [retry] [run] over them.
config::Settings with_policy_settings(const LoadedSettings& loaded,
                                      const std::optional<policy::Policy>& policy);

// status: whether each pending migration may run now, as migrate would judge
// it (stored policy, session_user, approvals, the live table sizes). No
// policy: nothing is added.
void add_status_verdicts(runner::StatusReport& report, const std::vector<source::MigrationFile>& files,
                         const LoadedSettings& loaded, const std::string& conninfo);

}  // namespace pgsafe::cli
