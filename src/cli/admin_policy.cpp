// Finding and loading the policy for init, approve and approvals: the file
// on disk for init (which stores it), the stored one after that.

#include "admin_policy.hpp"

#include "pgsafe/error.hpp"
#include "pgsafe/source/migration.hpp"

#include <fmt/format.h>

#include <system_error>

namespace pgsafe::cli {

namespace fs = std::filesystem;

fs::path policy_path(const LoadedSettings& loaded, const std::string& environment) {
    return loaded.base_dir / "policies" / (environment + ".toml");
}

policy::Policy read_policy_file(const LoadedSettings& loaded, const std::string& environment) {
    fs::path path = policy_path(loaded, environment);
    std::string shown = display_path(path);
    std::error_code error;
    if (!fs::is_regular_file(path, error))
        throw Error(ErrorKind::Usage, fmt::format("{}: no policy for environment \"{}\" (write one: "
                                                  "docs/policies.md)",
                                                  shown, environment));
    return policy::parse_policy(source::read_file(path), shown, environment);
}

JudgingPolicy judging_policy(const LoadedSettings& loaded, const GlobalOptions& global,
                             const std::optional<std::string>& stored_name,
                             const std::optional<std::string>& stored_text) {
    if (!stored_name || !stored_text)
        return {read_policy_file(loaded, loaded.settings.project.environment), false};
    if (!global.environment.empty() && global.environment != *stored_name)
        throw RefusedError(
            {Refusal{"environment-mismatch",
                     fmt::format("this database was initialised as environment \"{}\", not \"{}\"",
                                 *stored_name, global.environment),
                     fmt::format("use --env {} (or leave --env out)", *stored_name), std::nullopt}});
    return {policy::parse_policy(*stored_text,
                                 fmt::format("the policy of \"{}\" stored by pgsafe init", *stored_name),
                                 *stored_name),
            true};
}

std::chrono::seconds duration_flag(const std::string& flag, const std::string& text) {
    auto ms = policy::parse_duration(text);
    if (!ms || ms->count() < 1000)
        throw Error(ErrorKind::Usage, fmt::format("{} must be a duration of at least a second such "
                                                  "as \"30m\", \"72h\" or \"7d\", "
                                                  "not \"{}\"",
                                                  flag, text));
    return std::chrono::duration_cast<std::chrono::seconds>(*ms);
}

}  // namespace pgsafe::cli
