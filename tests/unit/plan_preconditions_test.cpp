// A rewrite establishes its preconditions (names free, columns present,
// statement order kept, helper names unique, a primary key to walk, a row-local
// statement) or declines: the statement runs as written with its finding and
// a `why` naming the reason. Also what the plan refuses because pgsafe could
// not run it as psql -f does.

#include "pgsafe/plan/plan.hpp"
#include "pgsafe/report/plan_report.hpp"
#include "pgsafe/sql/parse.hpp"

#include "plan_tables.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <set>

using namespace pgsafe;
using test::large_table;
using test::plan_files;
using test::plan_one;

namespace {

analysis::TableFact with_index(analysis::TableFact table, analysis::IndexFact index) {
    table.indexes.push_back(std::move(index));
    return table;
}

bool kept_as_written(const plan::MigrationPlan& p, const std::string& why_part) {
    return p.steps.size() == 1 && !p.steps[0].rule && !p.steps[0].batch &&
           p.steps[0].why.find(why_part) != std::string::npos;
}

bool has_refusal(const plan::MigrationPlan& p, const std::string& part) {
    return p.syntax_error && p.steps.empty() &&
           std::any_of(p.findings.begin(), p.findings.end(),
                       [&](const rules::Finding& f) { return f.message.find(part) != std::string::npos; });
}

}  // namespace

TEST_CASE("a primary key replaced under the same name is kept as written", "[plan][preconditions]") {
    const std::string file =
        "ALTER TABLE d DROP CONSTRAINT d_pkey, ADD CONSTRAINT d_pkey PRIMARY KEY (id, project_id);";
    SECTION("without facts: the statement itself drops the name") {
        auto p = plan_one(file);
        INFO(report::plan_sql(p));
        REQUIRE(kept_as_written(p, "d_pkey"));
        CHECK(p.steps[0].sql == file.substr(0, file.size() - 1));
    }
    SECTION("with the live database's facts") {
        auto p = plan_one(file, {large_table("d")});
        REQUIRE(kept_as_written(p, "d_pkey"));
    }
}

TEST_CASE("a unique index is not built under a name an earlier statement or the database holds",
          "[plan][preconditions]") {
    SECTION("an earlier file of the run renames an index to the name") {
        analysis::TableFact d = large_table("d");
        d.indexes.clear();
        auto plans =
            plan_files({"ALTER INDEX other_idx RENAME TO d_pkey;", "ALTER TABLE d ADD PRIMARY KEY (id);"},
                       {d, large_table("other")});
        REQUIRE(kept_as_written(plans[1], "earlier statement"));
    }
    SECTION("the database has the index under the old table's name") {
        auto renamed = large_table("d_old");
        renamed.indexes[0].name = "d_pkey";
        analysis::TableFact d = large_table("d");
        d.indexes.clear();
        auto p = plan_one("ALTER TABLE d ADD PRIMARY KEY (id);", {renamed, d});
        REQUIRE(kept_as_written(p, "d_pkey"));
    }
    SECTION("a free name is still rewritten") {
        analysis::TableFact d = large_table("d");
        d.indexes.clear();  // no primary key: no index, no constraint
        d.constraint_names = std::vector<std::string>{};
        auto p = plan_one("ALTER TABLE d ADD PRIMARY KEY (id);", {d});
        REQUIRE(p.steps.size() > 1);
        CHECK(std::any_of(p.steps.begin(), p.steps.end(),
                          [](const plan::Step& s) { return s.index && s.index->qualified() == "d_pkey"; }));
    }
    SECTION("an unnamed CREATE INDEX whose default name is taken") {
        analysis::IndexFact taken;
        taken.name = "d_project_id_idx";
        taken.columns = {"other"};
        auto p = plan_one("CREATE INDEX ON d (project_id);", {with_index(large_table("d"), taken)});
        REQUIRE(kept_as_written(p, "d_project_id_idx"));
    }
}

TEST_CASE("no primary key or NOT NULL step is planned before the statement did anything",
          "[plan][preconditions]") {
    auto p =
        plan_one("ALTER TABLE d DROP CONSTRAINT d_pkey, ADD CONSTRAINT d_pkey PRIMARY KEY (id, project_id);",
                 {large_table("d")});
    for (const auto& s : p.steps) CHECK(s.sql.find("pgsafe_not_null") == std::string::npos);
}

