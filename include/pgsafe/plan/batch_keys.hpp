#pragma once
// How a batched step finds the keys of its next batch: the first and the
// last of the next keys in the key's index order, the last reached by
// skipping (OFFSET on an index-only scan), with no keys collected, counted
// or sorted. One text for pgsafe migrate (runner/batch_sql.cpp) and the DO
// block of --emit-sql (report/plan_text.cpp), so both walk a key alike.

#include "pgsafe/plan/plan.hpp"

#include <optional>
#include <string>
#include <vector>

namespace pgsafe::plan {

struct NextKeys {
    std::vector<std::string> key;  // the key's columns, quoted: "tenant", "id"
    // "(SELECT <key> … LIMIT 1) f, (…) l": the batch's first key as f, its
    // last as l (with a column "pgsafe full" when a limit was given); no row
    // when no key is left.
    std::string from;
    // How many keys the batch takes: an expression over f and l.
    std::string count;
};

// The next `limit` keys of `batch`'s table (all that are left when nullopt)
// after `after`, one SQL expression per key column (literals, or PL/pgSQL
// variables), or from the first key when nullopt; `inclusive` takes `after`
// as the batch's first key (legacy range steps). `until`, when given, is the
// last key a batch may take (the end of one session's part of the key).
NextKeys next_keys(const Batch& batch, const std::optional<std::vector<std::string>>& after,
                   std::optional<long> limit, bool inclusive = false,
                   const std::optional<std::vector<std::string>>& until = std::nullopt);

}  // namespace pgsafe::plan
