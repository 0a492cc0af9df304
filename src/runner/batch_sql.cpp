// The statements of a batched step, as text: which keys the next batch
// takes (keyset pagination in the key's index order, plan/batch_keys.hpp),
// and one batch as one round trip whose change and record commit together
// or not at all.

#include "batch_sql.hpp"

#include "sql_text.hpp"
#include "tracking.hpp"

#include "pgsafe/plan/batch_keys.hpp"
#include "pgsafe/sql/identifier.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cmath>

namespace pgsafe::runner {
namespace {

std::string joined(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
    return out;
}

// The next `limit` keys (all when nullopt) after `after`, as
// "SELECT <select(count, first, last)> FROM …" (no semicolon); no row when none are left.
template <typename Select>
std::string next_keys_sql(const plan::Batch& batch, const std::optional<std::vector<std::string>>& after,
                          std::optional<long> limit, bool inclusive, Select&& select,
                          const std::optional<std::vector<std::string>>& until = std::nullopt) {
    auto literals = [](const std::optional<std::vector<std::string>>& key) {
        std::optional<std::vector<std::string>> out;
        if (!key) return out;
        out.emplace();
        for (const auto& v : *key) out->push_back(literal(v));
        return out;
    };
    plan::NextKeys keys = plan::next_keys(batch, literals(after), limit, inclusive, literals(until));
    std::vector<std::string> f;
    std::vector<std::string> l;
    for (const auto& k : keys.key) {
        f.push_back("f." + k + "::pg_catalog.text");
        l.push_back("l." + k + "::pg_catalog.text");
    }
    return fmt::format("SELECT {} FROM {}", select(keys.count, joined(f), joined(l)), keys.from);
}

// The n-th element of the batch's keys as the round trip keeps them (the setting pgsafe.batch).
std::string kept(std::size_t n) {
    return fmt::format(
        "pg_catalog.json_extract_path_text(pg_catalog.current_setting('pgsafe.batch')::pg_catalog.json, "
        "'{}')",
        n);
}

}  // namespace

std::string next_batch_sql(const plan::Batch& batch, const std::optional<std::vector<std::string>>& after,
                           std::optional<long> limit, bool inclusive,
                           const std::optional<std::vector<std::string>>& until) {
    return next_keys_sql(
               batch, after, limit, inclusive,
               [](const std::string& count, const std::string& first, const std::string& last) {
                   return count + ", " + first + ", " + last;
               },
               until) +
           ";";
}

std::string batch_round_trip_sql(const plan::Batch& batch, const BatchTrip& trip) {
    std::size_t n = batch.key.size();
    // The keys found, as a JSON array [count, first…, last…] kept in a session
    // setting for the statements after it ('[]': none left).
    std::string keys = next_keys_sql(
        batch, trip.after, trip.limit, false,
        [](const std::string& count, const std::string& first, const std::string& last) {
            return fmt::format("pg_catalog.json_build_array({}, {}, {})::pg_catalog.text", count, first,
                               last);
        },
        trip.until);
    std::vector<std::string> params;
    for (std::size_t i = 0; i < 2 * n; ++i)
        params.push_back(fmt::format("({})::{}", kept(1 + i), trip.parameter_types.at(i)));
    std::vector<std::string> values;
    for (std::size_t i = 0; i < n; ++i) values.push_back(kept(1 + n + i));
    std::string last =
        trip.range
            ? fmt::format(
                  "pg_catalog.jsonb_set(batch_last, '{{ranges,{},last}}', pg_catalog.jsonb_build_array({}))",
                  *trip.range, joined(values))
            : fmt::format(
                  "pg_catalog.jsonb_build_object('columns', {}::pg_catalog.jsonb, 'types', "
                  "{}::pg_catalog.jsonb, 'values', pg_catalog.jsonb_build_array({}))",
                  literal(nlohmann::json(batch.key).dump()), literal(nlohmann::json(batch.types).dump()),
                  joined(values));
    std::string record = fmt::format(
        "UPDATE pgsafe.steps SET batch_last = {} WHERE version = {} AND step = {} AND "
        "pg_catalog.json_array_length(pg_catalog.current_setting('pgsafe.batch')::pg_catalog.json) > 0;",
        last, literal(trip.version), trip.step);
    std::string replicas = trip.replicas
                               ? fmt::format(
                                     "(SELECT pg_catalog.json_agg(pg_catalog.json_build_array(r.name, r.lag, "
                                     "r.behind))::pg_catalog.text FROM ({}) r(name, lag, behind))",
                                     k_replica_lag_sql)
                               : "NULL";
    const std::string now = "pg_catalog.date_part('epoch', pg_catalog.clock_timestamp())";
    return fmt::format(
        "BEGIN;\n{0}\n"
        "SELECT pg_catalog.set_config('pgsafe.batch', coalesce(({1}), '[]'), false);\n"
        "SELECT pg_catalog.set_config('pgsafe.batch_at', {2}::pg_catalog.text, false);\n"
        "EXECUTE pgsafe_batch ({3});\n"
        "{4}\n{5}{6}\nCOMMIT;\n"
        "SELECT pg_catalog.current_setting('pgsafe.batch'), ({2} - "
        "pg_catalog.current_setting('pgsafe.batch_at')::pg_catalog.float8) OPERATOR(pg_catalog.*) 1000, {7};",
        trip.timeouts, keys, now, joined(params), k_own_settings_sql, trip.lock_check, record, replicas);
}

std::optional<BatchDone> batch_done(const std::vector<db::Connection::Row>& rows, std::size_t key_columns) {
    if (rows.empty() || !rows[0].at(0)) return std::nullopt;
    auto found = nlohmann::json::parse(*rows[0][0]);
    if (found.empty()) return std::nullopt;
    BatchDone d;
    d.keys = found.at(0).get<long>();
    for (std::size_t i = 0; i < key_columns; ++i) {
        d.first.push_back(found.at(1 + i).get<std::string>());
        d.last.push_back(found.at(1 + key_columns + i).get<std::string>());
    }
    d.changed = std::chrono::milliseconds(std::lround(std::stod(rows[0].at(1).value_or("0"))));
    return d;
}

std::string prepare_batch_sql(const StoredStep& step) {
    // Keyset steps leave the parameter types to PostgreSQL: each is its key column's.
    if (step.batch && step.batch->legacy_range) return "PREPARE pgsafe_batch (bigint, bigint) AS " + step.sql;
    return "PREPARE pgsafe_batch AS " + step.sql;
}

std::string split_keys_sql(const plan::Batch& batch, int parts, double percent) {
    std::vector<std::string> key;
    std::vector<std::string> text;
    for (const auto& k : batch.key) {
        key.push_back(sql::quoted_identifier(k));
        text.push_back(key.back() + "::pg_catalog.text");
    }
    return fmt::format(
        "SELECT pg_catalog.json_build_array({0})::pg_catalog.text FROM (SELECT {1}, pg_catalog.row_number() "
        "OVER (ORDER BY {1}) AS \"pgsafe n\", pg_catalog.count(*) OVER () AS \"pgsafe keys\" FROM {2}.{3} "
        "TABLESAMPLE SYSTEM ({4})) s WHERE \"pgsafe n\" IN (SELECT GREATEST(1, \"pgsafe keys\" "
        "OPERATOR(pg_catalog.*) g OPERATOR(pg_catalog./) {5}) FROM pg_catalog.generate_series(1, {5} - 1) g) "
        "ORDER BY \"pgsafe n\"",
        joined(text), joined(key), sql::quoted_identifier(batch.schema), sql::quoted_identifier(batch.table),
        percent, parts);
}

std::string execute_batch_sql(const std::vector<std::string>& first, const std::vector<std::string>& last) {
    std::vector<std::string> values;
    for (const auto& v : first) values.push_back(literal(v));
    for (const auto& v : last) values.push_back(literal(v));
    return fmt::format("EXECUTE pgsafe_batch ({});", joined(values));
}

}  // namespace pgsafe::runner
