// The batch loop's pure parts: how the batch size adapts, and the keyset
// statements it sends (quoted at the edge, composite keys as rows).

#include "runner/batch_loop.hpp"
#include "runner/sql_text.hpp"
#include "runner/tracking.hpp"

#include <catch2/catch.hpp>

using namespace pgsafe;
using namespace pgsafe::runner;
using std::chrono::milliseconds;

namespace {

config::Run sizes(long min, long max, int target_ms = 200) {
    config::Run r;
    r.batch_min = min;
    r.batch_max = max;
    r.batch_target = milliseconds(target_ms);
    return r;
}

plan::Batch composite() {
    plan::Batch b;
    b.schema = "dot.schema";
    b.table = "a.\"b";
    b.key = {"tenant", "id"};
    b.types = {"uuid", "text"};
    return b;
}

}  // namespace

TEST_CASE("batches start small and grow by at most x1.2 while they are fast", "[unit][batches]") {
    BatchSizer s(sizes(100, 1000));
    CHECK(s.size() == 100);
    s.finished(100, milliseconds(1));
    CHECK(s.size() == 120);
    for (int i = 0; i < 50; ++i) s.finished(s.size(), milliseconds(1));
    CHECK(s.size() == 1000);
}

TEST_CASE("a slow batch shrinks the next toward the target, at most by half, never below batch_min",
          "[unit][batches]") {
    BatchSizer s(sizes(100, 100000));
    for (int i = 0; i < 40; ++i) s.finished(s.size(), milliseconds(10));
    long big = s.size();
    s.finished(big, milliseconds(250));  // 200 / 250: x0.8
    CHECK(s.size() == static_cast<long>(big * 0.8));
    long before = s.size();
    s.finished(before, milliseconds(10000));  // at most half
    CHECK(s.size() == before / 2);
    for (int i = 0; i < 40; ++i) s.finished(s.size(), milliseconds(10000));
    CHECK(s.size() == 100);
}

TEST_CASE("a timeout halves the batch until batch_min, and a short last batch changes nothing",
          "[unit][batches]") {
    BatchSizer s(sizes(100, 1000));
    for (int i = 0; i < 20; ++i) s.finished(s.size(), milliseconds(1));
    REQUIRE(s.size() == 1000);
    CHECK(s.halve());
    CHECK(s.size() == 500);
    s.finished(3, milliseconds(100000));
    CHECK(s.size() == 500);
    while (s.halve()) {
    }
    CHECK(s.size() == 100);
    CHECK_FALSE(s.halve());
}

TEST_CASE("the next batch is found by keyset, quoted at the edge", "[unit][batches]") {
    plan::Batch b = composite();
    std::string first = next_batch_sql(b, std::nullopt, 500);
    INFO(first);
    CHECK(first.find("FROM \"dot.schema\".\"a.\"\"b\" ORDER BY \"tenant\", \"id\" LIMIT 500") !=
          std::string::npos);
    CHECK(first.find("WHERE") == std::string::npos);
    std::string next = next_batch_sql(b, std::vector<std::string>{"0f0e", "it's"}, 500);
    INFO(next);
    CHECK(next.find("WHERE (\"tenant\", \"id\") > ('0f0e', 'it''s')") != std::string::npos);
    CHECK(next.find("ORDER BY \"tenant\" DESC, \"id\" DESC LIMIT 1") != std::string::npos);
    // The 500th key is reached by skipping in index order, not by collecting and sorting the keys.
    CHECK(next.find("ORDER BY \"tenant\", \"id\" OFFSET 499 LIMIT 1") != std::string::npos);
    CHECK(next.find("WITH") == std::string::npos);
    CHECK(execute_batch_sql({"a", "b'c"}, {"d", "e"}) == "EXECUTE pgsafe_batch ('a', 'b''c', 'd', 'e');");
}

TEST_CASE("the last key done is recorded as text with its columns and types", "[unit][batches]") {
    std::string sql = batch_done_sql("3", 2, composite(), {"0f0e", "it's"});
    INFO(sql);
    CHECK(sql.find("batch_last = "
                   "'{\"columns\":[\"tenant\",\"id\"],\"types\":[\"uuid\",\"text\"],\"values\":[\"0f0e\","
                   "\"it''s\"]}'::pg_catalog.jsonb") != std::string::npos);
}

TEST_CASE("names are quoted as (schema, name) pairs, never split at a dot", "[unit][batches]") {
    CHECK(qualified(sql::RelationName{"dot.schema", "a.b_idx"}) == "\"dot.schema\".\"a.b_idx\"");
    CHECK(qualified(sql::RelationName{"", "a.b_idx"}) == "\"a.b_idx\"");
}

