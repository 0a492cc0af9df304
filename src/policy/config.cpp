// pgsafe.toml → Config. Every key is known here, so a typo is an error with
// its file:line:col instead of a setting silently ignored (squawk accepts
// anything). Pure: the CLI finds and reads the file and passes the text.

#include "pgsafe/policy/config.hpp"

#include "pgsafe/error.hpp"
#include "pgsafe/rules/rule.hpp"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <initializer_list>

namespace pgsafe::policy {
namespace {

const std::initializer_list<std::string_view> k_root_keys = {
    "migrations",       "environment", "fail_on",    "exclude_paths",
    "postgres_version", "runner",      "thresholds", "rules",
    "timeouts",         "retry",       "run"};
const std::initializer_list<std::string_view> k_threshold_keys = {"large_table_rows", "large_table_bytes"};
const std::initializer_list<std::string_view> k_rules_keys = {"exclude", "include", "severity"};
const std::initializer_list<std::string_view> k_timeout_keys = {
    "lock_timeout_ms", "statement_timeout_ms", "long_statement_timeout_ms", "online_lock_timeout_ms"};
const std::initializer_list<std::string_view> k_retry_keys = {"deadline_s", "initial_ms", "max_ms"};
const std::initializer_list<std::string_view> k_run_keys = {"batch_pause_ms", "show_blocker_queries"};

size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<size_t> row(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
        size_t diagonal = row[0];
        row[0] = i;
        for (size_t j = 1; j <= b.size(); ++j) {
            size_t above = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diagonal = above;
        }
    }
    return row[b.size()];
}

template <typename Names>
std::optional<std::string> closest(std::string_view name, const Names& candidates) {
    std::optional<std::string> best;
    size_t best_distance = std::max<size_t>(2, name.size() / 3) + 1;
    for (const auto& candidate : candidates) {
        size_t d = edit_distance(name, candidate);
        if (d < best_distance) {
            best_distance = d;
            best = std::string(candidate);
        }
    }
    if (best || name.size() < 4) return best;
    // A shortened name ("adding-foreign-key"): the candidate that contains it.
    for (const auto& candidate : candidates) {
        if (std::string_view(candidate).find(name) != std::string_view::npos) return std::string(candidate);
    }
    return std::nullopt;
}

std::string did_you_mean(const std::optional<std::string>& suggestion) {
    return suggestion ? fmt::format(" (did you mean \"{}\"?)", *suggestion) : std::string();
}

const char* type_name(const toml::node& node) {
    switch (node.type()) {
        case toml::node_type::string: return "a string";
        case toml::node_type::integer: return "an integer";
        case toml::node_type::floating_point: return "a float";
        case toml::node_type::boolean: return "a boolean";
        case toml::node_type::array: return "an array";
        case toml::node_type::table: return "a table";
        case toml::node_type::date: return "a date";
        case toml::node_type::time: return "a time";
        case toml::node_type::date_time: return "a date-time";
        case toml::node_type::none: break;
    }
    return "nothing";
}

// Reads one document, throwing located errors.
class Reader {
public:
    explicit Reader(const std::string& origin) : m_origin(origin) {}

    // "origin:line:col: "
    std::string at(const toml::source_region& where) const {
        return fmt::format("{}:{}:{}: ", m_origin, where.begin.line, where.begin.column);
    }

    [[noreturn]] void fail(const toml::source_region& where, const std::string& what) const {
        throw Error(ErrorKind::Usage, at(where) + what);
    }

    // "in [thresholds]", or "" at the top level.
    static std::string in(std::string_view section) {
        return section.empty() ? std::string() : fmt::format(" in [{}]", section);
    }

