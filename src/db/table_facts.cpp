// Reading table facts from the live catalog in one read-only query. The
// server builds the JSON (json_agg), so no array parsing happens on our
// side; a partitioned table counts the rows and bytes of all its leaf
// partitions, since a lock on the parent reaches every one of them.

#include "pgsafe/db/table_facts.hpp"

#include "connection_impl.hpp"

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include <stdexcept>

namespace pgsafe::db {
namespace {

// Read-only, and with timeouts: sizes take ACCESS SHARE on each relation,
// and must never queue behind a migration's ACCESS EXCLUSIVE for long. Sent
// in one message with the query, which makes them one implicit transaction
// (the settings end with it): one round trip, not four.
constexpr const char* k_read_only_timeouts =
    "SET LOCAL transaction_read_only = on; SET LOCAL lock_timeout = '5s'; "
    "SET LOCAL statement_timeout = '120s';\n";

constexpr const char* k_facts_query = R"sql(
WITH rels AS (
    SELECT c.oid, n.nspname AS schema, c.relname AS name, c.relkind
    FROM pg_catalog.pg_class c
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p', 'm')
      AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
      AND n.nspname::pg_catalog.text !~ '^pg_(toast_)?temp_'
),
sizes AS (
    SELECT r.oid,
           CASE WHEN r.relkind = 'p' THEN leaves.rows ELSE c.reltuples::pg_catalog.float8 END AS rows,
           CASE WHEN r.relkind = 'p' THEN leaves.bytes ELSE pg_catalog.pg_total_relation_size(r.oid) END AS bytes
    FROM rels r
    JOIN pg_catalog.pg_class c ON c.oid = r.oid
    LEFT JOIN LATERAL (
        SELECT coalesce(pg_catalog.sum(pg_catalog.pg_total_relation_size(t.relid)), 0)::pg_catalog.int8 AS bytes,
               CASE WHEN pg_catalog.count(*) = 0 THEN 0::pg_catalog.float8
                    WHEN pg_catalog.bool_and(lc.reltuples >= 0::pg_catalog.float4) THEN pg_catalog.sum(lc.reltuples::pg_catalog.float8)
                    ELSE -1::pg_catalog.float8 END AS rows
        FROM pg_catalog.pg_partition_tree(r.oid) t
        JOIN pg_catalog.pg_class lc ON lc.oid = t.relid
        WHERE t.isleaf AND lc.relkind = 'r'
    ) leaves ON r.relkind = 'p'
)
SELECT coalesce(pg_catalog.json_agg(pg_catalog.json_build_object(
           'schema', r.schema,
           'name', r.name,
           'kind', CASE r.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'partitioned table'
                                  ELSE 'materialized view' END,
           'rows', s.rows,
           'bytes', s.bytes,
           'indexes', (
               SELECT coalesce(pg_catalog.json_agg(pg_catalog.json_build_object(
                          'name', ic.relname,
                          'columns', array(
                              SELECT coalesce(a.attname::pg_catalog.text, '')
                              FROM pg_catalog.generate_series(0, i.indnkeyatts - 1) AS k(n)
                              LEFT JOIN pg_catalog.pg_attribute a
                                     ON a.attrelid = i.indrelid AND a.attnum = i.indkey[k.n]
                              ORDER BY k.n),
                          'types', array(
                              SELECT coalesce(pg_catalog.format_type(a.atttypid, NULL), '')
                              FROM pg_catalog.generate_series(0, i.indnkeyatts - 1) AS k(n)
                              LEFT JOIN pg_catalog.pg_attribute a
                                     ON a.attrelid = i.indrelid AND a.attnum = i.indkey[k.n]
                              ORDER BY k.n),
                          'unique', i.indisunique,
                          'primary', i.indisprimary,
                          'valid', i.indisvalid,
                          'partial', i.indpred IS NOT NULL,
                          'not_null', NOT EXISTS (
                              SELECT FROM pg_catalog.generate_series(0, i.indnkeyatts - 1) AS k(n)
                              LEFT JOIN pg_catalog.pg_attribute a
                                     ON a.attrelid = i.indrelid AND a.attnum = i.indkey[k.n]
                              WHERE a.attnotnull IS NOT TRUE)) ORDER BY ic.relname), '[]'::pg_catalog.json)
               FROM pg_catalog.pg_index i
               JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
               WHERE i.indrelid = r.oid),
           'update_triggers', (
               SELECT coalesce(pg_catalog.json_agg(DISTINCT t.tgname ORDER BY t.tgname), '[]'::pg_catalog.json)
               FROM pg_catalog.pg_trigger t
               WHERE (t.tgrelid = r.oid OR t.tgrelid IN (SELECT relid FROM pg_catalog.pg_partition_tree(r.oid)))
                 AND NOT t.tgisinternal AND t.tgenabled <> 'D' AND (t.tgtype::pg_catalog.int4 & 16) <> 0
                 AND pg_catalog.cardinality(t.tgattr::pg_catalog.int2[]) = 0)
       ) ORDER BY r.schema, r.name), '[]'::pg_catalog.json)::pg_catalog.text AS tables,
       pg_catalog.array_to_json(pg_catalog.current_schemas(false))::pg_catalog.text AS search_path
FROM rels r
JOIN sizes s ON s.oid = r.oid
)sql";

analysis::TableFact table_fact(const nlohmann::json& j) {
    analysis::TableFact t;
    t.schema = j.at("schema").get<std::string>();
    t.name = j.at("name").get<std::string>();
    t.kind = j.at("kind").get<std::string>();
    t.rows = j.at("rows").is_null() ? -1 : j.at("rows").get<double>();
    t.bytes = j.at("bytes").is_null() ? 0 : j.at("bytes").get<std::int64_t>();
    for (const auto& ji : j.at("indexes")) {
        analysis::IndexFact i;
        i.name = ji.at("name").get<std::string>();
        i.columns = ji.at("columns").get<std::vector<std::string>>();
        i.types = ji.at("types").get<std::vector<std::string>>();
        i.unique = ji.at("unique").get<bool>();
        i.primary = ji.at("primary").get<bool>();
        i.valid = ji.at("valid").get<bool>();
        i.partial = ji.at("partial").get<bool>();
        i.not_null = ji.at("not_null").get<bool>();
        t.indexes.push_back(std::move(i));
    }
    t.update_triggers = j.at("update_triggers").get<std::vector<std::string>>();
    return t;
}

}  // namespace

