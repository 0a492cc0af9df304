// Deep copies, templates, node moves and a checked deparse over libpg_query's
// protobuf-c structs. Checked deparse: deparse, parse the result again, and
// compare both trees with every location cleared.

#include "tree.hpp"

#include "pgsafe/sql/identifier.hpp"

#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace pgsafe::sql::detail {
namespace {

std::vector<uint8_t> pack(const ProtobufCMessage* message) {
    std::vector<uint8_t> bytes(protobuf_c_message_get_packed_size(message));
    protobuf_c_message_pack(message, bytes.data());
    return bytes;
}

// A oneof member (PgQuery__Node is one big oneof) is present only when its case is set.
bool absent_oneof(const ProtobufCFieldDescriptor& field, const char* base) {
    return (field.flags & PROTOBUF_C_FIELD_FLAG_ONEOF) != 0 &&
           *reinterpret_cast<const uint32_t*>(base + field.quantifier_offset) != field.id;
}

bool is_location_field(const ProtobufCFieldDescriptor& field) {
    return field.type == PROTOBUF_C_TYPE_INT32 && field.label != PROTOBUF_C_LABEL_REPEATED &&
           (std::strcmp(field.name, "location") == 0 || std::strcmp(field.name, "stmt_location") == 0 ||
            std::strcmp(field.name, "stmt_len") == 0);
}

// Calls fn on every message in the tree, parents first, with write access.
void for_each_message(ProtobufCMessage* message, const std::function<void(ProtobufCMessage*)>& fn) {
    fn(message);
    const ProtobufCMessageDescriptor* d = message->descriptor;
    auto* base = reinterpret_cast<char*>(message);
    for (unsigned i = 0; i < d->n_fields; ++i) {
        const ProtobufCFieldDescriptor& f = d->fields[i];
        if (f.type != PROTOBUF_C_TYPE_MESSAGE || absent_oneof(f, base)) continue;
        if (f.label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = *reinterpret_cast<size_t*>(base + f.quantifier_offset);
            auto** items = *reinterpret_cast<ProtobufCMessage***>(base + f.offset);
            for (size_t k = 0; k < n; ++k) {
                if (items[k] != nullptr) for_each_message(items[k], fn);
            }
        } else if (auto* child = *reinterpret_cast<ProtobufCMessage**>(base + f.offset)) {
            for_each_message(child, fn);
        }
    }
}

// Sets every location in the tree to 0 (they differ between the original and the deparsed SQL).
void clear_locations(ProtobufCMessage* message) {
    for_each_message(message, [](ProtobufCMessage* m) {
        const ProtobufCMessageDescriptor* d = m->descriptor;
        auto* base = reinterpret_cast<char*>(m);
        for (unsigned i = 0; i < d->n_fields; ++i) {
            if (is_location_field(d->fields[i])) *reinterpret_cast<int32_t*>(base + d->fields[i].offset) = 0;
        }
    });
}

// Whether PostgreSQL would read the name back unchanged without quotes
// (keywords aside: the round trip check catches those).
bool plain_identifier(const char* name) {
    if (name == nullptr || *name == '\0') return true;
    if (!((*name >= 'a' && *name <= 'z') || *name == '_')) return false;
    for (const char* c = name; *c != '\0'; ++c) {
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_' || *c == '$')) return false;
    }
    return true;
}

void quote_in_place(char*& field) {
    if (plain_identifier(field)) return;
    set_string(field, quoted_identifier(field));
}

// libpg_query 15-4.0's deparser writes a few names without the quotes they
// need (ADD CONSTRAINT "Name", CREATE INDEX "Name"): give it those names
// quoted already. The round trip check still proves the result.
void quote_names_the_deparser_misses(ProtobufCMessage* message) {
    for_each_message(message, [](ProtobufCMessage* m) {
        if (m->descriptor == &pg_query__constraint__descriptor) {
            quote_in_place(reinterpret_cast<PgQuery__Constraint*>(m)->conname);
        } else if (m->descriptor == &pg_query__index_stmt__descriptor) {
            quote_in_place(reinterpret_cast<PgQuery__IndexStmt*>(m)->idxname);
        }
    });
}

// A ParseResult around one statement node, pointing into the caller's tree (not owned).
struct Wrapped {
    PgQuery__RawStmt raw = PG_QUERY__RAW_STMT__INIT;
    PgQuery__RawStmt* raws[1] = {&raw};
    PgQuery__ParseResult result = PG_QUERY__PARSE_RESULT__INIT;

    Wrapped(const PgQuery__Node* statement, int32_t version) {
        raw.stmt = const_cast<PgQuery__Node*>(statement);
        result.version = version;
        result.n_stmts = 1;
        result.stmts = raws;
    }
};

}  // namespace

ProtobufCMessage* clone_message(const ProtobufCMessage* message) {
    std::vector<uint8_t> bytes = pack(message);
    return protobuf_c_message_unpack(message->descriptor, nullptr, bytes.size(), bytes.data());
}