TEST_CASE("a constraint on a column the statement adds is not built before it", "[plan][preconditions]") {
    SECTION("UNIQUE") {
        auto p = plan_one(
            "ALTER TABLE c ADD COLUMN user_id integer, ADD CONSTRAINT c_user_id_key_unique UNIQUE (user_id, "
            "key);",
            {large_table("c")});
        REQUIRE(kept_as_written(p, "user_id"));
    }
    SECTION("PRIMARY KEY") {
        analysis::TableFact c = large_table("c");
        c.indexes.clear();
        auto p = plan_one("ALTER TABLE c ADD COLUMN uid integer NOT NULL, ADD PRIMARY KEY (uid);", {c});
        for (const auto& s : p.steps) {
            INFO(s.sql);
            CHECK((!s.index || s.index->qualified() != "public.c_pkey"));
            CHECK(s.sql.find("pgsafe_not_null") == std::string::npos);
        }
    }
    SECTION("SET NOT NULL") {
        auto p = plan_one("ALTER TABLE c ADD COLUMN v integer DEFAULT 0, ALTER COLUMN v SET NOT NULL;",
                          {large_table("c")});
        for (const auto& s : p.steps) CHECK(s.sql.find("pgsafe_not_null") == std::string::npos);
    }
}

TEST_CASE("the NOT NULL helper constraint is created once per column", "[plan][preconditions]") {
    analysis::TableFact g = large_table("g");
    g.indexes.clear();
    auto p =
        plan_one("ALTER TABLE g ALTER COLUMN id SET NOT NULL, ADD CONSTRAINT g_pkey PRIMARY KEY (id);", {g});
    INFO(report::plan_sql(p));
    int adds = 0;
    for (const auto& s : p.steps) {
        if (s.sql.find("ADD CONSTRAINT g_id_pgsafe_not_null") != std::string::npos) ++adds;
    }
    CHECK(adds == 1);
    CHECK(
        std::any_of(p.steps.begin(), p.steps.end(), [](const plan::Step& s) { return s.index.has_value(); }));
}

TEST_CASE("splitting a transaction block never reorders its statements", "[plan][preconditions]") {
    const std::vector<std::string> statements = {"ALTER TABLE t ALTER id DROP DEFAULT",
                                                 "DROP SEQUENCE t_id_seq",
                                                 "ALTER TABLE t ALTER id ADD GENERATED ALWAYS AS IDENTITY"};
    std::string file = "BEGIN;\n";
    for (const auto& s : statements) file += s + ";\n";
    file += "COMMIT;\n";
    auto p = plan_one(file, {large_table("t")});
    std::string all;
    for (const auto& s : p.steps) all += s.sql + ";\n";
    INFO(all);
    std::size_t at = 0;
    for (const auto& s : statements) {
        auto found = all.find(s, at);
        REQUIRE(found != std::string::npos);
        at = found + s.size();
    }
}

TEST_CASE("a block is still cut into consecutive pieces that share no table", "[plan][preconditions]") {
    auto p = plan_one(
        "BEGIN;\nALTER TABLE a ADD COLUMN x int;\nALTER TABLE b ADD COLUMN y int;\n"
        "ALTER TABLE a ADD COLUMN z int;\nALTER TABLE c ADD COLUMN w int;\nCOMMIT;\n",
        {large_table("a"), large_table("b"), large_table("c")});
    REQUIRE(p.steps.size() == 2);
    CHECK(p.steps[0].sql.find("ADD COLUMN z") != std::string::npos);
    CHECK(p.steps[0].sql.find("ADD COLUMN y") != std::string::npos);
    CHECK(p.steps[1].sql.find("ADD COLUMN w") != std::string::npos);
}

TEST_CASE("only a row-local UPDATE or DELETE is run in batches", "[plan][preconditions]") {
    const std::vector<std::pair<std::string, std::string>> declined = {
        {"UPDATE acct SET balance = balance + (SELECT max(balance) FROM acct)", "subquery"},
        {"UPDATE acct SET balance = balance - (SELECT min(balance) FROM acct a WHERE a.id = acct.id + 1)",
         "subquery"},
        {"WITH m AS (SELECT max(balance) AS b FROM acct) UPDATE acct SET balance = m.b FROM m", "WITH"},
        {"UPDATE acct SET balance = 0 RETURNING id", "RETURNING"},
        {"UPDATE acct SET balance = o.v FROM other o", "FROM"},
        {"DELETE FROM acct USING other o", "FROM"},
        {"UPDATE acct SET balance = total_of(id)", "total_of()"},
        {"UPDATE acct SET touched = now()", "now()"},
        {"UPDATE acct SET touched = CURRENT_TIMESTAMP", "CURRENT_TIMESTAMP"},
    };
    for (const auto& [statement, reason] : declined) {
        INFO(statement);
        auto p = plan_one(statement + ";", {large_table("acct")});
        CHECK(kept_as_written(p, reason));
    }
    auto ok =
        plan_one("UPDATE acct SET balance = abs(balance) * 2, note = lower(note);", {large_table("acct")});
    REQUIRE(ok.steps.size() == 1);
    CHECK(ok.steps[0].batch);
}