    void check_keys(const toml::table& table, std::initializer_list<std::string_view> allowed,
                    std::string_view section) const {
        for (auto&& [key, node] : table) {
            (void)node;
            if (std::find(allowed.begin(), allowed.end(), key.str()) != allowed.end()) continue;
            std::string hint = did_you_mean(closest(key.str(), allowed));
            bool top_level_key = !section.empty() && std::find(k_root_keys.begin(), k_root_keys.end(),
                                                               key.str()) != k_root_keys.end();
            if (top_level_key)
                hint =
                    fmt::format(" (\"{}\" is a top-level key: move it above the first [table])", key.str());
            fail(key.source(), fmt::format("unknown key \"{}\"{}{}", key.str(), in(section), hint));
        }
    }

    [[noreturn]] void wrong_type(const toml::node& node, std::string_view key, std::string_view section,
                                 const char* expected) const {
        fail(node.source(),
             fmt::format("\"{}\"{} must be {}, not {}", key, in(section), expected, type_name(node)));
    }

    const toml::table* table(const toml::table& parent, std::string_view key,
                             std::string_view section) const {
        const toml::node* node = parent.get(key);
        if (node == nullptr) return nullptr;
        if (!node->is_table()) wrong_type(*node, key, section, "a table");
        return node->as_table();
    }

    std::optional<std::string> string(const toml::table& t, std::string_view key,
                                      std::string_view section) const {
        const toml::node* node = t.get(key);
        if (node == nullptr) return std::nullopt;
        if (!node->is_string()) wrong_type(*node, key, section, "a string");
        std::string value = node->as_string()->get();
        if (value.empty()) fail(node->source(), fmt::format("\"{}\"{} must not be empty", key, in(section)));
        return value;
    }

    std::optional<bool> boolean(const toml::table& t, std::string_view key, std::string_view section) const {
        const toml::node* node = t.get(key);
        if (node == nullptr) return std::nullopt;
        if (!node->is_boolean()) wrong_type(*node, key, section, "true or false");
        return node->as_boolean()->get();
    }

    // An integer in [min, max].
    std::optional<std::int64_t> integer(const toml::table& t, std::string_view key, std::string_view section,
                                        std::int64_t min, std::int64_t max = INT_MAX) const {
        const toml::node* node = t.get(key);
        if (node == nullptr) return std::nullopt;
        if (!node->is_integer()) wrong_type(*node, key, section, "an integer");
        std::int64_t value = node->as_integer()->get();
        check_range(*node, key, section, value, min, max);
        return value;
    }

    void check_range(const toml::node& node, std::string_view key, std::string_view section,
                     std::int64_t value, std::int64_t min, std::int64_t max) const {
        if (value < min)
            fail(node.source(),
                 fmt::format("\"{}\"{} must be at least {}, not {}", key, in(section), min, value));
        if (value > max)
            fail(node.source(),
                 fmt::format("\"{}\"{} must be at most {}, not {}", key, in(section), max, value));
    }

