// Reading table facts from the live catalog in one read-only query. The
// server builds the JSON (json_agg), so no array parsing happens on our
// side; a partitioned table counts the rows and bytes of all its leaf
// partitions, since a lock on the parent reaches every one of them.

#include "pgsafe/db/table_facts.hpp"

#include "connection_impl.hpp"

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include <map>
#include <stdexcept>
#include <tuple>

namespace pgsafe::db {
namespace {

// Read-only, and with timeouts: sizes take ACCESS SHARE on each relation,
// and must never queue behind a migration's ACCESS EXCLUSIVE for long. Sent
// in one message with the query, which makes them one implicit transaction
// (the settings end with it): one round trip, not five. JIT off: the
// query's cost estimate turns JIT on, whose compiling took two thirds of the
// time (3,000 tables: 2.5 s with it, 0.55 s without).
constexpr const char* k_read_only_timeouts =
    "SET LOCAL transaction_read_only = on; SET LOCAL lock_timeout = '5s'; "
    "SET LOCAL statement_timeout = '120s'; SET LOCAL jit = off;\n";

constexpr const char* k_facts_query = R"sql(
WITH RECURSIVE rels AS (
    SELECT c.oid, n.nspname AS schema, c.relname AS name, c.relkind
    FROM pg_catalog.pg_class c
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p', 'm')
      AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
      AND n.nspname::pg_catalog.text !~ '^pg_(toast_)?temp_'
),
-- Each relation and every table an UPDATE or DELETE of it reaches (partitions, inheritance children).
family AS (
    SELECT r.oid AS root, r.oid AS relid FROM rels r
    UNION
    SELECT f.root, i.inhrelid FROM family f JOIN pg_catalog.pg_inherits i ON i.inhparent = f.relid
),
-- What batching needs (docs/plan.md), per relation over its family, each in one pass.
triggers AS (
    SELECT f.root, json_agg(json_build_object(
               'name', t.tgname,
               'level', CASE WHEN t.tgtype & 1 <> 0 THEN 'row' ELSE 'statement' END,
               'timing', CASE WHEN t.tgtype & 2 <> 0 THEN 'before'
                              WHEN t.tgtype & 64 <> 0 THEN 'instead of' ELSE 'after' END,
               'events', array_remove(ARRAY[
                   CASE WHEN t.tgtype & 4 <> 0 THEN 'insert' END,
                   CASE WHEN t.tgtype & 16 <> 0 THEN 'update' END,
                   CASE WHEN t.tgtype & 8 <> 0 THEN 'delete' END,
                   CASE WHEN t.tgtype & 32 <> 0 THEN 'truncate' END], NULL),
               'transition', t.tgoldtable IS NOT NULL OR t.tgnewtable IS NOT NULL)
               ORDER BY t.tgname) AS list
    FROM family f JOIN pg_catalog.pg_trigger t ON t.tgrelid = f.relid
    WHERE NOT t.tgisinternal AND t.tgenabled <> 'D'
    GROUP BY f.root
),
rules AS (
    SELECT f.root, json_agg(json_build_object(
               'name', w.rulename,
               'event', CASE w.ev_type WHEN '1' THEN 'select' WHEN '2' THEN 'update'
                                       WHEN '3' THEN 'insert' ELSE 'delete' END)
               ORDER BY w.rulename) AS list
    FROM family f JOIN pg_catalog.pg_rewrite w ON w.ev_class = f.relid
    WHERE w.rulename <> '_RETURN' AND w.ev_enabled <> 'D'
    GROUP BY f.root
),
generated AS (
    SELECT f.root, array_agg(DISTINCT a.attname::text ORDER BY a.attname::text) AS list
    FROM family f JOIN pg_catalog.pg_attribute a ON a.attrelid = f.relid
    WHERE a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated <> ''
    GROUP BY f.root
),
-- Unique and exclusion indexes (their key columns, and the columns their expressions and
-- WHERE read: the Vars of the stored node trees, '*' for a whole-row reference, which reads
-- every column), foreign keys of the family and foreign keys that reference it.
checks AS (
    SELECT i.indrelid AS relid, ic.relname::text AS name,
           CASE WHEN i.indisexclusion THEN 'exclusion' ELSE 'unique' END AS kind,
           CASE WHEN i.indexprs IS NULL AND i.indpred IS NULL THEN array(
                    SELECT a.attname::text FROM pg_catalog.pg_attribute a
                    WHERE a.attrelid = i.indrelid
                      AND a.attnum = ANY ((i.indkey::int2[])[0:i.indnkeyatts - 1])
                    ORDER BY 1)
                WHEN concat(i.indexprs::text, ' ', i.indpred::text) ~ ':varattno 0 ' THEN ARRAY['*']
                ELSE array(
                    SELECT DISTINCT a.attname::text FROM pg_catalog.pg_attribute a
                    WHERE a.attrelid = i.indrelid AND a.attnum > 0 AND (
                        a.attnum = ANY ((i.indkey::int2[])[0:i.indnkeyatts - 1])
                        OR a.attnum IN (
                            SELECT v[1]::int2 FROM regexp_matches(
                                concat(i.indexprs::text, ' ', i.indpred::text), ':varattno ([0-9]+)', 'g') AS v))
                    ORDER BY 1) END AS columns
    FROM pg_catalog.pg_index i
    JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
    WHERE i.indisunique OR i.indisexclusion
    UNION ALL
    SELECT c.conrelid, c.conname::text, 'foreign key',
           array(SELECT a.attname::text FROM pg_catalog.pg_attribute a
                 WHERE a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey) ORDER BY 1)
    FROM pg_catalog.pg_constraint c WHERE c.contype = 'f'
    UNION ALL
    SELECT c.confrelid, c.conname::text, 'referenced by foreign key',
           array(SELECT a.attname::text FROM pg_catalog.pg_attribute a
                 WHERE a.attrelid = c.confrelid AND a.attnum = ANY (c.confkey) ORDER BY 1)
    FROM pg_catalog.pg_constraint c WHERE c.contype = 'f'
),
constraints AS (
    SELECT f.root, json_agg(json_build_object('name', k.name, 'kind', k.kind, 'columns', k.columns)
                            ORDER BY k.kind, k.name) AS list
    FROM family f JOIN checks k ON k.relid = f.relid
    GROUP BY f.root
),
-- Columns the role reading the facts may not SELECT (the batches read the key).
unselectable AS (
    SELECT a.attrelid AS oid, array_agg(a.attname::text ORDER BY a.attnum) AS list
    FROM rels r JOIN pg_catalog.pg_attribute a ON a.attrelid = r.oid
    WHERE a.attnum > 0 AND NOT a.attisdropped
      AND NOT pg_catalog.has_column_privilege(r.oid, a.attnum, 'SELECT')
    GROUP BY a.attrelid
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
                 AND NOT t.tgisinternal AND t.tgenabled <> 'D' AND (t.tgtype & 16) <> 0
                 AND cardinality(t.tgattr::int2[]) = 0),
           'triggers', coalesce(tr.list, '[]'::json),
           'rules', coalesce(ru.list, '[]'::json),
           'generated_columns', coalesce(ge.list, '{}'),
           'constraints', coalesce(co.list, '[]'::json),
           'columns_without_select', coalesce(un.list, '{}'),
           'populated', (SELECT c.relispopulated FROM pg_catalog.pg_class c WHERE c.oid = r.oid),
           'default_partition', EXISTS (SELECT FROM pg_catalog.pg_partitioned_table p
                                        WHERE p.partrelid = r.oid AND p.partdefid <> 0),
           'constraint_names', array(SELECT k.conname::pg_catalog.text FROM pg_catalog.pg_constraint k
                                     WHERE k.conrelid = r.oid ORDER BY 1),
           -- The columns its partition constraint reads: its ancestors' key columns and the
           -- Vars of their key expressions (null for a table that is not a partition).
           'partition_check_column', CASE WHEN (SELECT c.relispartition FROM pg_catalog.pg_class c
                                                 WHERE c.oid = r.oid) THEN (
               SELECT CASE WHEN pg_catalog.count(DISTINCT k.name) = 1 THEN pg_catalog.min(k.name) ELSE '' END
               FROM pg_catalog.pg_partition_ancestors(r.oid) anc
               JOIN pg_catalog.pg_partitioned_table p ON p.partrelid = anc.relid AND anc.relid <> r.oid
               LEFT JOIN LATERAL (
                   SELECT a.attname::pg_catalog.text AS name FROM pg_catalog.pg_attribute a
                   WHERE a.attrelid = p.partrelid AND a.attnum > 0
                     AND (a.attnum = ANY (p.partattrs::int2[])
                          OR a.attnum IN (SELECT v[1]::int2 FROM pg_catalog.regexp_matches(
                                              coalesce(p.partexprs::text, ''), ':varattno ([0-9]+)', 'g') AS v))
               ) k ON true) END
       ) ORDER BY r.schema, r.name), '[]'::json)::text AS tables,
       current_setting('pgsafe.facts_search_path') AS search_path,
       -- Names no table fact lists that default names avoid too (analysis::SchemaNames), in one
       -- pass over each catalog.
       (SELECT coalesce(pg_catalog.json_object_agg(n.nspname, pg_catalog.json_build_object(
                   'relations', coalesce(o.list, '{}'), 'constraints', coalesce(k.list, '{}'))),
                   '{}'::pg_catalog.json)::text
        FROM pg_catalog.pg_namespace n
        LEFT JOIN (SELECT c.relnamespace, array_agg(c.relname::pg_catalog.text ORDER BY c.relname::pg_catalog.text) AS list
                   FROM pg_catalog.pg_class c WHERE c.relkind NOT IN ('r', 'p', 'm', 'i', 'I', 't')
                   GROUP BY c.relnamespace) o ON o.relnamespace = n.oid
        LEFT JOIN (SELECT k.connamespace, array_agg(k.conname::pg_catalog.text ORDER BY k.conname::pg_catalog.text) AS list
                   FROM pg_catalog.pg_constraint k
                   WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_class c
                                     WHERE c.oid = k.conrelid AND c.relkind IN ('r', 'p', 'm'))
                   GROUP BY k.connamespace) k ON k.connamespace = n.oid
        WHERE (o.list IS NOT NULL OR k.list IS NOT NULL)
          AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
          AND n.nspname::pg_catalog.text !~ '^pg_(toast_)?temp_'
       ) AS other_names
