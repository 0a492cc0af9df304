// Which statements cannot run in a transaction block (PostgreSQL's
// PreventInTransactionBlock callers in 15, 25001), so the plan runs them
// outside one as psql -f does, or refuses them inside BEGIN … COMMIT, as
// PostgreSQL would. Also COPY … FROM STDIN, whose data pgsafe cannot send.

#include "pgsafe/sql/transaction_block.hpp"

#include <pg_query.h>
#include <nlohmann/json.hpp>

namespace pgsafe::sql {
namespace {

using Json = nlohmann::json;

// The statement's node ({"VacuumStmt": {…}}), or null when it does not parse as one statement.
Json statement_node(const std::string& statement) {
    PgQueryParseResult result = pg_query_parse(statement.c_str());
    std::string tree = result.error == nullptr && result.parse_tree != nullptr ? result.parse_tree : "";
    pg_query_free_parse_result(result);
    if (tree.empty()) return nullptr;
    Json j = Json::parse(tree, nullptr, false);
    if (j.is_discarded() || !j.contains("stmts") || j.at("stmts").size() != 1) return nullptr;
    return j.at("stmts")[0].value("stmt", Json());
}

// A DefElem option list holds `name` set to false.
bool option_false(const Json& options, const std::string& name) {
    if (!options.is_array()) return false;
    for (const auto& o : options) {
        const Json& d = o.value("DefElem", Json::object());
        if (d.value("defname", std::string{}) != name) continue;
        const Json& arg = d.value("arg", Json::object());
        std::string text = arg.dump();
        return text.find("false") != std::string::npos || text.find("\"off\"") != std::string::npos ||
               text.find("\"sval\":\"false\"") != std::string::npos;
    }
    return false;
}

}  // namespace

std::optional<std::string> refused_in_transaction_block(const std::string& statement) {
    Json node = statement_node(statement);
    if (!node.is_object() || node.empty()) return std::nullopt;
    const std::string kind = node.begin().key();
    const Json& s = node.begin().value();
    if (kind == "AlterSystemStmt") return "ALTER SYSTEM";
    if (kind == "CreatedbStmt") return "CREATE DATABASE";
    if (kind == "DropdbStmt") return "DROP DATABASE";
    if (kind == "CreateTableSpaceStmt") return "CREATE TABLESPACE";
    if (kind == "DropTableSpaceStmt") return "DROP TABLESPACE";
    if (kind == "DiscardStmt" && s.value("target", std::string{}) == "DISCARD_ALL") return "DISCARD ALL";
    if (kind == "VacuumStmt" && s.value("is_vacuumcmd", false)) return "VACUUM";
    if (kind == "ClusterStmt" && !s.contains("relation")) return "CLUSTER without a table";
    if (kind == "ReindexStmt") {
        std::string k = s.value("kind", std::string{});
        if (k == "REINDEX_OBJECT_SCHEMA" || k == "REINDEX_OBJECT_SYSTEM" || k == "REINDEX_OBJECT_DATABASE")
            return "REINDEX SCHEMA / SYSTEM / DATABASE";
    }
    if (kind == "TransactionStmt") {
        std::string k = s.value("kind", std::string{});
        if (k == "TRANS_STMT_COMMIT_PREPARED") return "COMMIT PREPARED";
        if (k == "TRANS_STMT_ROLLBACK_PREPARED") return "ROLLBACK PREPARED";
    }
    if (kind == "AlterDatabaseStmt") {
        for (const auto& o : s.value("options", Json::array())) {
            if (o.value("DefElem", Json::object()).value("defname", std::string{}) == "tablespace")
                return "ALTER DATABASE … SET TABLESPACE";
        }
    }
    if (kind == "CreateSubscriptionStmt" && !option_false(s.value("options", Json()), "create_slot") &&
        !option_false(s.value("options", Json()), "connect"))
        return "CREATE SUBSCRIPTION (creating a slot)";
    if (kind == "DropSubscriptionStmt") return "DROP SUBSCRIPTION";
    return std::nullopt;
}

bool copy_from_stdin(const std::string& statement) {
    Json node = statement_node(statement);
    if (!node.is_object() || !node.contains("CopyStmt")) return false;
    const Json& s = node.at("CopyStmt");
    return s.value("is_from", false) && !s.contains("filename") && !s.value("is_program", false);
}

}  // namespace pgsafe::sql
