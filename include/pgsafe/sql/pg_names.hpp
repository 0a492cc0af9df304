#pragma once
// The names PostgreSQL gives objects created without one (makeObjectName and
// friends in PostgreSQL 15's source), so a rewritten plan creates exactly the
// constraint or index the original statement would have. PostgreSQL adds a
// number when the name is taken ("orders_customer_id_fkey1"); pgsafe cannot
// know that without the catalog, and an explicit name that is taken fails
// loudly ("already exists") instead of differing silently.

#include <string>
#include <vector>

namespace pgsafe::sql {

constexpr std::size_t k_namedatalen = 64;  // identifiers are at most 63 bytes

// The longest prefix of at most `limit` bytes that does not split a UTF-8 character.
std::string clip_identifier(const std::string& name, std::size_t limit = k_namedatalen - 1);

// name1_name2_label, the longer of name1 and name2 shortened first so the
// result fits in 63 bytes; name2 may be empty (then name1_label).
std::string make_object_name(const std::string& name1, const std::string& name2, const std::string& label);

// Column names joined with '_' the way ChooseIndexNameAddition and
// ChooseForeignKeyConstraintNameAddition do (stops once past 63 bytes).
std::string name_addition(const std::vector<std::string>& names);

}  // namespace pgsafe::sql
