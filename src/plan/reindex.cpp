// REINDEX blocks writes (and reads that use the index) for the whole
// rebuild; REINDEX … CONCURRENTLY builds a new copy beside the old one. But
// it is not the same statement: it skips INVALID indexes (REINDEX rebuilds
// them valid) and refuses exclusion-constraint and system-catalog indexes,
// and the table facts do not say which an index is. So pgsafe keeps REINDEX
// as written, with its finding: the fix is the reviewer's to make.

#include "rewrite.hpp"

namespace pgsafe::plan::detail {

std::optional<Rewrite> reindex_concurrently(const RewriteContext& ctx) {
    const auto* reindex = std::get_if<sql::Reindex>(&ctx.statement.detail);
    if (reindex == nullptr || reindex->concurrent || !ctx.found(rules::rule_id::k_require_concurrent_reindex))
        return std::nullopt;
    ctx.declined =
        "kept as written: REINDEX … CONCURRENTLY leaves INVALID indexes invalid and refuses exclusion-"
        "constraint and system-catalog indexes, which pgsafe cannot rule out; write CONCURRENTLY yourself "
        "where you know it fits";
    return std::nullopt;
}

}  // namespace pgsafe::plan::detail
