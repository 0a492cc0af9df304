// require-concurrent-reindex: REINDEX without CONCURRENTLY holds SHARE on the
// table and ACCESS EXCLUSIVE on the index it rebuilds; since the planner locks
// every index of a table, reads wait as well as writes. CONCURRENTLY (PG 12+) does not.

#include "catalog.hpp"

#include "pgsafe/rules/rule_ids.hpp"

#include <fmt/format.h>

namespace pgsafe::rules {
namespace {

constexpr const char* k_reads_too =
    "writes wait, and so do reads, because planning any query on the table locks all of its indexes";

std::string message(const Context& ctx, const sql::Reindex& reindex) {
    switch (reindex.kind) {
        case sql::ReindexKind::Index:
            return fmt::format(
                "REINDEX INDEX \"{}\" takes ACCESS EXCLUSIVE on the index and SHARE on its table "
                "(pgsafe knows only the index name, so it counts the table as large) until the "
                "rebuild ends: {}",
                reindex.relation.qualified(), k_reads_too);
        case sql::ReindexKind::Table:
            return fmt::format(
                "REINDEX TABLE takes SHARE on {} and ACCESS EXCLUSIVE on each of its indexes "
                "while it rebuilds them: {}",
                ctx.describe(reindex.relation), k_reads_too);
        default:
            return fmt::format(
                "REINDEX {}{} rebuilds every index of every table in it, each table under "
                "SHARE and its indexes under ACCESS EXCLUSIVE: on each table in turn, {}",
                reindex.kind == sql::ReindexKind::Schema ? "SCHEMA" : "DATABASE",
                reindex.name.empty() ? std::string() : fmt::format(" \"{}\"", reindex.name), k_reads_too);
    }
}

std::string concurrent_form(const sql::Reindex& reindex) {
    switch (reindex.kind) {
        case sql::ReindexKind::Index:
            return "REINDEX INDEX CONCURRENTLY " + reindex.relation.qualified() + ";";
        case sql::ReindexKind::Table:
            return "REINDEX TABLE CONCURRENTLY " + reindex.relation.qualified() + ";";
        case sql::ReindexKind::Schema: return "REINDEX SCHEMA CONCURRENTLY " + reindex.name + ";";
        default:
            return "REINDEX DATABASE CONCURRENTLY" + (reindex.name.empty() ? "" : " " + reindex.name) + ";";
    }
}

void check(const Context& ctx, Emitter& emit) {
    const auto* reindex = std::get_if<sql::Reindex>(&ctx.statement().detail);
    // REINDEX SYSTEM has no CONCURRENTLY form: nothing to suggest.
    if (reindex == nullptr || reindex->concurrent || reindex->kind == sql::ReindexKind::System) return;
    bool has_concurrently = ctx.options().pg_version >= 12;
    std::string help =
        has_concurrently
            ? "Use REINDEX … CONCURRENTLY, outside any transaction block (pgsafe migrate does this for you)."
            : "PostgreSQL before 12 has no REINDEX CONCURRENTLY: CREATE INDEX CONCURRENTLY a copy of the "
              "index, "
              "then DROP INDEX CONCURRENTLY the old one and rename the copy.";
    std::optional<sql::RelationName> table;
    if (reindex->kind == sql::ReindexKind::Table) table = reindex->relation;
    emit.report({ctx.statement().span, message(ctx, *reindex), help, table,
                 has_concurrently ? std::optional<std::string>(concurrent_form(*reindex)) : std::nullopt,
                 sql::LockMode::AccessExclusive});
}

}  // namespace

Rule require_concurrent_reindex() {
    return Rule{
        RuleInfo{rule_id::k_require_concurrent_reindex, "REINDEX without CONCURRENTLY",
                 RuleGroup::Availability, Severity::Error, true,
                 "SHARE on the table and ACCESS EXCLUSIVE on each index rebuilt: writes and (through the "
                 "planner) reads wait",
                 "REINDEX … CONCURRENTLY (PostgreSQL 12+), outside a transaction block"},
        check};
}

}  // namespace pgsafe::rules
