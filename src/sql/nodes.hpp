#pragma once
// Small helpers over libpg_query's protobuf-c nodes, shared by the
// converters. Private to src/sql/: nothing outside may include pg_query.

#include "pgsafe/sql/ir.hpp"

#include <pg_query.h>
#include <pg_query/pg_query.pb-c.h>

#include <functional>
#include <string>
#include <vector>

namespace pgsafe::sql::detail {

using Node = PgQuery__Node;

// Parses `sql` and calls `each` with every top-level statement and its span
// in `sql` (leading white space, trailing white space and ';' left out).
// False, without a call, when `sql` does not parse.
bool for_each_raw_statement(const std::string& sql,
                            const std::function<void(const PgQuery__RawStmt*, Span)>& each);

// The node's type name as PostgreSQL spells it: "AlterTableStmt", "String", …
std::string node_type_name(const Node* node);

// A String node's value, else "".
std::string string_value(const Node* node);
// The String nodes of a list, in order.
std::vector<std::string> string_list(Node* const* nodes, size_t count);
// The first option (DefElem) named `name` in an option list, or null.
const PgQuery__DefElem* find_option(Node* const* options, size_t count, const char* name);
// An option's value is off when written FALSE, OFF or 0 (VACUUM (FULL FALSE), create_slot = off).
bool option_value_off(const Node* arg);

RelationName relation_name(const PgQuery__RangeVar* range_var);
// A list of names ({"schema","table"} or {"table"}) as a relation name.
RelationName relation_from_names(const std::vector<std::string>& names);

// Where node locations sit in the file: the parsed text started at `base`
// bytes into it, and spans without a location fall back to the statement.
struct Ctx {
    size_t base = 0;
    Span statement;

    // A node location (-1 when unknown) as a span from there to the statement's end.
    Span span_at(int32_t location) const;
};

TypeName type_name(const PgQuery__TypeName* type);
ExprInfo expr_info(const Node* expr, const Ctx& ctx);
Constraint constraint(const PgQuery__Constraint* c, const Ctx& ctx);
ColumnDef column_def(const PgQuery__ColumnDef* def, const Ctx& ctx);
ObjectKind object_kind(PgQuery__ObjectType type);

}  // namespace pgsafe::sql::detail