analysis::TableFacts load_table_facts(Connection& connection) {
    return load_table_facts(connection, std::nullopt);
}

analysis::TableFacts load_table_facts(Connection& connection, const std::optional<std::string>& schema) {
    return load_table_facts(connection, schema, FactsSearchPath::Current);
}

analysis::TableFacts load_table_facts(Connection& connection, const std::optional<std::string>& schema,
                                      FactsSearchPath path_from) {
    auto& impl = connection.impl();
    std::string query = k_facts_query;
    if (schema) {  // one more condition on the relations read, after the last one
        const std::string last_filter = "AND n.nspname::pg_catalog.text !~ '^pg_(toast_)?temp_'\n";
        auto at = query.find(last_filter);
        if (at == std::string::npos)
            throw std::logic_error("load_table_facts: the schema filter has no place");
        query.insert(at + last_filter.size(),
                     "      AND n.nspname = " + impl.connection.quote(*schema) + "\n");
    }
    auto [tables_text, search_path_text] = guarded("reading table statistics from " + impl.target, [&] {
        pqxx::nontransaction tx(impl.connection);
        // SET LOCAL: the session's own search_path is back once the read ends.
        pqxx::row row = tx.exec1(k_read_only_timeouts +
                                 (path_from == FactsSearchPath::SessionDefault
                                      ? std::string("SET LOCAL search_path TO DEFAULT;\n")
                                      : std::string()) +
                                 query);
        return std::make_pair(row[0].as<std::string>(), row[1].as<std::string>());
    });
    std::vector<analysis::TableFact> tables;
    for (const auto& j : nlohmann::json::parse(tables_text)) tables.push_back(table_fact(j));
    auto search_path = nlohmann::json::parse(search_path_text).get<std::vector<std::string>>();
    spdlog::debug("read {} tables from {} (search_path {})", tables.size(), impl.target,
                  nlohmann::json(search_path).dump());
    return analysis::TableFacts(std::move(tables), std::move(search_path));
}

}  // namespace pgsafe::db