    // An array of strings, each with the node it came from (for located errors).
    std::vector<std::pair<std::string, const toml::node*>> strings(const toml::table& t, std::string_view key,
                                                                   std::string_view section) const {
        std::vector<std::pair<std::string, const toml::node*>> out;
        const toml::node* node = t.get(key);
        if (node == nullptr) return out;
        if (!node->is_array()) wrong_type(*node, key, section, "an array of strings");
        for (const toml::node& element : *node->as_array()) {
            if (!element.is_string())
                fail(element.source(), fmt::format("\"{}\"{} must hold only strings, not {}", key,
                                                   in(section), type_name(element)));
            std::string value = element.as_string()->get();
            if (value.empty())
                fail(element.source(),
                     fmt::format("\"{}\"{} must not hold an empty string", key, in(section)));
            out.emplace_back(std::move(value), &element);
        }
        return out;
    }

private:
    const std::string& m_origin;
};

// "128 MiB", "6.2GB", "512kB": PostgreSQL's units (kB = 1024 bytes), and the
// IEC spellings. Returns nullopt when the text is not a size.
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

void read_thresholds(const Reader& r, const toml::table& root, Config& config) {
    const toml::table* t = r.table(root, "thresholds", "");
    if (t == nullptr) return;
    r.check_keys(*t, k_threshold_keys, "thresholds");
    if (auto rows = r.integer(*t, "large_table_rows", "thresholds", 0, INT64_MAX))
        config.thresholds.large_table_rows = static_cast<double>(*rows);
    if (const toml::node* bytes = t->get("large_table_bytes")) {
        if (bytes->is_integer()) {
            std::int64_t value = bytes->as_integer()->get();
            r.check_range(*bytes, "large_table_bytes", "thresholds", value, 0, INT64_MAX);
            config.thresholds.large_table_bytes = value;
        } else if (bytes->is_string()) {
            auto value = parse_size(bytes->as_string()->get());
            if (!value)
                r.fail(bytes->source(),
                       fmt::format("\"large_table_bytes\" in [thresholds] must be a size such as "
                                   "\"128 MB\" (units: bytes, kB, MB, GB, TB), not \"{}\"",
                                   bytes->as_string()->get()));
            config.thresholds.large_table_bytes = *value;
        } else {
            r.wrong_type(*bytes, "large_table_bytes", "thresholds", "an integer or a size string");
        }
    }
}

void read_rules(const Reader& r, const toml::table& root, Config& config) {
    const toml::table* t = r.table(root, "rules", "");
    if (t == nullptr) return;
    r.check_keys(*t, k_rules_keys, "rules");
    for (const auto& [name, node] : r.strings(*t, "exclude", "rules")) {
        require_known_rule(name, r.at(node->source()));
        if (name == "syntax-error")
            r.fail(node->source(),
                   "\"syntax-error\" cannot be excluded: pgsafe checks nothing in a statement "
                   "PostgreSQL cannot parse");
        config.exclude.insert(name);
    }
    for (const auto& [name, node] : r.strings(*t, "include", "rules")) {
        require_known_rule(name, r.at(node->source()));
        if (config.exclude.count(name) > 0)
            r.fail(node->source(), fmt::format("rule \"{}\" is both excluded and included in [rules]", name));
        config.include.insert(name);
    }
    if (const toml::table* severity = r.table(*t, "severity", "rules")) {
        for (auto&& [key, node] : *severity) {
            std::string name(key.str());
            require_known_rule(name, r.at(key.source()));
            if (!node.is_string())
                r.wrong_type(node, name, "rules.severity", "\"error\", \"warning\" or \"info\"");
            auto level = rules::severity_from_name(node.as_string()->get());
            if (!level)
                r.fail(node.source(),
                       fmt::format("severity of \"{}\" must be \"error\", \"warning\" or \"info\", "
                                   "not \"{}\"",
                                   name, node.as_string()->get()));
            config.severity[name] = *level;
        }
    }
}

void read_timeouts(const Reader& r, const toml::table& root, Config& config) {
    if (const toml::table* t = r.table(root, "timeouts", "")) {
        r.check_keys(*t, k_timeout_keys, "timeouts");
        // 0 would mean "wait in the lock queue forever": the outage pgsafe exists to prevent.
        if (auto v = r.integer(*t, "lock_timeout_ms", "timeouts", 1))
            config.timeouts.lock_timeout_ms = int(*v);
        if (auto v = r.integer(*t, "statement_timeout_ms", "timeouts", 0))
            config.timeouts.statement_timeout_ms = int(*v);
        if (auto v = r.integer(*t, "long_statement_timeout_ms", "timeouts", 0))
            config.timeouts.long_statement_timeout_ms = int(*v);
        if (auto v = r.integer(*t, "online_lock_timeout_ms", "timeouts", 1))
            config.timeouts.online_lock_timeout_ms = int(*v);
    }
    if (const toml::table* t = r.table(root, "retry", "")) {
        r.check_keys(*t, k_retry_keys, "retry");
        if (auto v = r.integer(*t, "deadline_s", "retry", 0)) config.retry.deadline_s = int(*v);
        if (auto v = r.integer(*t, "initial_ms", "retry", 1)) config.retry.initial_ms = int(*v);
        if (auto v = r.integer(*t, "max_ms", "retry", 1)) config.retry.max_ms = int(*v);
        if (config.retry.max_ms < config.retry.initial_ms) {
            const toml::node* at = t->get("max_ms") != nullptr ? t->get("max_ms") : t->get("initial_ms");
            r.fail(at->source(),
                   fmt::format("\"max_ms\" in [retry] ({}) must be at least \"initial_ms\" ({})",
                               config.retry.max_ms, config.retry.initial_ms));
        }
    }
}

void read_run(const Reader& r, const toml::table& root, Config& config) {
    const toml::table* t = r.table(root, "run", "");
    if (t == nullptr) return;
    r.check_keys(*t, k_run_keys, "run");
    if (auto v = r.integer(*t, "batch_pause_ms", "run", 0)) config.run.batch_pause_ms = int(*v);
    if (auto v = r.boolean(*t, "show_blocker_queries", "run")) config.run.show_blocker_queries = *v;
}

bool valid_environment_name(const std::string& name) {
    return std::all_of(name.begin(), name.end(),
                       [](unsigned char c) { return std::isalnum(c) != 0 || c == '-' || c == '_'; });
}

void read_top_level(const Reader& r, const toml::table& root, Config& config) {
    if (auto v = r.string(root, "migrations", "")) config.migrations = *v;
    if (auto v = r.string(root, "environment", "")) {
        if (!valid_environment_name(*v))
            r.fail(root.get("environment")->source(),
                   fmt::format("\"environment\" must be a name of letters, digits, '-' and '_' (it names "
                               "policies/<environment>.toml), not \"{}\"",
                               *v));
        config.environment = *v;
    }
    if (auto v = r.string(root, "fail_on", "")) {
        try {
            config.fail_on = parse_fail_on(*v, "\"fail_on\"");
        } catch (const Error& e) {
            r.fail(root.get("fail_on")->source(), e.what());
        }
    }
    if (auto v = r.string(root, "runner", "")) {
        try {
            config.runner = parse_runner(*v, "\"runner\"");
        } catch (const Error& e) {
            r.fail(root.get("runner")->source(), e.what());
        }
    }
    if (auto v = r.integer(root, "postgres_version", "", 10, 99)) config.postgres_version = int(*v);
    for (auto& [glob, node] : r.strings(root, "exclude_paths", "")) {
        (void)node;
        config.exclude_paths.push_back(std::move(glob));
    }
}

// One character class "[…]" at the start of glob against c; advances glob past it.
bool match_class(std::string_view& glob, char c) {
    size_t i = 1;
    bool negate = i < glob.size() && (glob[i] == '!' || glob[i] == '^');
    if (negate) ++i;
    bool matched = false;
    bool first = true;
    for (; i < glob.size() && (first || glob[i] != ']'); ++i, first = false) {
        if (i + 2 < glob.size() && glob[i + 1] == '-' && glob[i + 2] != ']') {
            matched = matched || (glob[i] <= c && c <= glob[i + 2]);
            i += 2;
        } else {
            matched = matched || glob[i] == c;
        }
    }
    glob.remove_prefix(std::min(glob.size(), i + 1));
    return matched != negate;
}

}  // namespace

