// long-blocking-lock: the rule that keeps lint and the lock model from drifting
// apart. Any statement whose effects are a lock that blocks reads or writes,
// held while an existing table is scanned or rewritten, gets a finding here
// unless a specific rule owns that form (it reports it, or knows it is safe).

#include "catalog.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

namespace pgsafe::rules {
namespace {

using sql::AlterKind;

constexpr const char* k_generic_help =
    "pgsafe knows no online form for this statement: run it in a maintenance window, or move the work "
    "out of the migration; on a table small enough that the lock is brief, say so with -- pgsafe:ignore "
    "long-blocking-lock <reason>.";

// Statement kinds a specific rule judges in full (it reports, or it knows
// better than the model that the work is not done): CREATE INDEX, REINDEX,
// REFRESH MATERIALIZED VIEW, VACUUM FULL and CLUSTER.
bool owned_statement(const sql::Detail& detail) {
    return std::holds_alternative<sql::CreateIndex>(detail) || std::holds_alternative<sql::Reindex>(detail) ||
           std::holds_alternative<sql::RefreshMaterializedView>(detail) ||
           std::holds_alternative<sql::Vacuum>(detail) || std::holds_alternative<sql::Cluster>(detail);
}

// ALTER TABLE subcommands a specific rule judges: constraints (foreign key,
// CHECK, UNIQUE, PRIMARY KEY, EXCLUDE), ADD COLUMN (volatile defaults, serial,
// identity, generated, required and inline constraints), type changes (the
// rule sees the old type when this file set it) and SET NOT NULL (the rule
// sees a validated CHECK that makes the scan unnecessary).
bool owned_action(sql::ObjectKind object, const sql::AlterTableAction& action) {
    switch (action.kind) {
        case AlterKind::AddConstraint:
            if (object == sql::ObjectKind::Table) return true;
            return action.constraint && (action.constraint->kind == sql::ConstraintKind::ForeignKey ||
                                         action.constraint->kind == sql::ConstraintKind::Exclusion);
        case AlterKind::AddColumn:
        case AlterKind::AlterColumnType:
        case AlterKind::SetNotNull: return object == sql::ObjectKind::Table;
        default: return false;
    }
}

const char* action_form(const sql::AlterTableAction& action) {
    switch (action.kind) {
        case AlterKind::SetTablespace: return "SET TABLESPACE";
        case AlterKind::SetLogged: return "SET LOGGED";
        case AlterKind::SetUnlogged: return "SET UNLOGGED";
        case AlterKind::SetAccessMethod: return "SET ACCESS METHOD";
        case AlterKind::AttachPartition: return "ATTACH PARTITION";
        case AlterKind::AddColumn: return "ADD COLUMN";
        case AlterKind::AlterColumnType: return "ALTER COLUMN … TYPE";
        case AlterKind::SetNotNull: return "SET NOT NULL";
        case AlterKind::AddConstraint: return "ADD CONSTRAINT";
        case AlterKind::ValidateConstraint: return "VALIDATE CONSTRAINT";
        default: return "ALTER";
    }
}

std::string action_help(sql::ObjectKind object, const sql::AlterTableAction& action) {
    switch (action.kind) {
        case AlterKind::SetTablespace:
            if (object == sql::ObjectKind::Index)
                return "Build a copy with CREATE INDEX CONCURRENTLY … TABLESPACE, then DROP INDEX "
                       "CONCURRENTLY "
                       "the old one and rename the copy.";
            return "PostgreSQL has no online form: move the table with pg_repack --tablespace (run by a "
                   "DBA), "
                   "or run this in a maintenance window.";
        case AlterKind::SetLogged:
        case AlterKind::SetUnlogged:
        case AlterKind::SetAccessMethod:
            return "PostgreSQL has no online form: run this in a maintenance window.";
        case AlterKind::AttachPartition:
            return "Before attaching, add a CHECK constraint that matches the partition bound with NOT VALID "
                   "and "
                   "VALIDATE it in its own transaction: ATTACH PARTITION then skips the scan. Drop the CHECK "
                   "afterwards.";
        default: return k_generic_help;
    }
}

// "ALTER TABLE" / "ALTER INDEX" / …: the statement's first two words, upper-cased.
std::string leading_words(std::string_view text, size_t count) {
    std::string out;
    size_t i = 0;
    for (size_t word = 0; word < count; ++word) {
        while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
        if (i >= text.size()) break;
        if (!out.empty()) out += ' ';
        while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i])) && text[i] != '(' &&
               text[i] != ';')
            out += static_cast<char>(std::toupper(static_cast<unsigned char>(text[i++])));
    }
    return out;
}

std::string work_phrase(analysis::TableWork work, bool index) {
    if (index) return work == analysis::TableWork::Rewrite ? "copies it" : "reads all of it";
    return work == analysis::TableWork::Rewrite ? "rewrites it (and rebuilds its indexes)"
                                                : "scans every row of it";
}