FROM rels r
JOIN sizes s ON s.oid = r.oid
LEFT JOIN triggers tr ON tr.root = r.oid
LEFT JOIN rules ru ON ru.root = r.oid
LEFT JOIN generated ge ON ge.root = r.oid
LEFT JOIN constraints co ON co.root = r.oid
LEFT JOIN unselectable un ON un.oid = r.oid
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
    t.triggers.emplace();
    for (const auto& jt : j.at("triggers")) {
        analysis::TriggerFact tr;
        tr.name = jt.at("name").get<std::string>();
        tr.row = jt.at("level").get<std::string>() == "row";
        tr.timing = jt.at("timing").get<std::string>();
        tr.events = jt.at("events").get<std::vector<std::string>>();
        tr.transition = jt.at("transition").get<bool>();
        t.triggers->push_back(std::move(tr));
    }
    t.rules.emplace();
    for (const auto& jr : j.at("rules"))
        t.rules->push_back({jr.at("name").get<std::string>(), jr.at("event").get<std::string>()});
    t.generated_columns = j.at("generated_columns").get<std::vector<std::string>>();
    t.constraints.emplace();
    for (const auto& jc : j.at("constraints"))
        t.constraints->push_back({jc.at("name").get<std::string>(), jc.at("kind").get<std::string>(),
                                  jc.at("columns").get<std::vector<std::string>>()});
    t.columns_without_select = j.at("columns_without_select").get<std::vector<std::string>>();
    t.populated = j.at("populated").get<bool>();
    t.default_partition = j.at("default_partition").get<bool>();
    t.constraint_names = j.at("constraint_names").get<std::vector<std::string>>();
    if (!j.at("partition_check_column").is_null())
        t.partition_check_column = j.at("partition_check_column").get<std::string>();
    return t;
}

