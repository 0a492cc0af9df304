// Display names for IR values: lock modes as PostgreSQL spells them, types
// as a user wrote them, and the column facts rules ask about.

#include "pgsafe/sql/ir.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>

namespace pgsafe::sql {
namespace {

constexpr std::array<const char*, 9> k_lock_names = {
    "NONE",  "ACCESS SHARE",        "ROW SHARE", "ROW EXCLUSIVE",   "SHARE UPDATE EXCLUSIVE",
    "SHARE", "SHARE ROW EXCLUSIVE", "EXCLUSIVE", "ACCESS EXCLUSIVE"};
constexpr std::array<const char*, 9> k_pg_locks_names = {
    "",          "AccessShareLock",       "RowShareLock",  "RowExclusiveLock",   "ShareUpdateExclusiveLock",
    "ShareLock", "ShareRowExclusiveLock", "ExclusiveLock", "AccessExclusiveLock"};

// Internal type names to the spelling people write.
std::string friendly_type(const std::string& base) {
    static const std::pair<const char*, const char*> k_names[] = {
        {"int2", "smallint"},
        {"int4", "integer"},
        {"int8", "bigint"},
        {"float4", "real"},
        {"float8", "double precision"},
        {"bpchar", "char"},
        {"bool", "boolean"},
        {"timestamptz", "timestamptz"},
        {"varchar", "varchar"},
    };
    for (const auto& [internal, shown] : k_names) {
        if (base == internal) return shown;
    }
    return base;
}

}  // namespace

const char* lock_mode_name(LockMode mode) {
    return k_lock_names[static_cast<size_t>(mode)];
}

std::optional<LockMode> lock_mode_from_name(const std::string& name) {
    for (size_t i = 1; i < k_lock_names.size(); ++i) {
        if (name == k_lock_names[i] || name == k_pg_locks_names[i]) return static_cast<LockMode>(i);
    }
    return std::nullopt;
}

const std::string& TypeName::base() const {
    static const std::string k_empty;
    return names.empty() ? k_empty : names.back();
}

std::string TypeName::display() const {
    std::string out = friendly_type(base());
    if (!modifiers.empty()) out += fmt::format("({})", fmt::join(modifiers, ","));
    if (array) out += "[]";
    return out;
}

bool ColumnDef::is_serial() const {
    if (type.names.size() != 1) return false;
    static const char* k_serials[] = {"serial", "serial2", "serial4", "serial8", "smallserial", "bigserial"};
    return std::any_of(std::begin(k_serials), std::end(k_serials),
                       [&](const char* s) { return type.base() == s; });
}

bool ColumnDef::is_stored_generated() const {
    return std::any_of(constraints.begin(), constraints.end(),
                       [](const Constraint& c) { return c.kind == ConstraintKind::Generated; });
}

bool ColumnDef::is_identity() const {
    return std::any_of(constraints.begin(), constraints.end(),
                       [](const Constraint& c) { return c.kind == ConstraintKind::Identity; });
}

}  // namespace pgsafe::sql
