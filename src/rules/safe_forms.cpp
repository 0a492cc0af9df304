// The safe forms shared by rule fixes and the planner's rewrites: one place
// that names helper objects and builds their statements.

#include "pgsafe/rules/safe_forms.hpp"

#include "pgsafe/sql/edit.hpp"
#include "pgsafe/sql/pg_names.hpp"

namespace pgsafe::rules {

std::string not_null_helper_name(const sql::RelationName& table, const std::string& column) {
    return sql::make_object_name(table.name, column, "pgsafe_not_null");
}

NotNullSteps not_null_steps(const sql::RelationName& table, const std::string& column) {
    NotNullSteps out;
    out.helper = not_null_helper_name(table, column);
    out.add_check = sql::not_null_check_sql(table, column, out.helper);
    out.validate = sql::validate_constraint_sql(table, out.helper);
    out.set_not_null = sql::set_not_null_sql(table, column);
    out.drop_check = sql::drop_constraint_sql(table, out.helper);
    return out;
}

std::string primary_key_name(const sql::RelationName& table) {
    return sql::make_object_name(table.name, "", "pkey");
}

std::string unique_key_name(const sql::RelationName& table, const std::vector<std::string>& columns) {
    return sql::make_object_name(table.name, sql::name_addition(columns), "key");
}

std::string check_name(const sql::RelationName& table, const std::string& column) {
    return sql::make_object_name(table.name, column, "check");
}

std::string index_name(const sql::RelationName& table, const std::vector<std::string>& columns) {
    return sql::make_object_name(table.name, sql::name_addition(columns), "idx");
}

std::string sequence_name(const sql::RelationName& table, const std::string& column) {
    return sql::make_object_name(table.name, column, "seq");
}

}  // namespace pgsafe::rules
