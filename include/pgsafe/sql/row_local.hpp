#pragma once
// Whether an UPDATE or DELETE is row-local: each row's new value (or its
// deletion) depends on that row alone, so running the statement in key
// ranges, each range its own transaction, gives the same rows as running it
// once. Read from the statement's own parse tree, without a catalog.

#include <optional>
#include <string>
#include <vector>

namespace pgsafe::sql {

// Why running `statement` (one UPDATE or DELETE) in batches could change
// its result, as a phrase for a step's `why` ("it has a subquery, which …"),
// or nullopt when it is provably row-local.
std::optional<std::string> batching_hazard(const std::string& statement);

// The columns an UPDATE's SET assigns (none for a DELETE), as written;
// nullopt when the statement is neither or does not parse.
std::optional<std::vector<std::string>> assigned_columns(const std::string& statement);

}  // namespace pgsafe::sql