std::string describe_with_size(const Context& ctx, const sql::RelationName& relation) {
    std::string out = ctx.describe(relation);
    if (ctx.size_class(relation) == SizeClass::Unknown) out += " (size unknown)";
    return out;
}

void report(const Context& ctx, Emitter& emit, sql::Span span, const std::string& form,
            const analysis::RelationLock& lock, analysis::TableWork work, bool index, std::string help) {
    emit.report({span,
                 fmt::format("{} takes {} on {} and {} while holding it: {} wait until it ends", form,
                             sql::lock_mode_name(lock.mode), describe_with_size(ctx, lock.relation),
                             work_phrase(work, index), analysis::lock_blocks(lock.mode)),
                 std::move(help), lock.relation, std::nullopt, lock.mode});
}

void check_alter(const Context& ctx, Emitter& emit, const sql::AlterTable& alter) {
    const auto& effects = ctx.current().effects;
    std::string statement = leading_words(ctx.text(ctx.statement().span), 2);
    std::vector<sql::RelationName> reported;
    for (const auto& action : alter.actions) {
        if (owned_action(alter.object, action)) continue;
        bool attach = action.kind == AlterKind::AttachPartition;
        const sql::RelationName& relation = attach ? action.partition : alter.table;
        analysis::TableWork work =
            attach ? analysis::TableWork::Scan : analysis::alter_action_work(alter.object, action);
        if (work == analysis::TableWork::None) continue;
        const analysis::RelationLock* lock = effects.lock_on(relation);
        if (lock == nullptr || !analysis::long_blocking_lock(ctx.statement(), *lock)) continue;
        if (std::find(reported.begin(), reported.end(), relation) != reported.end()) continue;
        reported.push_back(relation);
        std::string form = fmt::format("{} … {}", statement, action_form(action));
        if (attach) form += fmt::format(" {}", relation.qualified());
        bool index = alter.object == sql::ObjectKind::Index && !attach;
        report(ctx, emit, action.span, form, *lock, work, index, action_help(alter.object, action));
    }
}

// ALTER DOMAIN … ADD CONSTRAINT / VALIDATE / SET NOT NULL: the tables are the
// ones with a column of the domain, which the statement does not name.
void check_domain(const Context& ctx, Emitter& emit, const sql::AlterDomain& domain) {
    const auto& locks = ctx.current().effects.locks;
    if (locks.empty() || !analysis::long_blocking_lock(ctx.statement(), locks.front())) return;
    bool validate = domain.kind == sql::AlterDomainKind::ValidateConstraint;
    emit.report(
        {ctx.statement().span,
         fmt::format(
             "{} takes SHARE on every table with a column of domain \"{}\" and scans each of them while "
             "holding it: writes to those tables wait until it ends",
             leading_words(ctx.text(ctx.statement().span), 2) + " … " +
                 (validate                                          ? "VALIDATE CONSTRAINT"
                  : domain.kind == sql::AlterDomainKind::SetNotNull ? "SET NOT NULL"
                                                                    : "ADD CONSTRAINT"),
             domain.domain.qualified()),
         validate
             ? "PostgreSQL 15 validates a domain constraint under SHARE on every table that uses the domain "
               "(unlike a table's VALIDATE): run it when writes to those tables can wait, or in a "
               "maintenance window."
             : "Add the constraint with NOT VALID (no lock, no scan; new values are checked at once), and "
               "VALIDATE it when writes to the tables using the domain can wait: in PostgreSQL 15 "
               "VALIDATE still takes SHARE on them while it scans.",
         std::nullopt, std::nullopt, sql::LockMode::Share});
}

void check(const Context& ctx, Emitter& emit) {
    const sql::Statement& statement = ctx.statement();
    if (const auto* domain = std::get_if<sql::AlterDomain>(&statement.detail))
        return check_domain(ctx, emit, *domain);
    if (const auto* alter = std::get_if<sql::AlterTable>(&statement.detail))
        return check_alter(ctx, emit, *alter);
    if (owned_statement(statement.detail)) return;
    // Any other statement the model gives such a lock: no rule knows it yet.
    for (const auto& lock : ctx.current().effects.locks) {
        if (lock.relation.empty() || !analysis::long_blocking_lock(statement, lock)) continue;
        report(ctx, emit, statement.span, leading_words(ctx.text(statement.span), 3), lock, lock.work, false,
               k_generic_help);
    }
}

}  // namespace

Rule long_blocking_lock() {
    return Rule{RuleInfo{"long-blocking-lock",
                         "A lock that blocks reads or writes, held while an existing table is scanned or "
                         "rewritten, in a form no more specific rule covers",
                         RuleGroup::Availability, Severity::Error, true,
                         "SHARE or stronger on the table for the whole scan or rewrite",
                         "the form's own online alternative (named in the help), else a maintenance window"},
                check};
}

}  // namespace pgsafe::rules
