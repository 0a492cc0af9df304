// Shapes where a rewrite would not do what the statement does under psql -f
// (found by trying to break pgsafe): the plan keeps them as written, with a
// `why` naming the reason, or names objects exactly as PostgreSQL would.

#include "pgsafe/plan/plan.hpp"
#include "pgsafe/sql/parse.hpp"

#include "plan_tables.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <map>

using namespace pgsafe;
using test::large_table;
using test::plan_files;
using test::plan_one;

namespace {

analysis::TableFact partitioned_table(const std::string& name) {
    analysis::TableFact t = large_table(name);
    t.kind = "partitioned table";
    return t;
}

std::string all_sql(const plan::MigrationPlan& p) {
    std::string out;
    for (const auto& s : p.steps) out += s.sql + ";\n";
    return out;
}

bool rewritten(const plan::MigrationPlan& p) {
    return std::any_of(p.steps.begin(), p.steps.end(),
                       [](const plan::Step& s) { return s.rule.has_value() || s.batch.has_value(); });
}

bool why_has(const plan::MigrationPlan& p, const std::string& part) {
    return std::any_of(p.steps.begin(), p.steps.end(),
                       [&](const plan::Step& s) { return s.why.find(part) != std::string::npos; });
}

}  // namespace

TEST_CASE("nothing of a block the file rolls back runs, rewritten statements included", "[plan][as-psql]") {
    for (const std::string body : {"UPDATE t SET a = a + 1;", "CREATE INDEX ta ON t (a);",
                                   "ALTER TABLE t ADD CHECK (a > 0);", "INSERT INTO t VALUES (1);"}) {
        INFO(body);
        auto p = plan_one("BEGIN;\n" + body + "\nROLLBACK;\n", {large_table("t")});
        CHECK(!p.syntax_error);
        CHECK(p.steps.empty());
    }
    auto p = plan_one("START TRANSACTION;\nCREATE INDEX ta ON t (a);\nABORT;\nCREATE INDEX tb ON t (b);\n",
                      {large_table("t")});
    REQUIRE(p.steps.size() == 1);
    CHECK(p.steps[0].sql.find("tb") != std::string::npos);
}

TEST_CASE("a block with savepoints runs whole, as written", "[plan][as-psql]") {
    auto p = plan_one(
        "BEGIN;\nSAVEPOINT s1;\nCREATE INDEX ta ON t (a);\nALTER TABLE t ADD CHECK (a > 0);\n"
        "ROLLBACK TO SAVEPOINT s1;\nCOMMIT;\n",
        {large_table("t")});
    REQUIRE(p.steps.size() == 1);
    CHECK(!rewritten(p));
    CHECK(p.steps[0].sql.find("CONCURRENTLY") == std::string::npos);
    CHECK(p.steps[0].sql.find("ROLLBACK TO SAVEPOINT s1") != std::string::npos);
    CHECK(why_has(p, "savepoints"));
}

TEST_CASE("a block that changes rows is neither rewritten nor cut: deferred constraints fire at its end",
          "[plan][as-psql]") {
    auto p = plan_one(
        "BEGIN;\nALTER TABLE x ADD COLUMN a int;\nINSERT INTO child VALUES (1, 99);\n"
        "ALTER TABLE y ADD COLUMN b int;\nCREATE INDEX ya ON y (b);\nINSERT INTO parent VALUES "
        "(99);\nCOMMIT;\n",
        {large_table("x"), large_table("y"), large_table("child"), large_table("parent")});
    REQUIRE(p.steps.size() == 1);
    CHECK(!rewritten(p));
    CHECK(why_has(p, "deferred constraints"));
}

TEST_CASE("COMMIT AND CHAIN opens a transaction: a file that ends in it is refused", "[plan][as-psql]") {
    auto p = plan_one("BEGIN;\nINSERT INTO t VALUES (2);\nCOMMIT AND CHAIN;\nCREATE INDEX ta ON t (a);\n",
                      {large_table("t")});
    CHECK(p.syntax_error);
    CHECK(p.steps.empty());
}