std::optional<rules::Severity> parse_fail_on(const std::string& value, const std::string& what) {
    if (value == "never") return std::nullopt;
    if (auto severity = rules::severity_from_name(value)) return severity;
    throw Error(
        ErrorKind::Usage,
        fmt::format("{} must be \"error\", \"warning\", \"info\" or \"never\", not \"{}\"", what, value));
}

rules::Runner parse_runner(const std::string& value, const std::string& what) {
    if (value == "pgsafe") return rules::Runner::Pgsafe;
    if (value == "external") return rules::Runner::External;
    throw Error(ErrorKind::Usage,
                fmt::format("{} must be \"pgsafe\" or \"external\", not \"{}\"", what, value));
}

std::optional<std::string> suggest_rule(std::string_view name) {
    std::vector<std::string> names;
    for (const auto& rule : rules::registry()) names.push_back(rule.info.name);
    return closest(name, names);
}

void require_known_rule(const std::string& name, const std::string& where) {
    if (rules::find_rule(name) != nullptr) return;
    throw Error(ErrorKind::Usage,
                fmt::format("{}unknown rule \"{}\"{}", where, name, did_you_mean(suggest_rule(name))));
}

Config parse_config(std::string_view text, const std::string& origin) {
    toml::table root;
    try {
        root = toml::parse(text, origin);
    } catch (const toml::parse_error& e) {
        throw Error(ErrorKind::Usage, fmt::format("{}:{}:{}: {}", origin, e.source().begin.line,
                                                  e.source().begin.column, e.description()));
    }
    Reader reader(origin);
    Config config;
    config.origin = origin;
    reader.check_keys(root, k_root_keys, "");
    read_top_level(reader, root, config);
    read_thresholds(reader, root, config);
    read_rules(reader, root, config);
    read_timeouts(reader, root, config);
    read_run(reader, root, config);
    return config;
}

