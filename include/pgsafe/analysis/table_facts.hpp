#pragma once
// What pgsafe knows about the tables a migration touches: size from the live
// database or a stats snapshot, and their indexes. Pure: loaders elsewhere
// fill it; snapshots are read and written as JSON text here.

#include "pgsafe/sql/ir.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace pgsafe::analysis {

struct IndexFact {
    std::string name;
    std::vector<std::string> columns;  // key columns in order; "" for an expression
    std::vector<std::string>
        types;  // their types as format_type spells them ("bigint", "uuid"); empty: unknown
    bool unique = false;
    bool primary = false;
    bool valid = true;
    // Unknown (nullopt) in a snapshot from before they were recorded.
    std::optional<bool> partial;   // has a WHERE clause
    std::optional<bool> not_null;  // every key column is a NOT NULL column
};

// An enabled user trigger on the table or a table it reaches (a partition, an
// inheritance child). What batching asks of it: which events fire it, row or
// statement level, before or after, and whether it sees transition tables.
struct TriggerFact {
    std::string name;
    bool row = true;                  // FOR EACH ROW, else FOR EACH STATEMENT
    std::string timing = "after";     // "before", "after" or "instead of"
    std::vector<std::string> events;  // "insert", "update", "delete", "truncate"
    bool transition = false;          // REFERENCING OLD TABLE / NEW TABLE
    bool fires_on(const std::string& event) const;
};

// An enabled rule (pg_rewrite, not a view's _RETURN) on the table or a table it reaches.
struct RuleFact {
    std::string name;
    std::string event;  // "select", "update", "insert" or "delete"
};

// What checks a column across rows: a unique or exclusion index (constraint
// or not), a foreign key of the table, or one that references it. Of the
// table or of a table it reaches.
struct ConstraintFact {
    std::string name;
    std::string kind;  // "unique", "exclusion", "foreign key", "referenced by foreign key"
    // The table's columns it reads (key, expression and WHERE columns; those
    // of this table for a referencing key); "*" when that is not known.
    std::vector<std::string> columns;
    bool uses(const std::string& column) const;
};

struct TableFact {
    std::string schema;
    std::string name;
    double rows = 0;             // pg_class.reltuples (-1 never analysed: treated as unknown rows)
    std::int64_t bytes = 0;      // pg_total_relation_size
    std::string kind = "table";  // table, partitioned table, materialized view, …
    std::vector<IndexFact> indexes;
    // Enabled user triggers (row or statement level) that an UPDATE of a new
    // column would fire: ON UPDATE without a column list, on the table or a
    // partition of it. nullopt: not known (a snapshot from before they were recorded).
    std::optional<std::vector<std::string>> update_triggers;
    // What running an UPDATE or DELETE in batches could change (see
    // docs/plan.md, "Which statements are batched"). Each nullopt when not
    // known: a snapshot from before it was recorded, and batching declines.
    std::optional<std::vector<TriggerFact>> triggers;
    std::optional<std::vector<RuleFact>> rules;
    std::optional<std::vector<std::string>> generated_columns;  // GENERATED ALWAYS AS (…) STORED
    std::optional<std::vector<ConstraintFact>> constraints;
    // Columns the role that read the facts may not SELECT (has_column_privilege).
    std::optional<std::vector<std::string>> columns_without_select;
    // A materialized view holds data (pg_class.relispopulated): REFRESH …
    // CONCURRENTLY fails on one that does not. nullopt: not known.
    std::optional<bool> populated;
    // A partitioned table has a DEFAULT partition: DETACH PARTITION …
    // CONCURRENTLY fails on one that does. nullopt: not known.
    std::optional<bool> default_partition;
    // The names of the table's constraints (pg_constraint, any kind): a name
    // PostgreSQL would choose for a new unnamed one is numbered ("…_fkey1")
    // when any constraint of the schema holds it. nullopt: not known.
    std::optional<std::vector<std::string>> constraint_names;
    // A partition: the one column its partition constraint reads (with its
    // ancestors'), after which PostgreSQL names the CHECK that DETACH …
    // CONCURRENTLY adds ("<table>_<column>_check"); "" when it reads several
    // ("<table>_check"). nullopt: not a partition, or not known.
    std::optional<std::string> partition_check_column;
};

// Names of a schema that no TableFact lists, which PostgreSQL's default
// names avoid as well: an unnamed index is numbered when any relation holds
// its name (views, sequences, composite types and foreign tables here), an
// unnamed constraint when any constraint does (a domain's or a foreign
// table's here).
struct SchemaNames {
    std::vector<std::string> relations;
    std::vector<std::string> constraints;
};

struct Thresholds {
    double large_table_rows = 100000;
    std::int64_t large_table_bytes = 128LL * 1024 * 1024;
};

class TableFacts {
public:
    TableFacts() = default;
    TableFacts(std::vector<TableFact> tables, std::vector<std::string> search_path,
               std::optional<std::map<std::string, SchemaNames>> other_names = std::nullopt);

    // Resolves an unqualified name through the search path (default "public").
    const TableFact* find(const sql::RelationName& relation) const;
    const std::vector<TableFact>& tables() const { return m_tables; }
    const std::vector<std::string>& search_path() const { return m_search_path; }
    bool empty() const { return m_tables.empty(); }
    // By schema; nullopt when not known (a snapshot from before they were
    // recorded). A schema without an entry has none.
    const std::optional<std::map<std::string, SchemaNames>>& other_names() const { return m_other_names; }

    // The snapshot written by `pgsafe stats export` and read by `--stats`.
    std::string to_json() const;
    // Throws pgsafe::Error (Usage) with `origin` (a path) in the message on bad input.
    static TableFacts from_json(const std::string& text, const std::string& origin);

private:
    std::vector<TableFact> m_tables;
    std::vector<std::string> m_search_path{"public"};
    std::optional<std::map<std::string, SchemaNames>> m_other_names;
    std::map<std::string, size_t> m_by_name;  // "schema.name" -> index
};

// "41 M rows, 6.2 GB"
std::string describe_size(const TableFact& table);

}  // namespace pgsafe::analysis
