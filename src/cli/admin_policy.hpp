#pragma once
// The policy the administrative commands (init, approve, approvals) read:
// policies/<environment>.toml beside pgsafe.toml, or the one `pgsafe init`
// stored in the database, which wins wherever both exist.

#include "config_flags.hpp"

#include "pgsafe/policy/policy.hpp"

#include <filesystem>
#include <optional>
#include <string>

namespace pgsafe::cli {

// policies/<environment>.toml in the directory of pgsafe.toml (else the working
// directory).
std::filesystem::path policy_path(const LoadedSettings& loaded, const std::string& environment);

// The environment's policy file, loaded; throws pgsafe::Error (Usage) when it
// is missing ("an explicitly named environment with no policy file is an
// error") or does not load (file:line:col).
policy::Policy read_policy_file(const LoadedSettings& loaded, const std::string& environment);

// The policy the database enforces: the stored one when `stored_name` is set
// (init ran), else the environment's file. `origin` says which, for messages.
// Throws as read_policy_file; and (Refused) when --env names another
// environment than the stored one.
struct JudgingPolicy {
    policy::Policy policy;
    bool stored = false;
};
JudgingPolicy judging_policy(const LoadedSettings& loaded, const GlobalOptions& global,
                             const std::optional<std::string>& stored_name,
                             const std::optional<std::string>& stored_text);

// "72h" and the like (policy durations), at least one second; throws (Usage)
// naming the flag.
std::chrono::seconds duration_flag(const std::string& flag, const std::string& text);

}  // namespace pgsafe::cli
