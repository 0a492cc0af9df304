// The names shared by rule fixes and the planner's rewrites, from sql/pg_names.

#include "pgsafe/rules/safe_forms.hpp"

#include "pgsafe/sql/pg_names.hpp"

namespace pgsafe::rules {

std::string not_null_helper_name(const sql::RelationName& table, const std::string& column) {
    return sql::make_object_name(table.name, column, "pgsafe_not_null");
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