TEST_CASE("one batch is one round trip: keys, change, record and COMMIT, then what it did",
          "[unit][batches]") {
    BatchTrip trip;
    trip.after = std::vector<std::string>{"0f0e", "it's"};
    trip.limit = 500;
    trip.parameter_types = {"uuid", "text", "uuid", "text"};
    trip.timeouts = "SET LOCAL lock_timeout = '100ms';";
    trip.version = "3";
    trip.step = 2;
    std::string sql = batch_round_trip_sql(composite(), trip);
    INFO(sql);
    auto at = [&](const std::string& part) {
        auto found = sql.find(part);
        CHECK(found != std::string::npos);
        return found;
    };
    // In this order, the record inside the transaction, the reading after it.
    auto begin = at("BEGIN;\nSET LOCAL lock_timeout = '100ms';");
    auto keys = at("WHERE (\"tenant\", \"id\") > ('0f0e', 'it''s') ORDER BY \"tenant\", \"id\" LIMIT 500");
    auto change =
        at("EXECUTE pgsafe_batch "
           "((pg_catalog.json_extract_path_text(pg_catalog.current_setting('pgsafe.batch')::"
           "pg_catalog.json, '1'))::uuid, ");
    auto record = at("UPDATE pgsafe.steps SET batch_last");
    auto commit = at("COMMIT;\nSELECT pg_catalog.current_setting('pgsafe.batch')");
    CHECK(begin < keys);
    CHECK(keys < change);
    CHECK(change < record);
    CHECK(record < commit);
    // The last key's values are the 3rd and 4th kept; nothing is recorded when no key was left.
    at("'values', pg_catalog.jsonb_build_array(pg_catalog.json_extract_path_text(pg_catalog.current_setting("
       "'pgsafe.batch')::pg_catalog.json, '3'), ");
    at("pg_catalog.json_array_length(pg_catalog.current_setting('pgsafe.batch')::pg_catalog.json) > 0");
    CHECK(sql.find("pg_stat_replication") == std::string::npos);
    trip.replicas = true;
    CHECK(batch_round_trip_sql(composite(), trip).find("FROM pg_catalog.pg_stat_replication") !=
          std::string::npos);
}

TEST_CASE("a part of the key ends at its cut, and its batches record their last key as the part's",
          "[unit][batches]") {
    BatchTrip trip;
    trip.after = std::vector<std::string>{"0f0e", "it's"};
    trip.until = std::vector<std::string>{"7a7a", "k9"};
    trip.limit = 500;
    trip.parameter_types = {"uuid", "text", "uuid", "text"};
    trip.version = "3";
    trip.step = 2;
    trip.range = 1;
    std::string sql = batch_round_trip_sql(composite(), trip);
    INFO(sql);
    CHECK(
        sql.find("WHERE (\"tenant\", \"id\") > ('0f0e', 'it''s') AND (\"tenant\", \"id\") <= ('7a7a', 'k9') "
                 "ORDER BY") != std::string::npos);
    CHECK(sql.find("batch_last = pg_catalog.jsonb_set(batch_last, '{ranges,1,last}', "
                   "pg_catalog.jsonb_build_array(") != std::string::npos);
    CHECK(sql.find("'values'") == std::string::npos);

    // The parts, written before the first batch; read back as BatchRange.
    std::string parts = batch_ranges_sql(
        "3", 2, composite(),
        {{std::vector<std::string>{"7a7a", "k9"}, std::nullopt}, {std::nullopt, std::nullopt}});
    CHECK(parts.find(
              "\"ranges\":[{\"last\":null,\"until\":[\"7a7a\",\"k9\"]},{\"last\":null,\"until\":null}]") !=
          std::string::npos);
    CHECK(batch_done_sql("3", 2, 0, {"0f0e", "it's"})
              .find("jsonb_set(batch_last, '{ranges,0,last}', '[\"0f0e\",\"it''s\"]'::pg_catalog.jsonb)") !=
          std::string::npos);

    // The cuts: the keys at 1/n … (n-1)/n of a page sample, in key order.
    std::string cut = split_keys_sql(composite(), 3, 0.5);
    INFO(cut);
    CHECK(cut.find("FROM \"dot.schema\".\"a.\"\"b\" TABLESAMPLE SYSTEM (0.5)") != std::string::npos);
    CHECK(cut.find("OVER (ORDER BY \"tenant\", \"id\")") != std::string::npos);
    CHECK(cut.find("generate_series(1, 3 - 1)") != std::string::npos);
}