TEST_CASE("after SET search_path, a statement on an unqualified name is kept as written", "[plan][as-psql]") {
    auto p = plan_one("SET search_path = s;\nUPDATE t SET a = 1;\nCREATE INDEX ta ON t (a);\n",
                      {large_table("t")});
    CHECK(!rewritten(p));
    CHECK(why_has(p, "changed how names resolve"));
    // A qualified name is still rewritten, and so is everything before the SET.
    p = plan_one("CREATE INDEX ta ON t (a);\nSET search_path = s;\nCREATE INDEX tb ON public.t (b);\n",
                 {large_table("t")});
    CHECK(std::count_if(p.steps.begin(), p.steps.end(),
                        [](const plan::Step& s) { return s.rule.has_value(); }) == 2);
    // The path the facts were read with changes nothing.
    p = plan_one("SET search_path = public;\nCREATE INDEX ta ON t (a);\n", {large_table("t")});
    CHECK(rewritten(p));
    for (const std::string set :
         {"SET ROLE app;", "SELECT pg_catalog.set_config('search_path', 's', false);", "RESET ALL;"}) {
        INFO(set);
        CHECK(!rewritten(plan_one(set + "\nCREATE INDEX ta ON t (a);\n", {large_table("t")})));
    }
}

TEST_CASE("after standard_conforming_strings is turned off, nothing is rebuilt", "[plan][as-psql]") {
    auto p = plan_one(
        "SET standard_conforming_strings = off;\nALTER TABLE t ADD CONSTRAINT c1 CHECK (b <> 'a\\\\b');\n",
        {large_table("t")});
    CHECK(!rewritten(p));
    CHECK(why_has(p, "standard_conforming_strings"));
    // pg_dump's own `SET standard_conforming_strings = on` changes nothing.
    p = plan_one("SET standard_conforming_strings = on;\nCREATE INDEX ta ON t (a);\n", {large_table("t")});
    CHECK(rewritten(p));
}

TEST_CASE("ALTER TABLE IF EXISTS, ONLY and ADD COLUMN IF NOT EXISTS keep their meaning", "[plan][as-psql]") {
    auto p =
        plan_one("ALTER TABLE IF EXISTS missing ADD FOREIGN KEY (pid) REFERENCES p;\n", {large_table("p")});
    CHECK(!rewritten(p));
    CHECK(why_has(p, "IF EXISTS"));
    p = plan_one("ALTER TABLE ONLY t ALTER COLUMN a SET NOT NULL;\n", {large_table("t")});
    CHECK(!rewritten(p));
    CHECK(why_has(p, "ONLY"));
    p = plan_one("ALTER TABLE t ADD COLUMN IF NOT EXISTS x float DEFAULT random();\n", {large_table("t")});
    CHECK(!rewritten(p));
    CHECK(why_has(p, "IF NOT EXISTS"));
    p = plan_one("ALTER TABLE t ADD COLUMN IF NOT EXISTS b int REFERENCES p;\n",
                 {large_table("t"), large_table("p")});
    CHECK(!rewritten(p));
    // A table the facts know: IF EXISTS is no obstacle.
    p = plan_one("ALTER TABLE IF EXISTS t ADD FOREIGN KEY (pid) REFERENCES p;\n",
                 {large_table("t"), large_table("p")});
    CHECK(rewritten(p));
}

TEST_CASE("a foreign key from a partitioned table is kept as written", "[plan][as-psql]") {
    auto p = plan_one("ALTER TABLE c ADD FOREIGN KEY (pid) REFERENCES p;\n",
                      {partitioned_table("c"), large_table("p")});
    CHECK(!rewritten(p));
    CHECK(why_has(p, "partitioned"));
}

TEST_CASE("REFRESH … CONCURRENTLY is offered only for a view known to hold data", "[plan][as-psql]") {
    auto view = [](std::optional<bool> populated) {
        analysis::TableFact v = large_table("mv");
        v.kind = "materialized view";
        v.populated = populated;
        return v;
    };
    CHECK(rewritten(plan_one("REFRESH MATERIALIZED VIEW mv;", {view(true)})));
    // WITH NO DATA, or not known (a snapshot from before the fact was recorded).
    for (std::optional<bool> populated : {std::optional<bool>(false), std::optional<bool>()}) {
        auto p = plan_one("REFRESH MATERIALIZED VIEW mv;", {view(populated)});
        CHECK(!rewritten(p));
        CHECK(why_has(p, "holds no data"));
    }
    // Earlier in the run: emptied, then filled again.
    auto run = plan_files({"REFRESH MATERIALIZED VIEW mv WITH NO DATA;", "REFRESH MATERIALIZED VIEW mv;",
                           "REFRESH MATERIALIZED VIEW mv;"},
                          {view(true)});
    CHECK(!rewritten(run[1]));
    CHECK(rewritten(run[2]));
    // Created in the run: CREATE … WITH NO DATA would leave it empty, and pgsafe does not read that.
    auto created = plan_one(
        "CREATE MATERIALIZED VIEW mv2 AS SELECT id FROM mv;\nCREATE UNIQUE INDEX ON mv2 (id);\n"
        "REFRESH MATERIALIZED VIEW mv2;\n",
        {view(true)});
    CHECK(all_sql(created).find("CONCURRENTLY mv2") == std::string::npos);
}

