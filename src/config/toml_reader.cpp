// Located TOML reading: toml++ parses and keeps each node's line and column;
// this turns every mistake into a pgsafe::Error (Usage) that names the file,
// the place, the key and what was expected, so a typo is never ignored.

#include "pgsafe/config/toml_reader.hpp"

#include "pgsafe/did_you_mean.hpp"
#include "pgsafe/error.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace pgsafe::config {

TomlReader::TomlReader(std::string_view text, std::string origin) : m_origin(std::move(origin)) {
    try {
        m_root = toml::parse(text, m_origin);
    } catch (const toml::parse_error& e) {
        throw Error(ErrorKind::Usage, fmt::format("{}:{}:{}: {}", m_origin, e.source().begin.line,
                                                  e.source().begin.column, e.description()));
    }
}

std::string TomlReader::at(const toml::source_region& where) const {
    return fmt::format("{}:{}:{}: ", m_origin, where.begin.line, where.begin.column);
}

void TomlReader::fail(const toml::source_region& where, const std::string& what) const {
    throw Error(ErrorKind::Usage, at(where) + what);
}

std::string TomlReader::label(std::string_view key, std::string_view section) {
    return section.empty() ? fmt::format("\"{}\"", key) : fmt::format("\"{}\" in [{}]", key, section);
}

const char* TomlReader::type_name(const toml::node& node) {
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

void TomlReader::wrong_type(const toml::node& node, std::string_view key, std::string_view section,
                            const char* expected) const {
    fail(node.source(), fmt::format("{} must be {}, not {}", label(key, section), expected, type_name(node)));
}

void TomlReader::check_keys(const toml::table& table, const std::vector<std::string_view>& allowed,
                            std::string_view section,
                            const std::function<std::string(std::string_view)>& hint) const {
    for (auto&& [key, node] : table) {
        (void)node;
        if (std::find(allowed.begin(), allowed.end(), key.str()) != allowed.end()) continue;
        std::string why = hint ? hint(key.str()) : std::string();
        if (why.empty()) why = did_you_mean(closest_name(key.str(), allowed));
        std::string in = section.empty() ? std::string() : fmt::format(" in [{}]", section);
        fail(key.source(), fmt::format("unknown key \"{}\"{}{}", key.str(), in, why));
    }
}

const toml::table* TomlReader::table(const toml::table& parent, std::string_view key,
                                     std::string_view section) const {
    const toml::node* node = parent.get(key);
    if (node == nullptr) return nullptr;
    if (!node->is_table()) wrong_type(*node, key, section, "a table");
    return node->as_table();
}

std::optional<std::string> TomlReader::string(const toml::table& t, std::string_view key,
                                              std::string_view section) const {
    const toml::node* node = t.get(key);
    if (node == nullptr) return std::nullopt;
    if (!node->is_string()) wrong_type(*node, key, section, "a string");
    std::string value = node->as_string()->get();
    if (value.empty()) fail(node->source(), fmt::format("{} must not be empty", label(key, section)));
    return value;
}

std::optional<bool> TomlReader::boolean(const toml::table& t, std::string_view key,
                                        std::string_view section) const {
    const toml::node* node = t.get(key);
    if (node == nullptr) return std::nullopt;
    if (!node->is_boolean()) wrong_type(*node, key, section, "true or false");
    return node->as_boolean()->get();
}

std::optional<std::int64_t> TomlReader::integer(const toml::table& t, std::string_view key,
                                                std::string_view section, std::int64_t min,
                                                std::int64_t max) const {
    const toml::node* node = t.get(key);
    if (node == nullptr) return std::nullopt;
    if (!node->is_integer()) wrong_type(*node, key, section, "an integer");
    std::int64_t value = node->as_integer()->get();
    check_range(*node, key, section, value, min, max);
    return value;
}

void TomlReader::check_range(const toml::node& node, std::string_view key, std::string_view section,
                             std::int64_t value, std::int64_t min, std::int64_t max) const {
    if (value < min)
        fail(node.source(), fmt::format("{} must be at least {}, not {}", label(key, section), min, value));
    if (value > max)
        fail(node.source(), fmt::format("{} must be at most {}, not {}", label(key, section), max, value));
}

std::vector<std::pair<std::string, const toml::node*>> TomlReader::strings(const toml::table& t,
                                                                           std::string_view key,
                                                                           std::string_view section) const {
    std::vector<std::pair<std::string, const toml::node*>> out;
    const toml::node* node = t.get(key);
    if (node == nullptr) return out;
    if (!node->is_array()) wrong_type(*node, key, section, "an array of strings");
    for (const toml::node& element : *node->as_array()) {
        if (!element.is_string())
            fail(element.source(),
                 fmt::format("{} must hold only strings, not {}", label(key, section), type_name(element)));
        std::string value = element.as_string()->get();
        if (value.empty())
            fail(element.source(), fmt::format("{} must not hold an empty string", label(key, section)));
        out.emplace_back(std::move(value), &element);
    }
    return out;
}

}  // namespace pgsafe::config
