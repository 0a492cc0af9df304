#pragma once
// The project configuration, `pgsafe.toml`: where the migrations are, the
// default environment, size thresholds, which rules run and how loud, the
// target PostgreSQL version, who runs the migrations, and the timeouts and
// retry budget `migrate` uses. Pure: TOML text in, a validated Config out.

#include "pgsafe/analysis/table_facts.hpp"
#include "pgsafe/rules/finding.hpp"
#include "pgsafe/rules/options.hpp"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace pgsafe::policy {

// Bounded waits for `migrate` (DESIGN.md, "Running a step").
struct Timeouts {
    int lock_timeout_ms = 100;          // how long one attempt may sit in the lock queue
    int statement_timeout_ms = 5000;    // steps that hold a strong lock (ACCESS EXCLUSIVE …)
    int long_statement_timeout_ms = 0;  // VALIDATE, CONCURRENTLY, backfill batches; 0 = no limit
    int online_lock_timeout_ms =
        60000;  // lock wait of VALIDATE and CONCURRENTLY steps (they block no reads or writes)
};

// Retries of a step that gave up waiting for its lock (SQLSTATE 55P03).
struct Retry {
    int deadline_s = 600;  // stop retrying after this long
    int initial_ms = 100;  // first backoff; doubles, with jitter
    int max_ms = 10000;    // backoff ceiling
};

// How `migrate` runs steps.
struct Run {
    int batch_pause_ms = 100;  // between two batches of a batched step, so replicas and autovacuum keep up
    bool show_blocker_queries =
        true;  // print the query text of sessions that block a step (false: pid, role, state only)
};

struct Config {
    std::string origin;                     // the file it came from, as shown in messages; "" for defaults
    std::string migrations = "migrations";  // relative to the file's directory
    std::string environment = "dev";
    std::optional<rules::Severity> fail_on = rules::Severity::Error;  // nullopt: never
    analysis::Thresholds thresholds;
    std::set<std::string> exclude;                    // rule names
    std::set<std::string> include;                    // rule names, for rules off by default
    std::map<std::string, rules::Severity> severity;  // rule name -> severity
    std::vector<std::string> exclude_paths;           // globs, relative to the file's directory
    int postgres_version = 15;
    rules::Runner runner = rules::Runner::Pgsafe;
    Timeouts timeouts;
    Retry retry;
    Run run;
};

// Parses and validates pgsafe.toml text. `origin` is the path shown in errors.
// Throws pgsafe::Error (Usage) "origin:line:col: what" for bad TOML, unknown
// keys at any level, values of the wrong type or out of range, and rule names
// the registry does not know.
Config parse_config(std::string_view text, const std::string& origin);

// "error" | "warning" | "info" | "never" -> the --fail-on threshold; throws
// pgsafe::Error (Usage) naming `what` (a flag or variable) otherwise.
std::optional<rules::Severity> parse_fail_on(const std::string& value, const std::string& what);

// "pgsafe" | "external"; throws pgsafe::Error (Usage) naming `what` otherwise.
rules::Runner parse_runner(const std::string& value, const std::string& what);

// Checks a rule name against the registry; throws pgsafe::Error (Usage)
// "`where`unknown rule "x" (did you mean "y"?)" when it is not one.
void require_known_rule(const std::string& name, const std::string& where);

// The closest registered rule name to a misspelt one, when one is close.
std::optional<std::string> suggest_rule(std::string_view name);

// Whether a path ('/'-separated, relative) matches a glob: `*` and `?` stay
// inside one path segment, `**` spans segments, `[abc]` is a character class.
bool glob_match(std::string_view glob, std::string_view path);

// Whether exclude_paths leaves a file out, as .gitignore would: a glob with a
// '/' matches the path (relative to the config file's directory) or a
// directory it is in; a glob without one matches any file or directory name.
bool path_excluded(const std::vector<std::string>& globs, std::string_view path);

// The lint options the configuration asks for (thresholds, rules, runner, version).
rules::LintOptions lint_options(const Config& config);

}  // namespace pgsafe::policy
