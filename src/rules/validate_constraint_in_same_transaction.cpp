// validate-constraint-in-same-transaction: VALIDATE CONSTRAINT is the cheap half
// of NOT VALID → VALIDATE only in its own transaction. After the ADD … NOT VALID
// (or any statement that locks the table against writes) in the same block, the
// stronger lock is still held while VALIDATE scans the whole table.

#include "catalog.hpp"

#include "pgsafe/rules/rule_ids.hpp"

#include "pgsafe/sql/position.hpp"

#include <fmt/format.h>

namespace pgsafe::rules {
namespace {

// A lock that stops writes: held across the validation scan, it makes the scan an outage.
bool blocks_writes(sql::LockMode mode) {
    return analysis::lock_conflicts(mode, sql::LockMode::RowExclusive);
}

// What made the validation run under a strong lock.
struct Holder {
    sql::LockMode mode = sql::LockMode::None;
    const sql::Statement* statement = nullptr;  // nullptr: the VALIDATE's own statement
    bool adds_constraint = false;               // the ADD … NOT VALID of this very constraint
};

enum class Added { No, NotValid, Valid };

// Whether `statement` adds the constraint `name` to `table`, and how.
Added adds_constraint(const sql::Statement& statement, const sql::RelationName& table,
                      const std::string& name) {
    const auto* alter = std::get_if<sql::AlterTable>(&statement.detail);
    if (alter == nullptr || !alter->table.may_be(table)) return Added::No;
    for (const auto& action : alter->actions) {
        if (action.kind == sql::AlterKind::AddConstraint && action.constraint &&
            action.constraint->name == name)
            return action.constraint->not_valid ? Added::NotValid : Added::Valid;
    }
    return Added::No;
}

sql::LockMode lock_on(const analysis::Effects& effects, const sql::RelationName& table) {
    sql::LockMode mode = sql::LockMode::None;
    for (const auto& lock : effects.locks) {
        if (!lock.relation.empty() && lock.relation.may_be(table)) mode = std::max(mode, lock.mode);
    }
    return mode;
}

// Earlier statements of the same explicit transaction block: the ADD of this
// constraint if there is one, else the strongest write-blocking lock on the table.
Holder earlier_holder(const Context& ctx, const sql::RelationName& table, const std::string& name) {
    Holder best;
    const size_t block = ctx.current().transaction;
    for (size_t i = ctx.index(); i-- > 0;) {
        const StatementInfo& info = ctx.statements()[i];
        if (info.transaction != block) break;
        sql::LockMode mode = lock_on(info.effects, table);
        switch (adds_constraint(*info.statement, table, name)) {
            case Added::NotValid:
                return Holder{std::max(mode, info.effects.strongest()), info.statement, true};
            case Added::Valid: return Holder{};  // already valid: VALIDATE has nothing to scan
            case Added::No: break;
        }
        if (blocks_writes(mode) && mode > best.mode) best = Holder{mode, info.statement, false};
    }
    return best;
}

// Other subcommands of the VALIDATE's own ALTER TABLE: their lock is held during the scan too.
sql::LockMode same_statement_lock(const sql::AlterTable& alter) {
    sql::LockMode mode = sql::LockMode::None;
    for (const auto& action : alter.actions) {
        if (action.kind != sql::AlterKind::ValidateConstraint)
            mode = std::max(mode, analysis::alter_action_lock(alter.object, action));
    }
    return mode;
}

// "ALTER TABLE", "CREATE INDEX", … for the statement that took the lock.
const char* statement_name(const sql::Statement& statement) {
    if (std::holds_alternative<sql::AlterTable>(statement.detail)) return "ALTER TABLE";
    if (std::holds_alternative<sql::CreateIndex>(statement.detail)) return "CREATE INDEX";
    if (std::holds_alternative<sql::LockTable>(statement.detail)) return "LOCK TABLE";
    if (std::holds_alternative<sql::Reindex>(statement.detail)) return "REINDEX";
    if (std::holds_alternative<sql::Truncate>(statement.detail)) return "TRUNCATE";
    if (std::holds_alternative<sql::Cluster>(statement.detail)) return "CLUSTER";
    if (std::holds_alternative<sql::Rename>(statement.detail)) return "rename";
    return "statement";
}

const char* blocked(sql::LockMode mode) {
    return mode == sql::LockMode::AccessExclusive ? "reads and writes" : "writes";
}

std::string message(const Context& ctx, const sql::AlterTable& alter, const sql::AlterTableAction& action,
                    const Holder& holder) {
    const char* mode = sql::lock_mode_name(holder.mode);
    if (holder.statement == nullptr)
        return fmt::format(
            "VALIDATE CONSTRAINT \"{}\" shares its ALTER TABLE with subcommands that take {} on "
            "{}: {} wait until the validation scan ends",
            action.name, mode, ctx.describe(alter.table), blocked(holder.mode));
    size_t line = sql::LineIndex(ctx.file().text).position(holder.statement->span.begin).line;
    std::string earlier = holder.adds_constraint
                              ? fmt::format("the ADD CONSTRAINT … NOT VALID on line {}", line)
                              : fmt::format("the {} on line {}", statement_name(*holder.statement), line);
    return fmt::format(
        "VALIDATE CONSTRAINT \"{}\" runs in the same transaction as {}, which holds {} on {} "
        "until COMMIT: {} wait until the validation scan ends",
        action.name, earlier, mode, ctx.describe(alter.table), blocked(holder.mode));
}

void report(const Context& ctx, Emitter& emit, const sql::AlterTable& alter,
            const sql::AlterTableAction& action, const Holder& holder) {
    bool own_statement = holder.statement == nullptr;
    emit.report({action.span, message(ctx, alter, action, holder),
                 own_statement
                     ? "Run VALIDATE CONSTRAINT as an ALTER TABLE of its own, in its own transaction: "
                       "alone it takes only SHARE UPDATE EXCLUSIVE, so reads and writes go on."
                     : "COMMIT before VALIDATE CONSTRAINT and run it in its own transaction: alone it "
                       "takes only SHARE UPDATE EXCLUSIVE, so reads and writes go on while it scans.",
                 alter.table,
                 fmt::format("{}ALTER TABLE {} VALIDATE CONSTRAINT {};", own_statement ? "" : "COMMIT;\n",
                             alter.table.qualified(), action.name),
                 holder.mode});
}

void check(const Context& ctx, Emitter& emit) {
    const auto* alter = std::get_if<sql::AlterTable>(&ctx.statement().detail);
    if (alter == nullptr) return;
    for (const auto& action : alter->actions) {
        if (action.kind != sql::AlterKind::ValidateConstraint) continue;
        Holder holder;
        if (ctx.current().transaction != 0) holder = earlier_holder(ctx, alter->table, action.name);
        sql::LockMode own = same_statement_lock(*alter);
        if (!holder.adds_constraint && blocks_writes(own) && own > holder.mode)
            holder = Holder{own, nullptr, false};
        if (holder.adds_constraint || blocks_writes(holder.mode)) report(ctx, emit, *alter, action, holder);
    }
}

}  // namespace

Rule validate_constraint_in_same_transaction() {
    return Rule{
        RuleInfo{rule_id::k_validate_constraint_in_same_transaction,
                 "VALIDATE CONSTRAINT in the same transaction as the ADD … NOT VALID, or after another "
                 "strong lock on the table",
                 RuleGroup::Availability, Severity::Error, true,
                 "the earlier statement's lock (ACCESS EXCLUSIVE for CHECK, SHARE ROW EXCLUSIVE for a "
                 "foreign key) held while VALIDATE scans the table",
                 "COMMIT after ADD … NOT VALID; VALIDATE CONSTRAINT in its own transaction"},
        check};
}

}  // namespace pgsafe::rules
