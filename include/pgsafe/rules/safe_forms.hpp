#pragma once
// The safe forms a rule's fix shows and the planner runs, built by the same
// functions: statements from sql/edit's builders (trees, deparsed), names
// from sql/pg_names (PostgreSQL's own naming). What lint suggests is then
// what `pgsafe migrate` does.

#include "pgsafe/sql/ir.hpp"

#include <string>
#include <vector>

namespace pgsafe::rules {

// The helper CHECK (col IS NOT NULL) a safe SET NOT NULL goes through:
// <table>_<column>_pgsafe_not_null, shortened the way PostgreSQL shortens names.
std::string not_null_helper_name(const sql::RelationName& table, const std::string& column);

// SET NOT NULL without a long lock: the helper CHECK NOT VALID (brief lock),
// VALIDATE it (SHARE UPDATE EXCLUSIVE), SET NOT NULL (no scan since PostgreSQL
// 12), then drop the helper.
struct NotNullSteps {
    std::string helper;  // the helper CHECK's name
    std::string add_check;
    std::string validate;
    std::string set_not_null;
    std::string drop_check;
};
NotNullSteps not_null_steps(const sql::RelationName& table, const std::string& column);

// The names PostgreSQL gives unnamed objects of `table` (makeObjectName).
std::string primary_key_name(const sql::RelationName& table);  // t_pkey
std::string unique_key_name(const sql::RelationName& table,
                            const std::vector<std::string>& columns);                             // t_a_b_key
std::string check_name(const sql::RelationName& table, const std::string& column);                // t_a_check
std::string index_name(const sql::RelationName& table, const std::vector<std::string>& columns);  // t_a_b_idx
std::string sequence_name(const sql::RelationName& table, const std::string& column);             // t_a_seq

}  // namespace pgsafe::rules
