// The step most rewrites make: the statement itself, switched to its
// CONCURRENTLY form, online (it waits and runs without blocking reads or
// writes), answering one rule.

#include "rewrite.hpp"

namespace pgsafe::plan::detail {

std::optional<Unit> concurrent_unit(sql::StatementEdit edit, Boundary boundary, const char* rule,
                                    std::string why) {
    edit.make_concurrent();
    auto sql = edit.sql();
    if (!sql) return std::nullopt;
    Unit u;
    u.sql = *sql;
    u.boundary = boundary;
    u.online = true;
    u.rule = rule;
    u.why = std::move(why);
    return u;
}

}  // namespace pgsafe::plan::detail