bool glob_match(std::string_view glob, std::string_view path) {
    while (!glob.empty()) {
        if (glob.substr(0, 2) == "**") {
            std::string_view rest = glob.substr(2);
            if (!rest.empty() && rest.front() == '/') {
                // "**/" is zero or more whole directories.
                rest.remove_prefix(1);
                if (glob_match(rest, path)) return true;
                for (size_t i = 0; i < path.size(); ++i)
                    if (path[i] == '/' && glob_match(rest, path.substr(i + 1))) return true;
                return false;
            }
            for (size_t i = 0; i <= path.size(); ++i)
                if (glob_match(rest, path.substr(i))) return true;
            return false;
        }
        char g = glob.front();
        if (g == '*') {
            std::string_view rest = glob.substr(1);
            for (size_t i = 0; i <= path.size(); ++i) {
                if (glob_match(rest, path.substr(i))) return true;
                if (i < path.size() && path[i] == '/') break;
            }
            return false;
        }
        if (path.empty()) return false;
        char c = path.front();
        if (g == '?') {
            if (c == '/') return false;
            glob.remove_prefix(1);
        } else if (g == '[' && glob.find(']', 2) != std::string_view::npos) {
            if (c == '/' || !match_class(glob, c)) return false;
        } else {
            if (g != c) return false;
            glob.remove_prefix(1);
        }
        path.remove_prefix(1);
    }
    return path.empty();
}

bool path_excluded(const std::vector<std::string>& globs, std::string_view path) {
    while (path.substr(0, 2) == "./") path.remove_prefix(2);
    for (std::string_view glob : globs) {
        while (glob.substr(0, 2) == "./") glob.remove_prefix(2);
        while (glob.size() > 1 && glob.back() == '/') glob.remove_suffix(1);
        bool anchored = glob.find('/') != std::string_view::npos;
        // The path itself, then every directory it is in ("a/b/c.sql": "a/b", "a").
        for (std::string_view candidate = path; !candidate.empty();) {
            std::string_view last = candidate.substr(candidate.rfind('/') + 1);  // npos + 1 == 0
            if (glob_match(glob, anchored ? candidate : last)) return true;
            size_t slash = candidate.rfind('/');
            candidate = slash == std::string_view::npos ? std::string_view() : candidate.substr(0, slash);
        }
    }
    return false;
}

rules::LintOptions lint_options(const Config& config) {
    rules::LintOptions options;
    options.thresholds = config.thresholds;
    options.severities = config.severity;
    options.excluded = config.exclude;
    options.included = config.include;
    options.runner = config.runner;
    options.pg_version = config.postgres_version;
    return options;
}

}  // namespace pgsafe::policy
