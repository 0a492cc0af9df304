// The key table: every setting of pgsafe.toml (and, next, of the policy
// files) in one list, with its type, range, where it applies and how it is
// stored. Reading, overriding and documenting a key all start here.

#include "pgsafe/config/keys.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <climits>

namespace pgsafe::config {
namespace {

constexpr unsigned k_anywhere = k_project_file | k_policy_file;
constexpr std::int64_t k_no_limit = INT_MAX;

std::string quoted(const std::string& text) {
    return fmt::format("\"{}\"", text);
}

std::string string_list(const std::vector<std::string>& items) {
    std::string out = "[";
    for (std::size_t i = 0; i < items.size(); ++i) out += (i == 0 ? "" : ", ") + quoted(items[i]);
    return out + "]";
}

std::string string_list(const std::set<std::string>& items) {
    return string_list(std::vector<std::string>(items.begin(), items.end()));
}

std::optional<std::string> valid_environment_name(const Settings&, const std::string& name) {
    bool ok = std::all_of(name.begin(), name.end(),
                          [](unsigned char c) { return std::isalnum(c) != 0 || c == '-' || c == '_'; });
    if (ok) return std::nullopt;
    return fmt::format(
        "\"environment\" must be a name of letters, digits, '-' and '_' (it names "
        "policies/<environment>.toml), not \"{}\"",
        name);
}

std::optional<std::string> excludable(const Settings&, const std::string& rule) {
    if (rule != "syntax-error") return std::nullopt;
    return std::string(
        "\"syntax-error\" cannot be excluded: pgsafe checks nothing in a statement PostgreSQL cannot parse");
}

std::optional<std::string> not_excluded(const Settings& s, const std::string& rule) {
    if (s.rules.exclude.count(rule) == 0) return std::nullopt;
    return fmt::format("rule \"{}\" is both excluded and included in [rules]", rule);
}

std::optional<rules::Severity> fail_on_from(const std::string& text) {
    if (text == "never") return std::nullopt;
    return rules::severity_from_name(text);
}

rules::Runner runner_from(const std::string& text) {
    return text == "external" ? rules::Runner::External : rules::Runner::Pgsafe;
}

std::string runner_name(rules::Runner runner) {
    return runner == rules::Runner::External ? "external" : "pgsafe";
}

// { a = "warning", b = "info" }
std::string severity_table(const std::map<std::string, rules::Severity>& severities) {
    std::string out;
    for (const auto& [rule, level] : severities)
        out += fmt::format("{}{} = \"{}\"", out.empty() ? "" : ", ", rule, rules::severity_name(level));
    return out.empty() ? "{}" : "{ " + out + " }";
}

// One row per key: section, name, type, the commands it changes, the files
// that may set it, integer range, choices, the variable and the flag that
// override it, then how it is stored and shown, and a further check.
// clang-format off
const std::vector<Key> k_keys = {
    // ---- top level ---------------------------------------------------------------------------
    {"", "migrations", KeyType::String, "lint, plan, migrate, status", k_project_file, 0, 0, {}, "", "",
     [](Settings& s, const Value& v) { s.project.migrations = v.text; },
     [](const Settings& s) { return quoted(s.project.migrations); }, nullptr},
    {"", "layout", KeyType::Choice, "lint, plan, migrate, status", k_project_file, 0, 0,
     {"auto", "pgsafe", "flyway", "golang-migrate", "goose", "dbmate", "diesel", "sqlx", "prisma", "node-pg-migrate",
      "popx", "sqitch"}, "", "",
     [](Settings& s, const Value& v) { s.project.layout = v.text; },
     [](const Settings& s) { return quoted(s.project.layout); }, nullptr},
    {"", "environment", KeyType::String, "every command", k_project_file, 0, 0, {}, "PGSAFE_ENV", "--env",
     [](Settings& s, const Value& v) { s.project.environment = v.text; s.project.environment_named = true; },
     [](const Settings& s) { return quoted(s.project.environment); }, valid_environment_name},
    {"", "fail_on", KeyType::Choice, "lint", k_project_file, 0, 0, {"error", "warning", "info", "never"},
     "PGSAFE_FAIL_ON", "--fail-on",
     [](Settings& s, const Value& v) { s.lint.fail_on = fail_on_from(v.text); },
     [](const Settings& s) { return quoted(s.lint.fail_on ? rules::severity_name(*s.lint.fail_on) : "never"); },
     nullptr},
    {"", "exclude_paths", KeyType::Strings, "lint", k_project_file, 0, 0, {}, "", "",
     [](Settings& s, const Value& v) { s.project.exclude_paths = v.items; },
     [](const Settings& s) { return string_list(s.project.exclude_paths); }, nullptr},
    {"", "postgres_version", KeyType::Integer, "lint, plan, migrate", k_project_file, 10, 99, {}, "", "--pg-version",
     [](Settings& s, const Value& v) { s.lint.postgres_version = int(v.integer); },
     [](const Settings& s) { return std::to_string(s.lint.postgres_version); }, nullptr},
    {"", "runner", KeyType::Choice, "lint", k_project_file, 0, 0, {"pgsafe", "external"}, "", "--runner",
     [](Settings& s, const Value& v) { s.lint.runner = runner_from(v.text); },
     [](const Settings& s) { return quoted(runner_name(s.lint.runner)); }, nullptr},

    // ---- [thresholds] ------------------------------------------------------------------------
    {"thresholds", "large_table_rows", KeyType::Integer, "lint, plan, migrate", k_anywhere, 0, INT64_MAX, {}, "", "",
     [](Settings& s, const Value& v) { s.thresholds.large_table_rows = double(v.integer); },
     [](const Settings& s) { return fmt::format("{}", s.thresholds.large_table_rows); }, nullptr},
    {"thresholds", "large_table_bytes", KeyType::Size, "lint, plan, migrate", k_anywhere, 0, INT64_MAX, {}, "", "",
     [](Settings& s, const Value& v) { s.thresholds.large_table_bytes = v.integer; },
     [](const Settings& s) { return std::to_string(s.thresholds.large_table_bytes); }, nullptr},

    // ---- [rules] -----------------------------------------------------------------------------
    {"rules", "exclude", KeyType::RuleNames, "lint, plan, migrate", k_project_file, 0, 0, {}, "", "--exclude",
     [](Settings& s, const Value& v) { s.rules.exclude.insert(v.items.begin(), v.items.end()); },
     [](const Settings& s) { return string_list(s.rules.exclude); }, excludable},
    {"rules", "include", KeyType::RuleNames, "lint, plan, migrate", k_project_file, 0, 0, {}, "", "--include",
     [](Settings& s, const Value& v) { s.rules.include.insert(v.items.begin(), v.items.end()); },
     [](const Settings& s) { return string_list(s.rules.include); }, not_excluded},
    {"rules", "severity", KeyType::Severities, "lint, plan, migrate", k_anywhere, 0, 0, {}, "", "",
     [](Settings& s, const Value& v) { for (const auto& [rule, level] : v.severities) s.rules.severity[rule] = level; },
     [](const Settings& s) { return severity_table(s.rules.severity); }, nullptr},

    // ---- [timeouts] --------------------------------------------------------------------------
    // lock_timeout_ms 0 would mean "wait in the lock queue forever": the outage pgsafe exists to prevent.
    {"timeouts", "lock_timeout_ms", KeyType::Integer, "plan, migrate", k_anywhere, 1, k_no_limit, {}, "", "",
     [](Settings& s, const Value& v) { s.timeouts.lock_timeout_ms = int(v.integer); },
     [](const Settings& s) { return std::to_string(s.timeouts.lock_timeout_ms); }, nullptr},
    {"timeouts", "statement_timeout_ms", KeyType::Integer, "plan, migrate", k_anywhere, 0, k_no_limit, {}, "", "",
     [](Settings& s, const Value& v) { s.timeouts.statement_timeout_ms = int(v.integer); },
     [](const Settings& s) { return std::to_string(s.timeouts.statement_timeout_ms); }, nullptr},
    {"timeouts", "long_statement_timeout_ms", KeyType::Integer, "plan, migrate", k_anywhere, 0, k_no_limit, {}, "", "",
     [](Settings& s, const Value& v) { s.timeouts.long_statement_timeout_ms = int(v.integer); },
     [](const Settings& s) { return std::to_string(s.timeouts.long_statement_timeout_ms); }, nullptr},
    {"timeouts", "online_lock_timeout_ms", KeyType::Integer, "plan, migrate", k_anywhere, 1, k_no_limit, {}, "", "",
     [](Settings& s, const Value& v) { s.timeouts.online_lock_timeout_ms = int(v.integer); },
     [](const Settings& s) { return std::to_string(s.timeouts.online_lock_timeout_ms); }, nullptr},

    // ---- [retry] -----------------------------------------------------------------------------
    {"retry", "deadline_s", KeyType::Integer, "migrate", k_anywhere, 0, k_no_limit, {}, "", "",
     [](Settings& s, const Value& v) { s.retry.deadline = std::chrono::seconds(v.integer); },
     [](const Settings& s) { return std::to_string(s.retry.deadline.count()); }, nullptr},
    {"retry", "initial_ms", KeyType::Integer, "migrate", k_anywhere, 1, k_no_limit, {}, "", "",
     [](Settings& s, const Value& v) { s.retry.initial = std::chrono::milliseconds(v.integer); },
     [](const Settings& s) { return std::to_string(s.retry.initial.count()); }, nullptr},
    {"retry", "max_ms", KeyType::Integer, "migrate", k_anywhere, 1, k_no_limit, {}, "", "",
     [](Settings& s, const Value& v) { s.retry.max = std::chrono::milliseconds(v.integer); },
     [](const Settings& s) { return std::to_string(s.retry.max.count()); }, nullptr},

    // ---- [run] -------------------------------------------------------------------------------
    {"run", "batch_pause_ms", KeyType::Integer, "migrate", k_anywhere, 0, k_no_limit, {}, "", "",
     [](Settings& s, const Value& v) { s.run.batch_pause = std::chrono::milliseconds(v.integer); },
     [](const Settings& s) { return std::to_string(s.run.batch_pause.count()); }, nullptr},
    {"run", "batch_target_ms", KeyType::Integer, "migrate", k_anywhere, 1, k_no_limit, {}, "", "",
     [](Settings& s, const Value& v) { s.run.batch_target = std::chrono::milliseconds(v.integer); },
     [](const Settings& s) { return std::to_string(s.run.batch_target.count()); }, nullptr},
    {"run", "batch_min", KeyType::Integer, "migrate", k_anywhere, 1, k_no_limit, {}, "", "",
     [](Settings& s, const Value& v) { s.run.batch_min = long(v.integer); },
     [](const Settings& s) { return std::to_string(s.run.batch_min); }, nullptr},
    {"run", "batch_max", KeyType::Integer, "migrate", k_anywhere, 1, k_no_limit, {}, "", "",
     [](Settings& s, const Value& v) { s.run.batch_max = long(v.integer); },
     [](const Settings& s) { return std::to_string(s.run.batch_max); }, nullptr},
    {"run", "batch_workers", KeyType::Integer, "migrate", k_anywhere, 1, 8, {}, "", "",
     [](Settings& s, const Value& v) { s.run.batch_workers = int(v.integer); },
     [](const Settings& s) { return std::to_string(s.run.batch_workers); }, nullptr},
    {"run", "max_replica_lag_ms", KeyType::Integer, "migrate", k_anywhere, 0, k_no_limit, {}, "", "",
     [](Settings& s, const Value& v) { s.run.max_replica_lag = std::chrono::milliseconds(v.integer); },
     [](const Settings& s) { return std::to_string(s.run.max_replica_lag.count()); }, nullptr},
    {"run", "show_blocker_queries", KeyType::Boolean, "migrate", k_anywhere, 0, 0, {}, "", "",
     [](Settings& s, const Value& v) { s.run.show_blocker_queries = v.boolean; },
     [](const Settings& s) { return std::string(s.run.show_blocker_queries ? "true" : "false"); }, nullptr},
};
// clang-format on

const std::vector<Constraint> k_constraints = {
    {"retry",
     {"max_ms", "initial_ms"},
     [](const Settings& s) -> std::optional<std::string> {
         if (s.retry.max >= s.retry.initial) return std::nullopt;
         return fmt::format("\"max_ms\" in [retry] ({}) must be at least \"initial_ms\" ({})",
                            s.retry.max.count(), s.retry.initial.count());
     }},
    {"run",
     {"batch_max", "batch_min"},
     [](const Settings& s) -> std::optional<std::string> {
         if (s.run.batch_max >= s.run.batch_min) return std::nullopt;
         return fmt::format("\"batch_max\" in [run] ({}) must be at least \"batch_min\" ({})",
                            s.run.batch_max, s.run.batch_min);
     }},
};

}  // namespace

const std::vector<Key>& keys() {
    return k_keys;
}

const std::vector<Constraint>& constraints() {
    return k_constraints;
}

std::vector<std::string_view> sections() {
    std::vector<std::string_view> out;
    for (const Key& key : k_keys) {
        if (std::find(out.begin(), out.end(), key.section) == out.end()) out.push_back(key.section);
    }
    return out;
}

const Key* find_key(std::string_view section, std::string_view name) {
    for (const Key& key : k_keys) {
        if (key.section == section && key.name == name) return &key;
    }
    return nullptr;
}

std::optional<std::int64_t> parse_size(const std::string& text) {
    size_t pos = 0;
    double number = 0;
    try {
        number = std::stod(text, &pos);
    } catch (const std::exception&) {
        return std::nullopt;
    }
    if (number < 0) return std::nullopt;
    while (pos < text.size() && text[pos] == ' ') ++pos;
    std::string unit = text.substr(pos);
    static const std::pair<const char*, double> k_units[] = {{"", 1},
                                                             {"B", 1},
                                                             {"bytes", 1},
                                                             {"kB", 1024.0},
                                                             {"KB", 1024.0},
                                                             {"KiB", 1024.0},
                                                             {"MB", 1048576.0},
                                                             {"MiB", 1048576.0},
                                                             {"GB", 1073741824.0},
                                                             {"GiB", 1073741824.0},
                                                             {"TB", 1099511627776.0},
                                                             {"TiB", 1099511627776.0}};
    for (const auto& [name, factor] : k_units) {
        if (unit == name) {
            double bytes = number * factor;
            if (bytes > 9.0e18) return std::nullopt;
            return static_cast<std::int64_t>(bytes);
        }
    }
    return std::nullopt;
}

std::string choice_error(const std::string& what, const std::vector<std::string_view>& choices,
                         const std::string& value) {
    std::string list;
    for (std::size_t i = 0; i < choices.size(); ++i) {
        if (i > 0) list += i + 1 == choices.size() ? " or " : ", ";
        list += fmt::format("\"{}\"", choices[i]);
    }
    return fmt::format("{} must be {}, not \"{}\"", what, list, value);
}

}  // namespace pgsafe::config
