#pragma once
// Reading PL/pgSQL bodies while a file is parsed (the protobuf tree is still
// alive then). Private to src/sql/.

#include "nodes.hpp"

#include "pgsafe/sql/plpgsql.hpp"

#include <optional>
#include <string_view>
#include <vector>

namespace pgsafe::sql::detail {

// The routine a DO or CREATE FUNCTION/PROCEDURE statement defines, with its
// body's statements when it is PL/pgSQL; nullopt for other statements and for
// functions in other languages. `text` is the whole file, `base` the file
// offset node locations count from, `span` the statement's span and `index`
// its index in the file. Comments of the body are appended to `comments`, so
// ignore comments inside a body work.
std::optional<Routine> read_routine(const Node* stmt, std::string_view text, std::size_t base, Span span,
                                    std::size_t index, std::vector<Comment>& comments);

// The functions and procedures a SELECT or CALL statement calls, by name
// (empty for other statements).
std::vector<RelationName> called_functions(const Node* stmt);

}  // namespace pgsafe::sql::detail