analysis::TableFact composite_table(const std::string& schema, const std::string& name) {
    analysis::TableFact t = large_table(name);
    t.schema = schema;
    t.indexes[0].columns = {"tenant", "id"};
    t.indexes[0].types = {"uuid", "text"};
    return t;
}

TEST_CASE("any btree key is walked by keyset, composite keys as a row", "[plan][preconditions][batches]") {
    for (const char* type : {"uuid", "text", "numeric", "bigint", "timestamp with time zone"}) {
        INFO(type);
        auto update = plan_one("UPDATE acct SET balance = 0;", {large_table("acct", type)});
        REQUIRE(update.steps.size() == 1);
        REQUIRE(update.steps[0].batch);
        CHECK(update.steps[0].batch->types == std::vector<std::string>{type});
        CHECK(update.steps[0].sql.find("id >= $1 AND id <= $2") != std::string::npos);
        auto backfill = plan_one("ALTER TABLE acct ADD COLUMN token uuid DEFAULT gen_random_uuid();",
                                 {large_table("acct", type)});
        CHECK(std::count_if(backfill.steps.begin(), backfill.steps.end(),
                            [](const plan::Step& s) { return s.batch.has_value(); }) == 1);
    }
    auto composite = plan_one("DELETE FROM acct;", {composite_table("public", "acct")});
    REQUIRE(composite.steps.size() == 1);
    REQUIRE(composite.steps[0].batch);
    CHECK(composite.steps[0].batch->key == std::vector<std::string>{"tenant", "id"});
    INFO(composite.steps[0].sql);
    CHECK(composite.steps[0].sql.find("(tenant, id) >= ($1, $2) AND (tenant, id) <= ($3, $4)") !=
          std::string::npos);
}

TEST_CASE("keys whose text does not read back, unknown keys and no key are not batched",
          "[plan][preconditions][batches]") {
    for (const char* type : {"double precision", "real", "money"}) {
        INFO(type);
        CHECK(kept_as_written(plan_one("UPDATE acct SET balance = 0;", {large_table("acct", type)}), type));
    }
    CHECK(kept_as_written(plan_one("UPDATE acct SET balance = 0;", {large_table("acct", "")}), "not known"));
    analysis::TableFact keyless = large_table("acct");
    keyless.indexes.clear();
    CHECK(kept_as_written(plan_one("UPDATE acct SET balance = 0;", {keyless}), "no primary key"));
    CHECK(kept_as_written(plan_one("UPDATE acct SET id = id + 1;", {large_table("acct")}), "primary key"));
}

TEST_CASE("a batched step names its table as a (schema, name) pair, dots and all",
          "[plan][preconditions][batches]") {
    auto p =
        plan_one("UPDATE \"dot.schema\".\"a.b\" SET balance = 0;", {composite_table("dot.schema", "a.b")});
    REQUIRE(p.steps.size() == 1);
    REQUIRE(p.steps[0].batch);
    CHECK(p.steps[0].batch->schema == "dot.schema");
    CHECK(p.steps[0].batch->table == "a.b");
    std::string emitted = report::plan_sql(p);
    INFO(emitted);
    CHECK(emitted.find("FROM \"dot.schema\".\"a.b\"") != std::string::npos);
    CHECK(emitted.find("pgsafe_first_1 uuid") != std::string::npos);
    CHECK(sql::parse_sql(emitted).ok());
}

TEST_CASE("--emit-sql's DO block cannot be closed from inside", "[plan][preconditions]") {
    auto p = plan_one("UPDATE acct SET note = 'x$pgsafe$; CREATE TABLE evil (); --';", {large_table("acct")});
    REQUIRE(p.steps.size() == 1);
    REQUIRE(p.steps[0].batch);
    std::string emitted = report::plan_sql(p);
    INFO(emitted);
    sql::ParsedFile parsed = sql::parse_sql(emitted);
    REQUIRE(parsed.ok());
    for (const auto& s : parsed.statements) CHECK(s.kind != "CreateStmt");
}

