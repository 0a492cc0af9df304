// require-lock-timeout (external runners): the first statement that takes a
// lock stronger than ROW EXCLUSIVE with no lock_timeout set. While it waits
// for its lock, every query that conflicts with it queues behind it.

#include "catalog.hpp"
#include "timeout_settings.hpp"

#include <fmt/format.h>

namespace pgsafe::rules {
namespace {

void check(const Context& ctx, Emitter& emit) {
    auto lock = first_unguarded_lock(ctx, "lock_timeout");
    if (!lock || lock->statement != ctx.index()) return;
    const std::string on = lock->relation.empty() ? std::string("a table") : ctx.describe(lock->relation);
    emit.report(
        {ctx.statement().span,
         fmt::format("this statement takes {} on {} with no lock_timeout set: while it waits for the lock "
                     "behind any long-running transaction, it blocks {} for every session that comes "
                     "after it",
                     sql::lock_mode_name(lock->mode), on, analysis::lock_blocks(lock->mode)),
         "Set a short lock_timeout before the first such statement, and retry the migration when it "
         "times out (pgsafe migrate does both for you).",
         lock->relation.empty() ? std::nullopt : std::optional<sql::RelationName>(lock->relation),
         "SET lock_timeout = '2s';", lock->mode});
}

}  // namespace

Rule require_lock_timeout() {
    return Rule{RuleInfo{"require-lock-timeout",
                         "A strong lock taken with no lock_timeout set (files run by another tool)",
                         RuleGroup::ExternalRunner, Severity::Warning, false,
                         "any lock stronger than ROW EXCLUSIVE; the wait for it blocks others",
                         "SET lock_timeout = '2s'; at the top of the file, and retry on timeout"},
                check};
}

}  // namespace pgsafe::rules
