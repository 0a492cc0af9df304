#pragma once
// One resolved-settings step for every command: defaults < pgsafe.toml <
// environment variables < command-line flags (< the environment's policy,
// applied by plan --env, migrate and status with policy::apply_policy_settings,
// so that no flag loosens what a policy sets).
// Pure: the CLI finds and reads the file and passes its text, and passes a
// lookup for environment variables.

#include "pgsafe/config/keys.hpp"
#include "pgsafe/config/settings.hpp"

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pgsafe::config {

// A configuration file's text and the name messages show for it.
struct ConfigText {
    std::string text;
    std::string origin;
};

// What flags give; nullopt or empty means "not given".
struct Overrides {
    std::optional<std::string> environment;  // --env
    std::optional<std::string> fail_on;      // --fail-on
    std::optional<std::string> runner;       // --runner
    std::optional<int> postgres_version;     // --pg-version
    std::vector<std::string> exclude;        // --exclude: rule names, "a,b" or repeated
    std::vector<std::string> include;        // --include
};

// An environment variable's value; nullopt when it is unset or empty.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

struct Layers {
    std::optional<ConfigText> file;  // pgsafe.toml, when there is one
    EnvLookup env;                   // null: no environment variables
    Overrides flags;
};

// Reads one configuration file into `settings` (keys it does not set keep
// their value). `kind` says which keys it may hold (k_project_file: pgsafe.toml).
// Throws pgsafe::Error (Usage) "origin:line:col: what" for bad TOML, unknown
// keys at any level, values of the wrong type or out of range, and rule names
// the registry does not know. `other_sections` are top-level names another
// reader handles (a policy file's [access], [[window]] …): allowed, not read.
void read_config(const ConfigText& file, FileKind kind, Settings& settings,
                 const std::vector<std::string_view>& other_sections = {});

// pgsafe.toml text over the defaults.
Settings parse_config(std::string_view text, const std::string& origin);

// Every layer applied in order. Throws pgsafe::Error (Usage) naming the file
// position, the variable or the flag whose value is bad.
Settings resolve(const Layers& layers);

}  // namespace pgsafe::config
