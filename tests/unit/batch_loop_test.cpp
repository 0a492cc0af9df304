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
    CHECK(execute_batch_sql({"a", "b'c"}, {"d", "e"}) == "EXECUTE pgsafe_batch ('a', 'b''c', 'd', 'e');");
}

TEST_CASE("the last key done is recorded as text with its columns and types", "[unit][batches]") {
    std::string sql = batch_done_sql("3", 2, composite(), {"0f0e", "it's"});
    INFO(sql);
    CHECK(sql.find("batch_last = "
                   "'{\"columns\":[\"tenant\",\"id\"],\"types\":[\"uuid\",\"text\"],\"values\":[\"0f0e\","
                   "\"it''s\"]}'::jsonb") != std::string::npos);
}

TEST_CASE("names are quoted as (schema, name) pairs, never split at a dot", "[unit][batches]") {
    CHECK(qualified(sql::RelationName{"dot.schema", "a.b_idx"}) == "\"dot.schema\".\"a.b_idx\"");
    CHECK(qualified(sql::RelationName{"", "a.b_idx"}) == "\"a.b_idx\"");
}
