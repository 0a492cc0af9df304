// access-exclusive-held-across-statements: inside an explicit BEGIN … COMMIT
// block, an ACCESS EXCLUSIVE lock stays held until COMMIT, so every statement
// after the one that took it stretches the time all traffic to the table (and
// the lock queue behind it) waits. Reported once per lock, on the first
// later statement that has to lock something else.

#include "catalog.hpp"

#include "pgsafe/rules/rule_ids.hpp"

#include "pgsafe/sql/position.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace pgsafe::rules {
namespace {

using analysis::Effects;

struct HeldLock {
    sql::RelationName table;
    size_t taken_at = 0;  // statement index
    bool reported = false;
};

bool takes_access_exclusive(const Effects& effects, const sql::RelationName& table) {
    const analysis::RelationLock* lock = effects.lock_on(table);
    return lock != nullptr && lock->mode == sql::LockMode::AccessExclusive;
}

// Statements that lock nothing (SET, SAVEPOINT, …) end at once and wait for nobody.
bool locks_anything(const Effects& effects) {
    return effects.unknown || !effects.locks.empty();
}

bool ends_block(const sql::Statement& statement) {
    const auto* tx = std::get_if<sql::Transaction>(&statement.detail);
    return tx != nullptr &&
           (tx->kind == sql::TransactionKind::Commit || tx->kind == sql::TransactionKind::Rollback ||
            tx->kind == sql::TransactionKind::Prepare);
}

// Whether statement `k` holds `held` across itself: it locks something, but
// not the held table in ACCESS EXCLUSIVE (then it would hold it anyway).
bool extends_hold(const StatementInfo& k, const HeldLock& held) {
    return !ends_block(*k.statement) && locks_anything(k.effects) &&
           !takes_access_exclusive(k.effects, held.table);
}

// Replays the block up to the current statement: which ACCESS EXCLUSIVE
// locks are held, and whether an earlier statement was already reported.
std::vector<HeldLock> held_before(const Context& ctx, size_t block) {
    const auto& all = ctx.statements();
    size_t first = ctx.index();
    while (first > 0 && all[first - 1].transaction == block) --first;
    std::vector<HeldLock> held;
    for (size_t k = first; k < ctx.index(); ++k) {
        for (auto& h : held) h.reported = h.reported || extends_hold(all[k], h);
        for (const auto& lock : all[k].effects.locks) {
            if (lock.mode != sql::LockMode::AccessExclusive || lock.relation.empty() || lock.new_relation)
                continue;
            bool known = std::any_of(held.begin(), held.end(),
                                     [&](const HeldLock& h) { return h.table == lock.relation; });
            if (!known) held.push_back({lock.relation, k, false});
        }
    }
    return held;
}

void check(const Context& ctx, Emitter& emit) {
    const StatementInfo& current = ctx.current();
    if (current.transaction == 0) return;
    std::vector<HeldLock> held = held_before(ctx, current.transaction);
    if (held.empty()) return;
    sql::LineIndex lines(ctx.file().text);
    for (const auto& h : held) {
        if (h.reported || !extends_hold(current, h)) continue;
        size_t line = lines.position(ctx.statements()[h.taken_at].statement->span.begin).line;
        emit.report(
            {ctx.statement().span,
             fmt::format("{} is still locked ACCESS EXCLUSIVE by the statement at line {} while this one "
                         "runs: every read and write of \"{}\" waits until the transaction ends",
                         ctx.describe(h.table), line, h.table.qualified()),
             fmt::format("Commit right after the statement at line {}, and run this one in a transaction "
                         "of its own.",
                         line),
             h.table, std::nullopt, sql::LockMode::AccessExclusive});
    }
}

}  // namespace

Rule access_exclusive_held_across_statements() {
    return Rule{
        RuleInfo{rule_id::k_access_exclusive_held_across_statements,
                 "An ACCESS EXCLUSIVE lock held across later statements of the same transaction",
                 RuleGroup::Availability, Severity::Warning, true,
                 "ACCESS EXCLUSIVE held from the statement that takes it until COMMIT",
                 "commit right after the statement that takes ACCESS EXCLUSIVE; run the rest in their "
                 "own transactions"},
        check};
}

}  // namespace pgsafe::rules