TEST_CASE("DETACH PARTITION … CONCURRENTLY is offered only for a parent known to have no DEFAULT",
          "[plan][as-psql]") {
    auto parent = [](std::optional<bool> default_partition) {
        analysis::TableFact p = partitioned_table("p");
        p.default_partition = default_partition;
        return p;
    };
    analysis::TableFact partition = large_table("p_2020");
    partition.partition_check_column = "at";
    const std::string detach = "ALTER TABLE p DETACH PARTITION p_2020;";
    CHECK(rewritten(plan_one(detach, {parent(false), partition})));
    for (std::optional<bool> has_default : {std::optional<bool>(true), std::optional<bool>()}) {
        auto p = plan_one(detach, {parent(has_default), partition});
        CHECK(!rewritten(p));
        CHECK(why_has(p, "DEFAULT partition"));
    }
    // A partition added earlier in the run may be the DEFAULT one.
    auto run =
        plan_files({"CREATE TABLE p_rest PARTITION OF p DEFAULT;", detach}, {parent(false), partition});
    CHECK(!rewritten(run.back()));
}

TEST_CASE("DETACH PARTITION … CONCURRENTLY drops the CHECK it leaves, by the name PostgreSQL gives it",
          "[plan][as-psql]") {
    analysis::TableFact parent = partitioned_table("p");
    parent.default_partition = false;
    analysis::TableFact partition = large_table("p_2020");
    partition.partition_check_column = "at";
    const std::string detach = "ALTER TABLE p DETACH PARTITION p_2020;";
    auto p = plan_one(detach, {parent, partition});
    REQUIRE(p.steps.size() == 2);
    CHECK(p.steps[0].sql == "ALTER TABLE p DETACH PARTITION p_2020 CONCURRENTLY");
    CHECK(p.steps[1].sql == "ALTER TABLE p_2020 DROP CONSTRAINT IF EXISTS p_2020_at_check");
    partition.partition_check_column = "";  // a key of several columns
    CHECK(plan_one(detach, {parent, partition}).steps[1].sql ==
          "ALTER TABLE p_2020 DROP CONSTRAINT IF EXISTS p_2020_check");
    // Held by another constraint of the schema, PostgreSQL would number it: kept as written.
    partition.partition_check_column = "at";
    analysis::TableFact other = large_table("q");
    other.constraint_names = std::vector<std::string>{"p_2020_at_check"};
    p = plan_one(detach, {parent, partition, other});
    CHECK(!rewritten(p));
    CHECK(why_has(p, "number the name of the CHECK"));
    // Not known (not in the facts, or an older snapshot): kept as written.
    partition.partition_check_column.reset();
    p = plan_one(detach, {parent, partition});
    CHECK(!rewritten(p));
    CHECK(why_has(p, "does not know the name of the CHECK"));
}

TEST_CASE("REINDEX is kept as written: CONCURRENTLY is not the same statement", "[plan][as-psql]") {
    for (const std::string s : {"REINDEX TABLE t;", "REINDEX INDEX t_pkey;"}) {
        INFO(s);
        auto p = plan_one(s, {large_table("t")});
        CHECK(!rewritten(p));
        CHECK(all_sql(p).find("CONCURRENTLY") == std::string::npos);
    }
}

TEST_CASE("unnamed indexes and UNIQUE constraints are named after their INCLUDE columns too",
          "[plan][as-psql]") {
    auto p = plan_one("CREATE INDEX ON t (a) INCLUDE (b);\n", {large_table("t")});
    CHECK(all_sql(p).find("t_a_b_idx") != std::string::npos);
    p = plan_one("ALTER TABLE t ADD UNIQUE (a) INCLUDE (b);\n", {large_table("t")});
    CHECK(all_sql(p).find("t_a_b_key") != std::string::npos);
}

