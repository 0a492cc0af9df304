#pragma once
// A TOML document read with every error located: "file:line:col: what".
// Reusable by every file pgsafe reads as TOML (pgsafe.toml today, the
// policies/<env>.toml files next): the schema lives in the key table, this
// only parses, checks keys against a list and reads typed values.

#include <toml++/toml.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pgsafe::config {

class TomlReader {
public:
    // Parses `text`; throws pgsafe::Error (Usage) "origin:line:col: …" for broken TOML.
    TomlReader(std::string_view text, std::string origin);

    const toml::table& root() const { return m_root; }
    const std::string& origin() const { return m_origin; }

    // "origin:line:col: "
    std::string at(const toml::source_region& where) const;
    [[noreturn]] void fail(const toml::source_region& where, const std::string& what) const;

    // "\"key\"" or "\"key\" in [section]": how messages name a key.
    static std::string label(std::string_view key, std::string_view section);
    // "a string", "an integer", … for messages.
    static const char* type_name(const toml::node& node);

    [[noreturn]] void wrong_type(const toml::node& node, std::string_view key, std::string_view section,
                                 const char* expected) const;

    // Fails on the first key of `table` not in `allowed`: "unknown key "x" in
    // [section]" with a did-you-mean, or with the text `hint` returns for it
    // when that is not empty.
    void check_keys(const toml::table& table, const std::vector<std::string_view>& allowed,
                    std::string_view section,
                    const std::function<std::string(std::string_view)>& hint = {}) const;

    // The typed value of `key` in `table`, nullopt when it is absent; a value of
    // another type, an empty string or an integer out of [min, max] fails.
    const toml::table* table(const toml::table& parent, std::string_view key, std::string_view section) const;
    std::optional<std::string> string(const toml::table& t, std::string_view key,
                                      std::string_view section) const;
    std::optional<bool> boolean(const toml::table& t, std::string_view key, std::string_view section) const;
    std::optional<std::int64_t> integer(const toml::table& t, std::string_view key, std::string_view section,
                                        std::int64_t min, std::int64_t max) const;
    void check_range(const toml::node& node, std::string_view key, std::string_view section,
                     std::int64_t value, std::int64_t min, std::int64_t max) const;
    // An array of non-empty strings, each with the node it came from (for located errors).
    std::vector<std::pair<std::string, const toml::node*>> strings(const toml::table& t, std::string_view key,
                                                                   std::string_view section) const;

private:
    std::string m_origin;
    toml::table m_root;
};

}  // namespace pgsafe::config
