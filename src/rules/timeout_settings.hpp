#pragma once
// For require-lock-timeout and require-statement-timeout: which statement of
// the file is the first to take a lock stronger than ROW EXCLUSIVE while no
// `SET lock_timeout` / `SET statement_timeout` (non-zero) is in force.

#include "pgsafe/rules/rule.hpp"

#include <fmt/format.h>

#include <cctype>
#include <optional>
#include <string>

namespace pgsafe::rules {

struct UnguardedLock {
    size_t statement = 0;
    sql::RelationName relation;  // empty when the IR does not name the locked relation
    sql::LockMode mode = sql::LockMode::None;
};

// "0", "0ms", "0s", "0.0" … : a timeout of zero turns the timeout off.
inline bool is_zero_timeout(const std::string& value) {
    size_t i = 0;
    bool digits = false;
    while (i < value.size() && (std::isdigit(static_cast<unsigned char>(value[i])) || value[i] == '.')) {
        if (value[i] != '0' && value[i] != '.') return false;
        digits = digits || value[i] == '0';
        ++i;
    }
    return digits;
}

// The strongest lock a statement takes on a relation other sessions can
// already be using: relations it creates, or that earlier statements of the
// pending set created, have nobody waiting on them.
inline std::optional<UnguardedLock> contended_lock(const Context& ctx, size_t index) {
    std::optional<UnguardedLock> out;
    for (const auto& lock : ctx.statements()[index].effects.locks) {
        if (lock.new_relation || lock.mode <= sql::LockMode::RowExclusive) continue;
        if (!lock.relation.empty() && ctx.created_in_pending_set(lock.relation)) continue;
        if (!out || lock.mode > out->mode) out = UnguardedLock{index, lock.relation, lock.mode};
    }
    return out;
}

// Walks the file up to the current statement, following SET / SET LOCAL /
// RESET of `setting`; returns the first statement that takes a contended lock
// stronger than ROW EXCLUSIVE while the setting is not in force.
inline std::optional<UnguardedLock> first_unguarded_lock(const Context& ctx, const std::string& setting) {
    bool session = false;    // the session value (SET), non-zero
    size_t local_block = 0;  // transaction block of a SET LOCAL (0: none in force)
    bool local = false;      // that SET LOCAL's value, non-zero
    const auto& statements = ctx.statements();
    for (size_t i = 0; i <= ctx.index() && i < statements.size(); ++i) {
        const StatementInfo& info = statements[i];
        if (local_block != 0 && info.transaction != local_block) local_block = 0;  // its block ended
        if (const auto* set = std::get_if<sql::VariableSet>(&info.statement->detail)) {
            const bool all = set->reset && (set->name.empty() || set->name == "all");
            if (set->name != setting && !all) continue;
            if (set->reset) {
                session = false;
                local_block = 0;
            } else if (set->local) {
                // Outside a transaction block SET LOCAL has no effect (PostgreSQL only warns).
                if (info.transaction != 0) {
                    local_block = info.transaction;
                    local = !is_zero_timeout(set->value);
                }
            } else {
                session = !is_zero_timeout(set->value);
                local_block = 0;
            }
            continue;
        }
        const bool guarded = local_block != 0 ? local : session;
        if (guarded) continue;
        if (auto lock = contended_lock(ctx, i)) return lock;
    }
    return std::nullopt;
}

}  // namespace pgsafe::rules
