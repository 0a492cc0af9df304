#pragma once
// The names the safe forms give the objects they create, shared by the rules'
// fix texts and the planner's rewrites so that what lint suggests is what
// `pgsafe migrate` runs. They come from sql/pg_names (PostgreSQL's own
// makeObjectName): the constraint or index the original statement would
// have created gets the same name. The fix texts are written with fmt, not
// deparsed: building every fix through the deparser's round trip cost lint
// about 15% of its CPU on the corpus; the plan fixture test checks that a
// fix shows the plan's steps.

#include "pgsafe/sql/ir.hpp"

#include <string>
#include <vector>

namespace pgsafe::rules {

// The helper CHECK (col IS NOT NULL) a safe SET NOT NULL goes through:
// <table>_<column>_pgsafe_not_null, shortened the way PostgreSQL shortens names.
std::string not_null_helper_name(const sql::RelationName& table, const std::string& column);

// The names PostgreSQL gives unnamed objects of `table`.
std::string primary_key_name(const sql::RelationName& table);  // t_pkey
std::string unique_key_name(const sql::RelationName& table,
                            const std::vector<std::string>& columns);               // t_a_b_key
std::string check_name(const sql::RelationName& table, const std::string& column);  // t_a_check
std::string index_name(const sql::RelationName& table,
                       const std::vector<std::string>& columns);                       // t_a_b_idx
std::string sequence_name(const sql::RelationName& table, const std::string& column);  // t_a_seq

}  // namespace pgsafe::rules
