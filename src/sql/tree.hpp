#pragma once
// Generic helpers over libpg_query's protobuf-c trees for the rewrite step:
// deep copies, owned templates parsed from fixed SQL, moving nodes between
// trees, and a deparse that refuses when the deparser would lose part of
// the tree. Private to src/sql/.

#include <pg_query.h>
#include <pg_query/pg_query.pb-c.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace pgsafe::sql::detail {

// A deep copy of any message (pack, then unpack): the copy owns its memory.
ProtobufCMessage* clone_message(const ProtobufCMessage* message);
template <class T>
T* clone(const T* message) {
    return message == nullptr
               ? nullptr
               : reinterpret_cast<T*>(clone_message(reinterpret_cast<const ProtobufCMessage*>(message)));
}
void free_message(ProtobufCMessage* message);
template <class T>
void free_node(T* message) {
    if (message != nullptr) free_message(reinterpret_cast<ProtobufCMessage*>(message));
}

struct ResultDeleter {
    void operator()(PgQuery__ParseResult* r) const;
};
using OwnedResult = std::unique_ptr<PgQuery__ParseResult, ResultDeleter>;

// Parses SQL pgsafe itself wrote (a template); throws std::logic_error if it does not parse.
OwnedResult parse_template(std::string_view sql);
// The first statement of a parsed template.
PgQuery__Node* template_statement(const OwnedResult& result);

// Replaces a protobuf-c string field with a malloc'd copy of value.
void set_string(char*& field, const std::string& value);
// A new String node holding value.
PgQuery__Node* string_node(const std::string& value);
// Appends a node to a repeated Node field (the array is grown with realloc).
void append_node(PgQuery__Node**& array, size_t& count, PgQuery__Node* node);
// Removes element `index` from a repeated Node field without freeing it.
PgQuery__Node* take_node(PgQuery__Node** array, size_t& count, size_t index);

// Calls visit on every message in the tree, parents before children.
void walk(const ProtobufCMessage* message, const std::function<void(const ProtobufCMessage*)>& visit);

// Deparses one statement node. Returns nullopt when the deparser fails, or
// when its SQL does not parse back to the same tree (locations aside): the
// deparser silently drops a few clauses, and a rewrite must never change
// what a statement means.
std::optional<std::string> deparse_checked(const PgQuery__Node* statement, int32_t version);

}  // namespace pgsafe::sql::detail
