// lock-table: an explicit LOCK TABLE in SHARE mode or stronger blocks writes
// (ACCESS EXCLUSIVE: reads too) and holds the lock until the transaction
// ends, however long the statements after it take.

#include "catalog.hpp"

#include <fmt/format.h>

namespace pgsafe::rules {
namespace {

void check(const Context& ctx, Emitter& emit) {
    const auto* lock = std::get_if<sql::LockTable>(&ctx.statement().detail);
    // Weaker modes (up to SHARE UPDATE EXCLUSIVE) let reads and writes go on.
    if (lock == nullptr || lock->mode < sql::LockMode::Share) return;
    const char* mode = sql::lock_mode_name(lock->mode);
    for (const auto& table : lock->tables) {
        emit.report(
            {ctx.statement().span,
             fmt::format("LOCK TABLE takes {} on {} and holds it until the transaction ends, blocking {}",
                         mode, ctx.describe(table), analysis::lock_blocks(lock->mode)),
             "Remove the explicit lock and let each statement take the lock it needs; if the migration "
             "really needs it, take the weakest mode that works and commit right after the statements "
             "that need it.",
             table, std::nullopt, lock->mode});
    }
}

}  // namespace

Rule lock_table() {
    return Rule{RuleInfo{"lock-table", "Explicit LOCK TABLE in SHARE mode or stronger",
                         RuleGroup::Availability, Severity::Error, true,
                         "the mode written (ACCESS EXCLUSIVE by default), held until the transaction ends",
                         "no explicit lock: let each statement take its own, in short transactions"},
                check};
}

}  // namespace pgsafe::rules
