// The resolved-settings step: the defaults in settings.hpp, then the file,
// then the environment variables and flags the key table names for each
// key. Every command calls it, so every command sees the same settings.

#include "pgsafe/config/resolve.hpp"

#include "pgsafe/error.hpp"
#include "pgsafe/rules/suggest.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace pgsafe::config {
namespace {

const Key& key_named(std::string_view section, std::string_view name) {
    const Key* key = find_key(section, name);
    if (key == nullptr) throw std::logic_error(fmt::format("no configuration key {}.{}", section, name));
    return *key;
}

// One override (a variable's or a flag's text) for a key; `what` names its source in errors.
void apply_text(Settings& s, const Key& key, const std::string& text, const std::string& what) {
    Value v;
    switch (key.type) {
        case KeyType::Choice:
            if (std::find(key.choices.begin(), key.choices.end(), text) == key.choices.end())
                throw Error(ErrorKind::Usage, choice_error(what, key.choices, text));
            v.text = text;
            break;
        case KeyType::String: v.text = text; break;
        case KeyType::Integer: {
            std::size_t used = 0;
            long long number = 0;
            try {
                number = std::stoll(text, &used);
            } catch (const std::exception&) {
                used = 0;
            }
            if (used == 0 || used != text.size())
                throw Error(ErrorKind::Usage, fmt::format("{} must be an integer, not \"{}\"", what, text));
            if (number < key.min || number > key.max)
                throw Error(ErrorKind::Usage, fmt::format("{} must be between {} and {}, not {}", what,
                                                          key.min, key.max, number));
            v.integer = number;
            break;
        }
        default: throw std::logic_error(fmt::format("no text override for {}", key.name));
    }
    key.set(s, v);
}

// Environment variables, as the key table names them.
void apply_environment(Settings& s, const EnvLookup& env) {
    if (!env) return;
    for (const Key& key : keys()) {
        if (key.env.empty()) continue;
        if (auto value = env(std::string(key.env))) apply_text(s, key, *value, std::string(key.env));
    }
}

void apply_flag(Settings& s, std::string_view section, std::string_view name,
                const std::optional<std::string>& value) {
    if (!value) return;
    const Key& key = key_named(section, name);
    apply_text(s, key, *value, std::string(key.flag));
}

// "a,b" "c" -> a, b, c (flags that take lists accept both forms).
std::vector<std::string> split_list(const std::vector<std::string>& values) {
    std::vector<std::string> out;
    for (const auto& value : values) {
        size_t start = 0;
        while (start <= value.size()) {
            size_t comma = value.find(',', start);
            if (comma == std::string::npos) comma = value.size();
            std::string item = value.substr(start, comma - start);
            while (!item.empty() && item.front() == ' ') item.erase(item.begin());
            while (!item.empty() && item.back() == ' ') item.pop_back();
            if (!item.empty()) out.push_back(item);
            start = comma + 1;
        }
    }
    return out;
}

std::set<std::string> known_rules(const std::vector<std::string>& names, std::string_view flag) {
    std::set<std::string> out;
    for (const auto& name : split_list(names)) {
        rules::require_known_rule(name, fmt::format("{}: ", flag));
        out.insert(name);
    }
    return out;
}

// --exclude and --include add to the file's lists; where the command line
// and the file disagree about a rule, the command line wins.
void apply_rule_flags(Settings& s, const Overrides& flags) {
    const Key& exclude_key = key_named("rules", "exclude");
    const Key& include_key = key_named("rules", "include");
    std::set<std::string> exclude = known_rules(flags.exclude, exclude_key.flag);
    std::set<std::string> include = known_rules(flags.include, include_key.flag);
    for (const auto& name : exclude) {
        if (include.count(name) > 0)
            throw Error(ErrorKind::Usage, fmt::format("rule \"{}\" is given to both {} and {}", name,
                                                      exclude_key.flag, include_key.flag));
        if (auto complaint = exclude_key.check(s, name))
            throw Error(ErrorKind::Usage, fmt::format("{}: {}", exclude_key.flag, *complaint));
        s.rules.include.erase(name);
        s.rules.exclude.insert(name);
    }
    for (const auto& name : include) {
        s.rules.exclude.erase(name);
        s.rules.include.insert(name);
    }
}

void apply_flags(Settings& s, const Overrides& flags) {
    apply_flag(s, "", "environment", flags.environment);
    apply_flag(s, "", "fail_on", flags.fail_on);
    apply_flag(s, "", "runner", flags.runner);
    if (flags.postgres_version)
        apply_flag(s, "", "postgres_version", std::to_string(*flags.postgres_version));
    apply_rule_flags(s, flags);
}

}  // namespace

Settings resolve(const Layers& layers) {
    Settings s;                                                     // the defaults
    if (layers.file) read_config(*layers.file, k_project_file, s);  // pgsafe.toml
    apply_environment(s, layers.env);                               // PGSAFE_*
    apply_flags(s, layers.flags);                                   // the command line
    // The last layer, the environment's policy, is applied by the commands
    // that judge migrations (policy::apply_policy_settings, over this result):
    // which policy applies is known only once the database is asked, since
    // `migrate` enforces the policy `pgsafe init` stored there.
    return s;
}

}  // namespace pgsafe::config