TEST_CASE("two NOT NULL helpers that would share a 63-byte name are not built", "[plan][as-psql]") {
    const std::string t = "a_rather_long_table_name_for_testing_purposes";
    auto p =
        plan_one("ALTER TABLE " + t + " ALTER COLUMN some_quite_long_column_name_number_1 SET NOT NULL, " +
                     "ALTER COLUMN some_quite_long_column_name_number_2 SET NOT NULL;\n",
                 {large_table(t)});
    CHECK(!rewritten(p));
    CHECK(why_has(p, "63 bytes"));
}

TEST_CASE("an unnamed constraint whose name PostgreSQL may number is kept as written", "[plan][as-psql]") {
    auto p = plan_one("ALTER TABLE t ADD CHECK (a > 0), ADD CHECK (a < 10);\n", {large_table("t")});
    CHECK(!rewritten(p));
    CHECK(why_has(p, "number the constraint's name"));
    p = plan_one("ALTER TABLE t ADD CHECK (a > 0);\nALTER TABLE t ADD CHECK (a < 10);\n", {large_table("t")});
    REQUIRE(p.steps.size() >= 2);
    CHECK(p.steps.front().rule.has_value());  // the first is named t_a_check, as PostgreSQL names it
    CHECK(!p.steps.back().rule.has_value());  // the second would be t_a_check1
    CHECK(why_has(p, "an earlier statement creates a constraint named \"t_a_check\""));
    // Another column's is another name: both are PostgreSQL's own.
    p = plan_one("ALTER TABLE t ADD CHECK (a > 0);\nALTER TABLE t ADD CHECK (b > 0);\n", {large_table("t")});
    CHECK(
        std::all_of(p.steps.begin(), p.steps.end(), [](const plan::Step& s) { return s.rule.has_value(); }));
    // Named constraints are what they say.
    p = plan_one("ALTER TABLE t ADD CONSTRAINT c1 CHECK (a > 0), ADD CONSTRAINT c2 CHECK (a < 10);\n",
                 {large_table("t")});
    CHECK(rewritten(p));
}

TEST_CASE("an unnamed constraint whose name another table of the schema holds is kept as written",
          "[plan][as-psql]") {
    // orders was renamed to orders_old and built again: the old foreign key keeps its name, so
    // PostgreSQL would call the new one orders_customer_id_fkey1.
    analysis::TableFact old_orders = large_table("orders_old");
    old_orders.constraint_names = std::vector<std::string>{"orders_old_pkey", "orders_customer_id_fkey"};
    const std::vector<analysis::TableFact> facts = {large_table("orders"), large_table("customers"),
                                                    old_orders};
    for (const std::string sql : {"ALTER TABLE orders ADD FOREIGN KEY (customer_id) REFERENCES customers;",
                                  "ALTER TABLE orders ADD COLUMN customer_id bigint REFERENCES customers;"}) {
        INFO(sql);
        auto p = plan_one(sql, facts);
        CHECK(all_sql(p).find("NOT VALID") == std::string::npos);
        CHECK(why_has(p,
                      "the database has a constraint named \"orders_customer_id_fkey\" (on \"orders_old\")"));
    }
    // Named, it is what it says; and a name nobody holds is PostgreSQL's own.
    CHECK(
        rewritten(plan_one("ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) "
                           "REFERENCES customers;",
                           facts)));
    CHECK(rewritten(plan_one("ALTER TABLE orders ADD FOREIGN KEY (owner_id) REFERENCES customers;", facts)));
    // Facts that do not list the constraint names (an older snapshot) cannot tell.
    analysis::TableFact unknown = large_table("orders");
    unknown.constraint_names.reset();
    auto p = plan_one("ALTER TABLE orders ADD FOREIGN KEY (owner_id) REFERENCES customers;",
                      {unknown, large_table("customers")});
    CHECK(!rewritten(p));
    CHECK(why_has(p, "do not list the schema's constraint names"));
}