// What both reads run first in their transaction: read-only with timeouts, the search path names
// are resolved with kept in pgsafe.facts_search_path, then pg_catalog alone. The query itself runs
// with pg_catalog alone, so no function or operator of another schema can stand in for the
// catalog's (a better-matching overload in public would run as the migrating role). SET LOCAL:
// the session's own search_path is back once the read ends.
std::string read_prefix(FactsSearchPath path_from) {
    return k_read_only_timeouts +
           (path_from == FactsSearchPath::SessionDefault ? std::string("SET LOCAL search_path TO DEFAULT;\n")
                                                         : std::string()) +
           "SELECT pg_catalog.set_config('pgsafe.facts_search_path', "
           "pg_catalog.array_to_json(pg_catalog.current_schemas(false))::pg_catalog.text, true);\n"
           "SET LOCAL search_path = pg_catalog, pg_temp;\n";
}

// The schemas the facts query reads: all but the system's and temporary ones, or `schema` alone.
std::string schemas_read(Connection::Impl& impl, const std::optional<std::string>& schema) {
    return "n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')\n"
           "      AND n.nspname::pg_catalog.text !~ '^pg_(toast_)?temp_'\n" +
           (schema ? "      AND n.nspname = " + impl.connection.quote(*schema) + "\n" : std::string());
}

}  // namespace

