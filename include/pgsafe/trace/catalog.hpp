#pragma once
// A database's schema as sorted lines, without OIDs, so that two databases
// can be compared: relations (with partition bounds), columns, constraints
// with their validity, indexes with their validity, functions, and per table
// its row count and a hash of its rows. `pgsafe trace --plan` proves a plan
// equivalent to the file as written with it; the plan equivalence tests and
// the per-statement "what changed" of `pgsafe trace` use it too.

#include "pgsafe/db/connection.hpp"

#include <string>
#include <vector>

namespace pgsafe::trace {

// Every relation, column, constraint, index and function outside the system
// schemas and pgsafe's tracking schema, one line each, sorted. Objects of
// schema public are named bare ("column t.c: …"), others with their schema.
std::vector<std::string> describe_catalog(db::Connection& connection);

// Per table and materialized view: "rows of t: N, md5 …" (timestamp columns
// are left out of the hash: defaults like now() differ between two runs).
std::vector<std::string> describe_rows(db::Connection& connection);

// describe_catalog and describe_rows together, sorted.
std::vector<std::string> describe(db::Connection& connection);

// The constraints left NOT VALID and the indexes left INVALID.
std::vector<std::string> invalid_objects(db::Connection& connection);

// How two descriptions differ, line by line (both sorted).
struct CatalogDiff {
    std::vector<std::string> only_in_first;
    std::vector<std::string> only_in_second;
    bool empty() const { return only_in_first.empty() && only_in_second.empty(); }
};
CatalogDiff compare_descriptions(const std::vector<std::string>& first,
                                 const std::vector<std::string>& second);

// "- line" for what only the first has, "+ line" for what only the second has.
std::vector<std::string> diff_lines(const CatalogDiff& diff);

}  // namespace pgsafe::trace