void free_message(ProtobufCMessage* message) {
    protobuf_c_message_free_unpacked(message, nullptr);
}

void ResultDeleter::operator()(PgQuery__ParseResult* r) const {
    if (r != nullptr) pg_query__parse_result__free_unpacked(r, nullptr);
}

OwnedResult parse_template(std::string_view sql) {
    std::string text(sql);
    PgQueryProtobufParseResult parsed = pg_query_parse_protobuf(text.c_str());
    if (parsed.error != nullptr) {
        std::string message = parsed.error->message;
        pg_query_free_protobuf_parse_result(parsed);
        throw std::logic_error("pgsafe template does not parse: " + message + ": " + text);
    }
    OwnedResult result(pg_query__parse_result__unpack(
        nullptr, parsed.parse_tree.len, reinterpret_cast<const uint8_t*>(parsed.parse_tree.data)));
    pg_query_free_protobuf_parse_result(parsed);
    if (!result || result->n_stmts == 0) throw std::logic_error("pgsafe template is empty: " + text);
    return result;
}

PgQuery__Node* template_statement(const OwnedResult& result) {
    return result->stmts[0]->stmt;
}

void set_string(char*& field, const std::string& value) {
    if (field != nullptr && field != protobuf_c_empty_string) std::free(field);
    field = static_cast<char*>(std::malloc(value.size() + 1));
    std::memcpy(field, value.c_str(), value.size() + 1);
}

PgQuery__Node* string_node(const std::string& value) {
    auto* node = static_cast<PgQuery__Node*>(std::malloc(sizeof(PgQuery__Node)));
    pg_query__node__init(node);
    auto* str = static_cast<PgQuery__String*>(std::malloc(sizeof(PgQuery__String)));
    pg_query__string__init(str);
    str->sval = nullptr;
    set_string(str->sval, value);
    node->node_case = PG_QUERY__NODE__NODE_STRING;
    node->string = str;
    return node;
}

void append_node(PgQuery__Node**& array, size_t& count, PgQuery__Node* node) {
    array = static_cast<PgQuery__Node**>(std::realloc(array, sizeof(PgQuery__Node*) * (count + 1)));
    array[count++] = node;
}

PgQuery__Node* take_node(PgQuery__Node** array, size_t& count, size_t index) {
    PgQuery__Node* node = array[index];
    for (size_t k = index + 1; k < count; ++k) array[k - 1] = array[k];
    --count;
    return node;
}

void walk(const ProtobufCMessage* message, const std::function<void(const ProtobufCMessage*)>& visit) {
    // The same traversal as for_each_message; visit only reads.
    for_each_message(const_cast<ProtobufCMessage*>(message), [&](ProtobufCMessage* m) { visit(m); });
}

namespace {

// Deparses `statement`; the SQL only if it parses back to `intended` (locations aside).
std::optional<std::string> deparse_as(const PgQuery__Node* statement, const PgQuery__Node* intended,
                                      int32_t version) {
    Wrapped wrapped(statement, version);
    std::vector<uint8_t> bytes = pack(&wrapped.result.base);
    PgQueryProtobuf protobuf{bytes.size(), reinterpret_cast<char*>(bytes.data())};
    PgQueryDeparseResult deparsed = pg_query_deparse_protobuf(protobuf);
    if (deparsed.error != nullptr) {
        pg_query_free_deparse_result(deparsed);
        return std::nullopt;
    }
    std::string sql = deparsed.query;
    pg_query_free_deparse_result(deparsed);
    while (!sql.empty() && sql.back() == ' ') sql.pop_back();  // "DETACH PARTITION p CONCURRENTLY "

    PgQueryProtobufParseResult reparsed = pg_query_parse_protobuf(sql.c_str());
    if (reparsed.error != nullptr) {
        pg_query_free_protobuf_parse_result(reparsed);
        return std::nullopt;
    }
    OwnedResult again(pg_query__parse_result__unpack(
        nullptr, reparsed.parse_tree.len, reinterpret_cast<const uint8_t*>(reparsed.parse_tree.data)));
    pg_query_free_protobuf_parse_result(reparsed);
    if (!again || again->n_stmts != 1) return std::nullopt;

    auto* expected = clone(intended);
    clear_locations(&expected->base);
    clear_locations(&again->stmts[0]->stmt->base);
    bool same = pack(&expected->base) == pack(&again->stmts[0]->stmt->base);
    free_node(expected);
    if (!same) return std::nullopt;
    return sql;
}

}  // namespace

std::optional<std::string> deparse_checked(const PgQuery__Node* statement, int32_t version) {
    if (auto sql = deparse_as(statement, statement, version)) return sql;
    auto* quoted = clone(statement);
    quote_names_the_deparser_misses(&quoted->base);
    auto sql = deparse_as(quoted, statement, version);
    free_node(quoted);
    return sql;
}

}  // namespace pgsafe::sql::detail
