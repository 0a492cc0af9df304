#pragma once
// The configuration keys, declared once as a table (the way ccache declares
// its configuration): section, name, type, range, where the key may be
// written, which commands it changes, the environment variable and flag that
// override it, and how it is stored in Settings. The file reader, the
// override layers, `pgsafe.toml`'s docs test and (next) policies/<env>.toml
// all read this table, so a new setting is one row here plus its field in
// settings.hpp.

#include "pgsafe/config/settings.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pgsafe::config {

enum class KeyType {
    String,      // non-empty string
    Choice,      // one of Key::choices
    Integer,     // in [min, max]
    Boolean,     // true or false
    Size,        // bytes: an integer in [min, max], or "128 MB" (PostgreSQL's units)
    Strings,     // array of non-empty strings
    RuleNames,   // array of registered rule names
    Severities,  // table: rule name -> "error" | "warning" | "info"
};

// Which files may set a key (bits of Key::files).
enum FileKind : unsigned {
    k_project_file = 1u << 0,  // pgsafe.toml
    k_policy_file = 1u << 1,   // policies/<environment>.toml (src/policy/load.cpp)
};

// A value read from a file or an override, already checked against its key.
struct Value {
    std::int64_t integer = 0;                           // Integer, Size
    bool boolean = false;                               // Boolean
    std::string text;                                   // String, Choice
    std::vector<std::string> items;                     // Strings, RuleNames
    std::map<std::string, rules::Severity> severities;  // Severities
};

struct Key {
    std::string_view section;  // "" = top level
    std::string_view name;
    KeyType type;
    std::string_view applies;  // the commands it changes, for people: "lint, plan"
    unsigned files;            // FileKind bits
    std::int64_t min;          // Integer, Size
    std::int64_t max;
    std::vector<std::string_view> choices;  // Choice
    std::string_view env;                   // the environment variable that overrides it, or ""
    std::string_view flag;                  // the command-line flag that overrides it, or ""
    void (*set)(Settings&, const Value&);   // stores the value
    std::string (*show)(const Settings&);   // the stored value as TOML (the default: show(Settings{}))
    // A further check of one string (a String's value, each item of a list)
    // against the settings read so far: the complaint, or nullopt. Applied to
    // the file only (flags and variables keep their own checks).
    std::optional<std::string> (*check)(const Settings&, const std::string&);
};

// A check across keys of one section, run after the section is read.
struct Constraint {
    std::string_view section;
    std::vector<std::string_view> located_at;  // the error points at the first of these the file sets
    std::optional<std::string> (*check)(const Settings&);
};

// Every key, top-level keys first, then each section's, in documentation order.
const std::vector<Key>& keys();
const std::vector<Constraint>& constraints();
// The sections in table order, "" (top level) first.
std::vector<std::string_view> sections();
const Key* find_key(std::string_view section, std::string_view name);

// "128 MB", "6.2GB", "512kB": PostgreSQL's units (kB = 1024 bytes) and the IEC
// spellings; nullopt when the text is not a size.
std::optional<std::int64_t> parse_size(const std::string& text);

// `what` must be "a", "b" or "c", not "value": the message for a Choice.
std::string choice_error(const std::string& what, const std::vector<std::string_view>& choices,
                         const std::string& value);

}  // namespace pgsafe::config
