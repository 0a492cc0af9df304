// require-statement-timeout (external runners): the first statement that
// takes a lock stronger than ROW EXCLUSIVE with no statement_timeout set.
// Nothing bounds how long it holds that lock if it turns out slow.

#include "catalog.hpp"
#include "timeout_settings.hpp"

#include <fmt/format.h>

namespace pgsafe::rules {
namespace {

void check(const Context& ctx, Emitter& emit) {
    auto lock = first_unguarded_lock(ctx, "statement_timeout");
    if (!lock || lock->statement != ctx.index()) return;
    const std::string on = lock->relation.empty() ? std::string("a table") : ctx.describe(lock->relation);
    emit.report(
        {ctx.statement().span,
         fmt::format(
             "this statement takes {} on {} with no statement_timeout set: nothing bounds how long it "
             "holds the lock, and it blocks {} until it ends",
             sql::lock_mode_name(lock->mode), on, analysis::lock_blocks(lock->mode)),
         "Set a statement_timeout before the first such statement, long enough for the slowest step "
         "(pgsafe migrate sets one per step for you).",
         lock->relation.empty() ? std::nullopt : std::optional<sql::RelationName>(lock->relation),
         "SET statement_timeout = '5min';", lock->mode});
}

}  // namespace

Rule require_statement_timeout() {
    return Rule{RuleInfo{"require-statement-timeout",
                         "A strong lock taken with no statement_timeout set (files run by another tool)",
                         RuleGroup::ExternalRunner, Severity::Warning, false,
                         "any lock stronger than ROW EXCLUSIVE, held for as long as the statement runs",
                         "SET statement_timeout = '…'; at the top of the file"},
                check};
}

}  // namespace pgsafe::rules
