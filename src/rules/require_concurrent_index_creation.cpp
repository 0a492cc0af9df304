// require-concurrent-index-creation: CREATE INDEX without CONCURRENTLY holds
// SHARE on the table for the whole build, so every INSERT, UPDATE and DELETE
// waits. CONCURRENTLY builds under SHARE UPDATE EXCLUSIVE: writes go on.

#include "catalog.hpp"

#include "pgsafe/rules/rule_ids.hpp"

#include <fmt/format.h>

namespace pgsafe::rules {
namespace {

std::string column_list(const sql::CreateIndex& index) {
    std::string out;
    for (const auto& column : index.columns) {
        if (!out.empty()) out += ", ";
        out += column.expression || column.name.empty() ? std::string("(…)") : column.name;
    }
    return out.empty() ? std::string("…") : out;
}

// The statement again with CONCURRENTLY, for people to read (pgsafe plan does the real rewrite).
std::string concurrent_form(const sql::CreateIndex& index) {
    std::string out = fmt::format("CREATE {}INDEX CONCURRENTLY ", index.unique ? "UNIQUE " : "");
    if (index.if_not_exists) out += "IF NOT EXISTS ";
    if (!index.name.empty()) out += index.name + " ";
    out += "ON " + index.table.qualified();
    if (!index.access_method.empty() && index.access_method != "btree")
        out += " USING " + index.access_method;
    out += " (" + column_list(index) + ")";
    if (index.partial) out += " WHERE …";
    return out + ";";
}

void check(const Context& ctx, Emitter& emit) {
    const auto* index = std::get_if<sql::CreateIndex>(&ctx.statement().detail);
    // ON ONLY builds nothing on a partitioned table (it adds an invalid parent index
    // that partitions' indexes are attached to later), which is what it is for.
    if (index == nullptr || index->concurrent || index->only) return;
    bool in_block = ctx.current().transaction != 0;
    emit.report(
        {ctx.statement().span,
         fmt::format("CREATE {}INDEX takes SHARE on {} while it builds the index: inserts, updates and "
                     "deletes wait until the build ends",
                     index->unique ? "UNIQUE " : "", ctx.describe(index->table)),
         in_block ? "Use CREATE INDEX CONCURRENTLY, and move it out of the BEGIN … COMMIT block: it "
                    "cannot run inside a transaction (pgsafe migrate runs it on its own and rebuilds an "
                    "index left INVALID by a failed build)."
                  : "Use CREATE INDEX CONCURRENTLY, outside any transaction block (pgsafe migrate runs it "
                    "on its own and rebuilds an index left INVALID by a failed build).",
         index->table, concurrent_form(*index), sql::LockMode::Share});
}

}  // namespace

Rule require_concurrent_index_creation() {
    return Rule{
        RuleInfo{rule_id::k_require_concurrent_index_creation,
                 "Creating an index on an existing table without CONCURRENTLY", RuleGroup::Availability,
                 Severity::Error, true, "SHARE on the table for the whole index build: writes wait",
                 "CREATE INDEX CONCURRENTLY, outside a transaction block"},
        check};
}

}  // namespace pgsafe::rules
