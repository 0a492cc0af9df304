// A configuration file read through the key table: every section and key
// the table declares for this kind of file, and nothing else, so a typo is
// an error with its file:line:col instead of a setting silently ignored.

#include "pgsafe/config/keys.hpp"
#include "pgsafe/config/resolve.hpp"
#include "pgsafe/config/toml_reader.hpp"

#include "pgsafe/rules/suggest.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace pgsafe::config {
namespace {

bool allowed_in(const Key& key, FileKind kind) {
    return (key.files & kind) != 0;
}

// The names a table of this section may hold: its keys, and at the top level the sections too.
std::vector<std::string_view> allowed_names(std::string_view section, FileKind kind) {
    std::vector<std::string_view> names;
    for (const Key& key : keys()) {
        if (!allowed_in(key, kind)) continue;
        if (key.section == section) names.push_back(key.name);
        bool new_section = section.empty() && !key.section.empty() &&
                           std::find(names.begin(), names.end(), key.section) == names.end();
        if (new_section) names.push_back(key.section);
    }
    // Top-level keys first, as the documentation lists them.
    std::stable_partition(names.begin(), names.end(),
                          [&](std::string_view name) { return find_key("", name) != nullptr; });
    return names;
}

void fail_unless(const TomlReader& r, const toml::node& node, std::optional<std::string> complaint) {
    if (complaint) r.fail(node.source(), *complaint);
}

std::optional<Value> read_size(const TomlReader& r, const toml::table& t, const Key& key) {
    const toml::node* node = t.get(key.name);
    if (node == nullptr) return std::nullopt;
    Value v;
    if (node->is_integer()) {
        v.integer = node->as_integer()->get();
        r.check_range(*node, key.name, key.section, v.integer, key.min, key.max);
    } else if (node->is_string()) {
        auto bytes = parse_size(node->as_string()->get());
        if (!bytes)
            r.fail(
                node->source(),
                fmt::format("{} must be a size such as \"128 MB\" (units: bytes, kB, MB, GB, TB), not \"{}\"",
                            TomlReader::label(key.name, key.section), node->as_string()->get()));
        v.integer = *bytes;
    } else {
        r.wrong_type(*node, key.name, key.section, "an integer or a size string");
    }
    return v;
}

std::optional<Value> read_severities(const TomlReader& r, const toml::table& t, const Key& key) {
    const toml::table* table = r.table(t, key.name, key.section);
    if (table == nullptr) return std::nullopt;
    std::string where = fmt::format("{}.{}", key.section, key.name);
    Value v;
    for (auto&& [name_key, node] : *table) {
        std::string name(name_key.str());
        rules::require_known_rule(name, r.at(name_key.source()));
        if (!node.is_string()) r.wrong_type(node, name, where, "\"error\", \"warning\" or \"info\"");
        auto level = rules::severity_from_name(node.as_string()->get());
        if (!level)
            r.fail(node.source(),
                   fmt::format("severity of \"{}\" must be \"error\", \"warning\" or \"info\", "
                               "not \"{}\"",
                               name, node.as_string()->get()));
        v.severities[name] = *level;
    }
    return v;
}

std::optional<Value> read_list(const TomlReader& r, const toml::table& t, const Key& key,
                               const Settings& settings) {
    if (t.get(key.name) == nullptr) return std::nullopt;
    Value v;
    for (auto& [item, node] : r.strings(t, key.name, key.section)) {
        if (key.type == KeyType::RuleNames) rules::require_known_rule(item, r.at(node->source()));
        if (key.check) fail_unless(r, *node, key.check(settings, item));
        v.items.push_back(std::move(item));
    }
    return v;
}

// The key's value in `t`, checked; nullopt when the file does not set it.
std::optional<Value> read_value(const TomlReader& r, const toml::table& t, const Key& key,
                                const Settings& settings) {
    switch (key.type) {
        case KeyType::String:
        case KeyType::Choice: {
            auto text = r.string(t, key.name, key.section);
            if (!text) return std::nullopt;
            const toml::node& node = *t.get(key.name);
            bool chosen = key.choices.empty() ||
                          std::find(key.choices.begin(), key.choices.end(), *text) != key.choices.end();
            if (!chosen)
                r.fail(node.source(),
                       choice_error(TomlReader::label(key.name, key.section), key.choices, *text));
            if (key.check) fail_unless(r, node, key.check(settings, *text));
            Value v;
            v.text = *text;
            return v;
        }
        case KeyType::Integer: {
            auto number = r.integer(t, key.name, key.section, key.min, key.max);
            if (!number) return std::nullopt;
            Value v;
            v.integer = *number;
            return v;
        }
        case KeyType::Boolean: {
            auto flag = r.boolean(t, key.name, key.section);
            if (!flag) return std::nullopt;
            Value v;
            v.boolean = *flag;
            return v;
        }
        case KeyType::Size: return read_size(r, t, key);
        case KeyType::Strings:
        case KeyType::RuleNames: return read_list(r, t, key, settings);
        case KeyType::Severities: return read_severities(r, t, key);
    }
    return std::nullopt;
}

// A top-level key written under a [table] is a TOML trap worth naming.
std::string top_level_hint(std::string_view key, FileKind kind) {
    std::vector<std::string_view> top = allowed_names("", kind);
    if (std::find(top.begin(), top.end(), key) == top.end()) return {};
    return fmt::format(" (\"{}\" is a top-level key: move it above the first [table])", key);
}

void check_constraints(const TomlReader& r, const toml::table& t, std::string_view section,
                       const Settings& settings) {
    for (const Constraint& c : constraints()) {
        if (c.section != section) continue;
        auto complaint = c.check(settings);
        if (!complaint) continue;
        for (std::string_view name : c.located_at) {
            if (const toml::node* node = t.get(name)) r.fail(node->source(), *complaint);
        }
    }
}

}  // namespace

void read_config(const ConfigText& file, FileKind kind, Settings& settings,
                 const std::vector<std::string_view>& other_sections) {
    TomlReader r(file.text, file.origin);
    settings.origin = file.origin;
    std::vector<std::string_view> top = allowed_names("", kind);
    top.insert(top.end(), other_sections.begin(), other_sections.end());
    r.check_keys(r.root(), top, "");
    for (std::string_view section : sections()) {
        const toml::table* t = section.empty() ? &r.root() : r.table(r.root(), section, "");
        if (t == nullptr) continue;
        if (!section.empty())
            r.check_keys(*t, allowed_names(section, kind), section,
                         [kind](std::string_view key) { return top_level_hint(key, kind); });
        for (const Key& key : keys()) {
            if (key.section != section || !allowed_in(key, kind)) continue;
            if (auto value = read_value(r, *t, key, settings)) key.set(settings, *value);
        }
        check_constraints(r, *t, section, settings);
    }
}

Settings parse_config(std::string_view text, const std::string& origin) {
    Settings settings;
    read_config({std::string(text), origin}, k_project_file, settings);
    return settings;
}

}  // namespace pgsafe::config