TEST_CASE("COPY FROM STDIN is refused in the plan", "[plan][preconditions]") {
    auto p = plan_one("CREATE TABLE t (id int);\nCOPY t (id) FROM stdin;\n");
    CHECK(has_refusal(p, "COPY"));
    auto from_file = plan_one("CREATE TABLE t (id int);\nCOPY t FROM '/tmp/x.csv';\n");
    CHECK_FALSE(from_file.syntax_error);
}

TEST_CASE("a file ending inside BEGIN is refused in the plan", "[plan][preconditions]") {
    auto p = plan_one("BEGIN;\nCREATE TABLE t (id int);\n");
    CHECK(has_refusal(p, "without COMMIT"));
    auto closed = plan_one("BEGIN;\nCREATE TABLE t (id int);\nCOMMIT;\n");
    CHECK_FALSE(closed.syntax_error);
}

TEST_CASE("statements PostgreSQL refuses in a transaction block run outside one, as psql runs them",
          "[plan][preconditions]") {
    for (const char* statement :
         {"ALTER SYSTEM SET work_mem = '8MB'", "DISCARD ALL", "CREATE DATABASE x", "DROP DATABASE x",
          "VACUUM", "VACUUM (ANALYZE) t", "REINDEX DATABASE x", "REINDEX SCHEMA s", "REINDEX SYSTEM x",
          "CREATE TABLESPACE ts LOCATION '/tmp/ts'", "DROP TABLESPACE ts", "CLUSTER", "COMMIT PREPARED 'x'",
          "ROLLBACK PREPARED 'x'", "ALTER DATABASE x SET TABLESPACE ts",
          "CREATE SUBSCRIPTION s CONNECTION 'host=x' PUBLICATION p", "DROP SUBSCRIPTION s",
          "CREATE SUBSCRIPTION s CONNECTION 'host=x' PUBLICATION p WITH (create_slot = true)"}) {
        INFO(statement);
        auto p = plan_one(std::string(statement) + ";");
        REQUIRE(p.steps.size() == 1);
        CHECK_FALSE(p.steps[0].transactional);
        auto in_block = plan_one(std::string("BEGIN;\n") + statement + ";\nCOMMIT;\n");
        CHECK(has_refusal(in_block, "transaction block"));
    }
    // Their near relatives run in a transaction as usual.
    for (const char* statement :
         {"DISCARD PLANS", "ANALYZE t", "CLUSTER t USING t_pkey", "ALTER DATABASE x SET work_mem = '8MB'",
          "ALTER SUBSCRIPTION s DISABLE",
          "CREATE SUBSCRIPTION s CONNECTION 'host=x' PUBLICATION p WITH (connect = false)",
          "CREATE SUBSCRIPTION s CONNECTION 'host=x' PUBLICATION p WITH (create_slot = false)",
          "CREATE SUBSCRIPTION s CONNECTION 'host=x' PUBLICATION p WITH (create_slot = off)",
          "CREATE SUBSCRIPTION s CONNECTION 'host=x' PUBLICATION p WITH (connect = 0)"}) {
        INFO(statement);
        auto p = plan_one(std::string(statement) + ";");
        REQUIRE(p.steps.size() == 1);
        CHECK(p.steps[0].transactional);
    }
}

TEST_CASE("COPY FROM a file or a program is not refused; COPY FROM STDIN is, however it is spelled",
          "[plan][preconditions]") {
    for (const char* statement : {"COPY t FROM STDIN", "COPY t (id) FROM stdin WITH (FORMAT csv)",
                                  "COPY t FROM STDIN WITH CSV HEADER"}) {
        INFO(statement);
        CHECK(has_refusal(plan_one(std::string(statement) + ";"), "COPY"));
    }
    for (const char* statement : {"COPY t FROM '/tmp/x.csv'", "COPY t FROM PROGRAM 'cat /tmp/x.csv'",
                                  "COPY t TO STDOUT", "COPY (SELECT 1) TO STDOUT"}) {
        INFO(statement);
        CHECK_FALSE(has_refusal(plan_one(std::string(statement) + ";"), "COPY"));
    }
}