std::string catalog_glance_sql(Connection& connection, const std::optional<std::string>& schema,
                               FactsSearchPath path_from) {
    const std::string schemas = schemas_read(connection.impl(), schema);
    const std::string relations =
        "SELECT c.relkind FROM pg_catalog.pg_class c\n"
        "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE " +
        schemas;
    const std::string constraints =
        "SELECT FROM pg_catalog.pg_constraint k\n"
        "JOIN pg_catalog.pg_namespace n ON n.oid = k.connamespace WHERE " +
        schemas;
    return read_prefix(path_from) + "SELECT pg_catalog.current_setting('pgsafe.facts_search_path'),\n" +
           "       EXISTS (" + relations + ") OR EXISTS (" + constraints + "),\n" +
           "       EXISTS (SELECT FROM (" + relations + ") r WHERE r.relkind = 'p')";
}

CatalogGlance catalog_glance(const Connection::Row& row) {
    if (row.size() != 3 || !row[0] || !row[1] || !row[2])
        throw std::logic_error("catalog_glance: not a row of catalog_glance_sql's");
    return {nlohmann::json::parse(*row[0]).get<std::vector<std::string>>(), *row[1] == "t", *row[2] == "t"};
}

CatalogGlance glance_at_catalog(Connection& connection, const std::optional<std::string>& schema,
                                FactsSearchPath path_from) {
    auto rows = connection.query(catalog_glance_sql(connection, schema, path_from),
                                 "reading the catalog of " + connection.impl().target);
    return catalog_glance(rows.at(0));
}

analysis::TableFacts load_table_facts(Connection& connection) {
    return load_table_facts(connection, std::nullopt);
}

analysis::TableFacts load_table_facts(Connection& connection, const std::optional<std::string>& schema) {
    return load_table_facts(connection, schema, FactsSearchPath::Current);
}

analysis::TableFacts load_table_facts(Connection& connection, const std::optional<std::string>& schema,
                                      FactsSearchPath path_from) {
    auto& impl = connection.impl();
    // An empty database (a pipeline building one from its whole history) is common, and the facts
    // query costs tens of milliseconds to plan even then: a glance first, which says it is empty.
    CatalogGlance glance = glance_at_catalog(connection, schema, path_from);
    if (!glance.holds_names)
        return analysis::TableFacts({}, std::move(glance.search_path),
                                    std::map<std::string, analysis::SchemaNames>{});
    std::string query = k_facts_query;
    if (schema) {  // one more condition on each list of schemas read (relations, other names), after its last
        const std::string last_filter = "AND n.nspname::pg_catalog.text !~ '^pg_(toast_)?temp_'\n";
        const std::string condition = "      AND n.nspname = " + impl.connection.quote(*schema) + "\n";
        std::size_t places = 0;
        for (auto at = query.find(last_filter); at != std::string::npos;
             at = query.find(last_filter, at), ++places) {
            query.insert(at + last_filter.size(), condition);
            at += last_filter.size() + condition.size();
        }
        if (places != 2) throw std::logic_error("load_table_facts: the schema filter has no place");
    }
    auto [tables_text, search_path_text,
          other_names_text] = guarded("reading table statistics from " + impl.target, [&] {
        pqxx::nontransaction tx(impl.connection);
        pqxx::row row = tx.exec1(read_prefix(path_from) + query);
        return std::make_tuple(row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<std::string>());
    });
    std::vector<analysis::TableFact> tables;
    for (const auto& j : nlohmann::json::parse(tables_text)) tables.push_back(table_fact(j));
    auto search_path = nlohmann::json::parse(search_path_text).get<std::vector<std::string>>();
    std::map<std::string, analysis::SchemaNames> other_names;
    const nlohmann::json other_names_json = nlohmann::json::parse(other_names_text);
    for (const auto& [schema, j] : other_names_json.items())
        other_names[schema] = {j.at("relations").get<std::vector<std::string>>(),
                               j.at("constraints").get<std::vector<std::string>>()};
    spdlog::debug("read {} tables from {} (search_path {})", tables.size(), impl.target,
                  nlohmann::json(search_path).dump());
    return analysis::TableFacts(std::move(tables), std::move(search_path), std::move(other_names));
}

}  // namespace pgsafe::db
