// Row-locality of UPDATE / DELETE for batching (plan/batched_data_change):
// a statement that reads the table it changes (a subquery, a CTE, FROM /
// USING, a function that may read tables or depends on the transaction) sees
// the earlier batches' writes when run in batches, so its result differs.
// Conservative: any subquery, WITH, FROM / USING, RETURNING, SQL value
// function (CURRENT_TIMESTAMP …) or function outside a short list of
// immutable built-ins makes the statement not row-local.

#include "pgsafe/sql/row_local.hpp"

#include <fmt/format.h>
#include <pg_query.h>
#include <nlohmann/json.hpp>

#include <set>

namespace pgsafe::sql {
namespace {

using Json = nlohmann::json;

// Built-in functions that are immutable and read no table.
const std::set<std::string> k_immutable = {
    "abs",          "btrim",     "ceil",   "ceiling",    "char_length",    "floor",  "initcap",
    "left",         "length",    "lower",  "lpad",       "ltrim",          "md5",    "mod",
    "octet_length", "power",     "repeat", "replace",    "reverse",        "right",  "round",
    "rpad",         "rtrim",     "sign",   "split_part", "sqrt",           "strpos", "substr",
    "substring",    "translate", "trunc",  "upper",      "regexp_replace",
};

std::string function_name(const Json& call) {
    std::string out;
    if (!call.contains("funcname")) return out;
    for (const auto& part : call.at("funcname")) {
        const Json& s = part.contains("String") ? part.at("String") : part;
        std::string piece = s.value("sval", s.value("str", std::string{}));
        if (!out.empty()) out += ".";
        out += piece;
    }
    return out;
}

std::optional<std::string> hazard_in(const Json& node) {
    if (node.is_array()) {
        for (const auto& child : node) {
            if (auto h = hazard_in(child)) return h;
        }
        return std::nullopt;
    }
    if (!node.is_object()) return std::nullopt;
    for (auto it = node.begin(); it != node.end(); ++it) {
        const std::string& key = it.key();
        if (key == "SubLink")
            return std::string(
                "it has a subquery, which could read the table being changed and would see "
                "the earlier batches' writes");
        if (key == "SetToDefault")
            return std::string(
                "it sets a column to DEFAULT, whose expression (now(), nextval() …) would be taken per batch "
                "and in the batches' order, not once for the statement");
        if (key == "SQLValueFunction")
            return std::string(
                "it uses a value such as CURRENT_TIMESTAMP or CURRENT_USER, which is taken "
                "per batch, not once for the statement");
        if (key == "FuncCall") {
            std::string name = function_name(it.value());
            std::string bare = name.rfind("pg_catalog.", 0) == 0 ? name.substr(11) : name;
            if (k_immutable.count(bare) == 0)
                return fmt::format(
                    "it calls {}(), which pgsafe cannot prove immutable: it could read the table or "
                    "depend on the transaction each batch runs in",
                    name);
        }
        if (auto h = hazard_in(it.value())) return h;
    }
    return std::nullopt;
}

// The one statement of `statement`'s parse tree, or nullopt.
std::optional<Json> statement_tree(const std::string& statement) {
    PgQueryParseResult result = pg_query_parse(statement.c_str());
    std::string tree = result.error == nullptr && result.parse_tree != nullptr ? result.parse_tree : "";
    pg_query_free_parse_result(result);
    if (tree.empty()) return std::nullopt;
    Json j = Json::parse(tree, nullptr, false);
    if (j.is_discarded() || !j.contains("stmts") || j.at("stmts").size() != 1) return std::nullopt;
    return j.at("stmts")[0].value("stmt", Json::object());
}

}  // namespace

std::optional<std::vector<std::string>> assigned_columns(const std::string& statement) {
    auto stmt = statement_tree(statement);
    if (!stmt) return std::nullopt;
    std::vector<std::string> out;
    if (stmt->contains("DeleteStmt")) return out;
    if (!stmt->contains("UpdateStmt")) return std::nullopt;
    for (const auto& target : stmt->at("UpdateStmt").value("targetList", Json::array())) {
        if (!target.contains("ResTarget") || !target.at("ResTarget").contains("name")) return std::nullopt;
        out.push_back(target.at("ResTarget").at("name").get<std::string>());
    }
    return out;
}

std::optional<std::string> batching_hazard(const std::string& statement) {
    auto tree = statement_tree(statement);
    if (!tree) return std::string("pgsafe could not read the statement");
    const Json& stmt = *tree;
    const Json* change = nullptr;
    for (const char* kind : {"UpdateStmt", "DeleteStmt"}) {
        if (stmt.contains(kind)) change = &stmt.at(kind);
    }
    if (change == nullptr) return std::string("it is not an UPDATE or DELETE");
    if (change->contains("withClause"))
        return std::string("it has a WITH clause, which could read the table or change data itself");
    if (change->contains("returningList"))
        return std::string("it has RETURNING, whose rows would come back batch by batch");
    if (change->contains("fromClause") || change->contains("usingClause"))
        return std::string(
            "it reads other relations (FROM / USING), which could be or read the table "
            "being changed");
    for (const char* part : {"targetList", "whereClause"}) {
        if (!change->contains(part)) continue;
        if (auto h = hazard_in(change->at(part))) return h;
    }
    return std::nullopt;
}

}  // namespace pgsafe::sql
