// Which ALTER COLUMN … TYPE changes PostgreSQL does as a catalog-only relabel
// (binary-coercible, same or wider typmod) and which rewrite the whole table.
// A statement names only the new type, so callers usually pass no old type.

#include "pgsafe/analysis/effects.hpp"

#include <string>

namespace pgsafe::analysis {
namespace {

bool is_text_like(const std::string& base) {
    return base == "text" || base == "varchar";
}

// Types whose typmod is a maximum (length, precision): widening or dropping it is free.
bool typmod_is_limit(const std::string& base) {
    return base == "varchar" || base == "varbit" || base == "timestamp" || base == "timestamptz" ||
           base == "time" || base == "timetz" || base == "interval";
}

// Same type, only the modifiers differ.
bool same_base_rewrites(const std::string& base, const sql::TypeName& old_type,
                        const sql::TypeName& new_type) {
    const auto& from = old_type.modifiers;
    const auto& to = new_type.modifiers;
    if (from == to) return false;
    if (to.empty()) return !typmod_is_limit(base) && base != "numeric";
    if (from.empty()) return true;  // adding a limit checks and rewrites every row
    if (typmod_is_limit(base)) return to[0] < from[0];
    if (base == "numeric") {
        // numeric(p,s) -> numeric(p2,s): more digits before the point is a relabel.
        std::int64_t from_scale = from.size() > 1 ? from[1] : 0;
        std::int64_t to_scale = to.size() > 1 ? to[1] : 0;
        return to_scale != from_scale || to[0] < from[0];
    }
    return true;  // char(n) pads, bit(n) is exact: any change rewrites
}

}  // namespace

bool type_change_rewrites(const std::optional<sql::TypeName>& old_type, const sql::TypeName& new_type) {
    const std::string& to = new_type.base();
    if (!old_type) return !(is_text_like(to) && new_type.modifiers.empty() && !new_type.array);
    if (old_type->array != new_type.array) return true;
    const std::string& from = old_type->base();
    if (from == to) return same_base_rewrites(to, *old_type, new_type);
    if (is_text_like(from) && is_text_like(to)) return !new_type.modifiers.empty();  // varchar(n) <-> text
    if (from == "cidr" && to == "inet") return false;
    return true;  // timestamp -> timestamptz is free only with TimeZone UTC: counted as a rewrite
}

}  // namespace pgsafe::analysis