TEST_CASE("a default name a view, a sequence or a domain's constraint holds is not given out",
          "[plan][as-psql]") {
    // PostgreSQL numbers a default name any relation of the schema holds (an index's) and, for a
    // constraint, any constraint of the schema (a CHECK's or a key's); pgsafe would take it as it is.
    auto with = [](const std::vector<std::string>& relations, const std::vector<std::string>& constraints,
                   const std::string& schema = "public") {
        return std::map<std::string, analysis::SchemaNames>{{schema, {relations, constraints}}};
    };
    auto plan = [](const std::string& sql, std::map<std::string, analysis::SchemaNames> other) {
        return plan_files({sql}, {large_table("t")}, std::move(other)).front();
    };
    auto p = plan("CREATE INDEX ON t (a);\n", with({"t_a_idx"}, {}));
    CHECK(!rewritten(p));
    CHECK(why_has(p, "the database has a view, sequence, type or foreign table named \"t_a_idx\""));
    p = plan("ALTER TABLE t ADD CHECK (a > 0);\n", with({}, {"t_a_check"}));
    CHECK(!rewritten(p));
    CHECK(why_has(p, "the database has a constraint named \"t_a_check\" (of a domain or a foreign table)"));
    p = plan("ALTER TABLE t ADD UNIQUE (a);\n", with({}, {"t_a_key"}));
    CHECK(!rewritten(p));
    CHECK(why_has(p, "\"t_a_key\""));
    // Held in another schema, or by nothing: PostgreSQL's own name.
    CHECK(rewritten(plan("CREATE INDEX ON t (a);\n", with({"t_a_idx"}, {"t_a_check"}, "other"))));
    CHECK(rewritten(plan("ALTER TABLE t ADD CHECK (a > 0);\n", with({"t_a_idx"}, {"t_a_check"}, "other"))));
    // Facts that do not list these names (an older snapshot) cannot tell.
    plan::Planner planner(plan::PlanOptions{}, analysis::TableFacts({large_table("t")}, {"public"}));
    p = planner.plan({"1", "m", "V1__m.sql", "sha256:x"},
                     sql::parse_sql("CREATE INDEX ON t (a);\n", {sql::KeepTree::Yes}));
    CHECK(!rewritten(p));
    CHECK(why_has(p, "do not list the schema's views and sequences"));
}

TEST_CASE("a default name a constraint or relation created earlier in the run holds is not given out",
          "[plan][as-psql]") {
    const std::vector<analysis::TableFact> facts = {large_table("t")};
    struct Case {
        std::string sql;
        std::string why;
    };
    for (const auto& c : std::vector<Case>{
             {"CREATE VIEW t_a_idx AS SELECT 1;\nCREATE INDEX ON t (a);\n",
              "an earlier statement creates or renames a relation named \"t_a_idx\""},
             {"CREATE SEQUENCE t_a_idx;\nCREATE INDEX ON t (a);\n", "relation named \"t_a_idx\""},
             {"CREATE TABLE other (v int, CONSTRAINT t_a_check CHECK (v > 0));\nALTER TABLE t ADD CHECK (a > "
              "0);\n",
              "an earlier statement creates a constraint named \"t_a_check\""},
             // t_a's CHECK over two columns is t_a_check; its inline key t_a_x_fkey.
             {"CREATE TABLE t_a (x int, y int, CHECK (x < y));\nALTER TABLE t ADD CHECK (a > 0);\n",
              "constraint named \"t_a_check\""},
             {"CREATE TABLE t_a (x int REFERENCES t);\nALTER TABLE t ADD FOREIGN KEY (a_x) REFERENCES t;\n",
              "constraint named \"t_a_x_fkey\""},
             {"CREATE DOMAIN positive AS int CHECK (VALUE > 0);\nALTER TABLE t ADD CHECK (a > 0);\n",
              "a domain's constraint (CREATE DOMAIN), whose name pgsafe does not follow"},
             {"CREATE TABLE other (v int, CONSTRAINT t_a_key CHECK (v > 0));\nALTER TABLE t ADD UNIQUE "
              "(a);\n",
              "constraint named \"t_a_key\""},
         }) {
        INFO(c.sql);
        auto p = plan_one(c.sql, facts);
        CHECK(!rewritten(p));
        CHECK(why_has(p, c.why));
    }
    // Names that differ from the one chosen leave the rewrite alone.
    CHECK(rewritten(
        plan_one("CREATE TABLE other (v int CHECK (v > 0));\nALTER TABLE t ADD CHECK (a > 0);\n", facts)));
    CHECK(rewritten(plan_one("CREATE VIEW v AS SELECT 1;\nCREATE INDEX ON t (a);\n", facts)));
}
