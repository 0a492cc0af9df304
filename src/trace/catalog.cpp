// The catalog description behind `pgsafe trace --plan`'s equivalence proof,
// the per-statement "what changed" lines, and the plan equivalence tests:
// catalog queries that leave out OIDs, so equal schemas give equal lines.

#include "pgsafe/trace/catalog.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>

namespace pgsafe::trace {
namespace {

// The schemas described: everything but the system's and pgsafe's own.
constexpr const char* k_user_schema =
    "(n.nspname NOT IN ('pg_catalog', 'information_schema', 'pgsafe') AND n.nspname NOT LIKE 'pg\\_%')";

// An object's name: bare in public, schema-qualified elsewhere.
std::string label(const char* schema, const char* name) {
    return fmt::format("CASE WHEN {0} = 'public' THEN {1}::text ELSE {0} || '.' || {1} END", schema, name);
}

std::vector<std::string> first_column(const std::vector<db::Connection::Row>& rows) {
    std::vector<std::string> out;
    for (const auto& row : rows) out.push_back(row.at(0).value_or(""));
    return out;
}

std::string catalog_query() {
    std::string rel = label("n.nspname", "c.relname");
    return fmt::format(R"(
        SELECT format('relation %s: kind %s%s', {rel}, c.relkind,
                      coalesce(', partition of ' || {parent} || ' ' || pg_get_expr(c.relpartbound, c.oid), ''))
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_inherits i ON i.inhrelid = c.oid LEFT JOIN pg_class parent ON parent.oid = i.inhparent
        LEFT JOIN pg_namespace pn ON pn.oid = parent.relnamespace
        WHERE {user} AND c.relkind IN ('r', 'p', 'm', 'v', 'f', 'S')
      UNION ALL
        SELECT format('column %s.%s: #%s %s, not null %s, default %s', {rel}, a.attname,
                      row_number() OVER (PARTITION BY c.oid ORDER BY a.attnum), format_type(a.atttypid, a.atttypmod),
                      a.attnotnull, coalesce(pg_get_expr(d.adbin, d.adrelid), '-'))
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE {user} AND c.relkind IN ('r', 'p', 'm', 'v', 'f') AND a.attnum > 0 AND NOT a.attisdropped
      UNION ALL
        SELECT format('constraint %s on %s: %s, type %s, validated %s', con.conname, {rel},
                      pg_get_constraintdef(con.oid), con.contype, con.convalidated)
        FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE {user}
      UNION ALL
        SELECT format('index %s: %s, valid %s, unique %s, primary %s', {index}, pg_get_indexdef(i.indexrelid),
                      i.indisvalid, i.indisunique, i.indisprimary)
        FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_namespace n ON n.oid = ic.relnamespace
        WHERE {user}
      UNION ALL
        SELECT format('function %s(%s) returns %s', {function}, pg_get_function_identity_arguments(p.oid),
                      pg_get_function_result(p.oid))
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE {user})",
                       fmt::arg("rel", rel), fmt::arg("parent", label("pn.nspname", "parent.relname")),
                       fmt::arg("index", label("n.nspname", "ic.relname")),
                       fmt::arg("function", label("n.nspname", "p.proname")),
                       fmt::arg("user", k_user_schema));
}

}  // namespace

std::vector<std::string> describe_catalog(db::Connection& connection) {
    std::vector<std::string> out = first_column(connection.query(catalog_query(), "describing the catalog"));
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<std::string> describe_rows(db::Connection& connection) {
    auto tables = connection.query(
        fmt::format(R"(
        SELECT {label}, quote_ident(n.nspname) || '.' || quote_ident(c.relname),
               coalesce(string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum)
                        FILTER (WHERE a.atttypid NOT IN ('timestamptz'::regtype, 'timestamp'::regtype)), '')
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
        WHERE {user} AND c.relkind IN ('r', 'm') AND c.relispopulated
        GROUP BY n.nspname, c.relname)",
                    fmt::arg("label", label("n.nspname", "c.relname")), fmt::arg("user", k_user_schema)),
        "listing the tables");
    std::vector<std::string> out;
    for (const auto& table : tables) {
        std::string name = table.at(0).value_or("");
        std::string columns = table.at(2).value_or("");
        std::string row = columns.empty() ? "''" : "row(" + columns + ")::text";
        auto summary = connection.query(
            fmt::format("SELECT count(*), md5(coalesce(string_agg(r, E'\\n' ORDER BY r), '')) FROM "
                        "(SELECT {} AS r FROM {}) t",
                        row, table.at(1).value_or("")),
            "counting rows");
        out.push_back(fmt::format("rows of {}: {}, md5 {}", name, summary.at(0).at(0).value_or(""),
                                  summary.at(0).at(1).value_or("")));
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<std::string> describe(db::Connection& connection) {
    std::vector<std::string> out = describe_catalog(connection);
    std::vector<std::string> rows = describe_rows(connection);
    out.insert(out.end(), rows.begin(), rows.end());
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<std::string> invalid_objects(db::Connection& connection) {
    std::vector<std::string> out = first_column(connection.query(fmt::format(R"(
        SELECT 'constraint ' || con.conname FROM pg_constraint con
        JOIN pg_namespace n ON n.oid = con.connamespace
        WHERE {0} AND NOT con.convalidated
      UNION ALL
        SELECT 'index ' || ic.relname FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
        JOIN pg_namespace n ON n.oid = ic.relnamespace
        WHERE {0} AND NOT i.indisvalid)",
                                                                             k_user_schema),
                                                                 "listing invalid constraints and indexes"));
    std::sort(out.begin(), out.end());
    return out;
}

CatalogDiff compare_descriptions(const std::vector<std::string>& first,
                                 const std::vector<std::string>& second) {
    CatalogDiff diff;
    std::set_difference(first.begin(), first.end(), second.begin(), second.end(),
                        std::back_inserter(diff.only_in_first));
    std::set_difference(second.begin(), second.end(), first.begin(), first.end(),
                        std::back_inserter(diff.only_in_second));
    return diff;
}

std::vector<std::string> diff_lines(const CatalogDiff& diff) {
    std::vector<std::string> out;
    for (const auto& line : diff.only_in_first) out.push_back("- " + line);
    for (const auto& line : diff.only_in_second) out.push_back("+ " + line);
    return out;
}

}  // namespace pgsafe::trace
