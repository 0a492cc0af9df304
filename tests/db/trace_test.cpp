// `pgsafe trace`'s engine against a real PostgreSQL: what it reports per
// statement (locks from pg_locks, rewrites, catalog changes, held times),
// failures with their SQLSTATE, the rollback mode, the lock model checked
// over every rewrite fixture (trace_model_test.cpp: every rule fixture), and --plan's equivalence proof.

#include "plan_fixture.hpp"
#include "process.hpp"
#include "test_db.hpp"

#include "pgsafe/config/settings.hpp"
#include "pgsafe/db/connection.hpp"
#include "pgsafe/db/conninfo.hpp"
#include "pgsafe/db/table_facts.hpp"
#include "pgsafe/error.hpp"
#include "pgsafe/plan/plan.hpp"
#include "pgsafe/source/migration.hpp"
#include "pgsafe/trace/catalog.hpp"
#include "pgsafe/trace/prepare.hpp"
#include "pgsafe/trace/trace.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include <unistd.h>

using namespace pgsafe;
namespace fs = std::filesystem;

namespace {

trace::MigrationToTrace migration(const std::string& text, const std::string& path = "V1__test.sql") {
    return {"1", "test", path, sql::parse_sql(text), std::nullopt};
}

void run_sql(const std::string& dsn, const std::string& text) {
    db::Connection connection(dsn);
    connection.execute(text, "setting up");
}

// A database made from a template on the test server, dropped at scope end.
class CopiedDatabase {
public:
    CopiedDatabase(const std::string& admin, const std::string& template_name) : m_admin(admin) {
        static std::atomic<int> counter{0};
        m_name = "pgsafe_trace_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
        run_sql(m_admin, "CREATE DATABASE " + m_name + " TEMPLATE " + template_name);
    }
    ~CopiedDatabase() {
        try {
            run_sql(m_admin, "DROP DATABASE IF EXISTS " + m_name + " WITH (FORCE)");
        } catch (const std::exception&) {
        }
    }
    CopiedDatabase(const CopiedDatabase&) = delete;
    CopiedDatabase& operator=(const CopiedDatabase&) = delete;
    std::string dsn() const { return db::conninfo_with_database(m_admin, m_name); }

private:
    std::string m_admin;
    std::string m_name;
};

const trace::TracedLock* lock_on(const trace::TracedStatement& s, const std::string& relation) {
    for (const auto& lock : s.locks) {
        if (lock.relation == relation) return &lock;
    }
    return nullptr;
}

bool contains(const std::vector<std::string>& lines, const std::string& text) {
    return std::any_of(lines.begin(), lines.end(),
                       [&](const std::string& line) { return line.find(text) != std::string::npos; });
}

constexpr const char* k_setup =
    "CREATE TABLE t (id bigint PRIMARY KEY, v int); INSERT INTO t VALUES (1, 1), (2, 2);";

constexpr const char* k_migration = R"(ALTER TABLE t ADD COLUMN note text;
ALTER TABLE t ALTER COLUMN v TYPE bigint;
BEGIN;
ALTER TABLE t ADD CONSTRAINT t_v_check CHECK (v > 0) NOT VALID;
ALTER TABLE t VALIDATE CONSTRAINT t_v_check;
COMMIT;
CREATE INDEX CONCURRENTLY t_v_idx ON t (v);
)";

}  // namespace

TEST_CASE("trace reports each statement's locks, rewrites, catalog changes and held times", "[db][trace]") {
    auto db = test::scratch_database();
    if (!db) return;
    run_sql(db->dsn(), k_setup);
    trace::TraceReport report = trace::trace_migrations({migration(k_migration)}, {db->dsn(), ""}, {});
    CHECK(report.server.rfind("15", 0) == 0);
    REQUIRE(report.migrations.size() == 1);
    const trace::TracedRun& run = report.migrations[0].original;
    REQUIRE_FALSE(run.failure);
    REQUIRE(run.statements.size() == 5);

    const auto& add = run.statements[0];
    CHECK(add.line == 1);
    const trace::TracedLock* lock = lock_on(add, "public.t");
    REQUIRE(lock != nullptr);
    CHECK(lock->mode == "AccessExclusiveLock");
    CHECK(lock->kind == "table");
    CHECK(lock->blocks_writes);
    CHECK(lock->existed);
    CHECK(lock->held_ms.has_value());
    CHECK(add.rewrites.empty());
    CHECK(contains(add.changes, "+ column t.note: #3 text"));
    CHECK(add.model.verdict == trace::ModelVerdict::Agrees);

    const auto& retype = run.statements[1];
    CHECK(contains(retype.rewrites, "public.t (table)"));
    CHECK(contains(retype.changes, "- column t.v: #2 integer"));
    CHECK(contains(retype.changes, "+ column t.v: #2 bigint"));

    // In BEGIN … COMMIT the first statement's lock is held until COMMIT, through the second statement.
    const auto& check = run.statements[2];
    const auto& validate = run.statements[3];
    CHECK(check.line == 4);
    const trace::TracedLock* strong = lock_on(check, "public.t");
    REQUIRE(strong != nullptr);
    REQUIRE(strong->held_ms.has_value());
    CHECK(*strong->held_ms >= check.duration_ms + validate.duration_ms);
    CHECK(contains(validate.changes, "validated t"));
    CHECK(validate.model.verdict == trace::ModelVerdict::Agrees);

    const auto& index = run.statements[4];
    CHECK_FALSE(index.transactional);
    CHECK(contains(index.changes, "+ index t_v_idx"));
    CHECK(index.model.verdict != trace::ModelVerdict::Mismatch);
    CHECK(trace::trace_problems(report).empty());
}

TEST_CASE("trace stops at a statement the server refuses, with its line and SQLSTATE", "[db][trace]") {
    auto db = test::scratch_database();
    if (!db) return;
    run_sql(db->dsn(), k_setup);
    trace::TraceReport report =
        trace::trace_migrations({migration("ALTER TABLE t ADD COLUMN a int;\nALTER TABLE missing ADD COLUMN "
                                           "b int;\nALTER TABLE t ADD COLUMN c int;\n"),
                                 migration("ALTER TABLE t ADD COLUMN d int;", "V2__never.sql")},
                                {db->dsn(), ""}, {});
    CHECK(trace::trace_failed(report));
    REQUIRE(report.migrations.size() == 1);  // the second migration never ran
    const auto& run = report.migrations[0].original;
    REQUIRE(run.failure);
    CHECK(run.failure->line == 2);
    CHECK(run.failure->sqlstate == "42P01");
    CHECK_THAT(run.failure->message, Catch::Contains("missing"));
    CHECK(run.statements.size() == 1);
    db::Connection connection(db->dsn());
    auto columns = connection.query(
        "SELECT count(*) FROM pg_attribute WHERE attrelid = 't'::regclass AND attnum > 0", "counting");
    CHECK(columns.at(0).at(0).value_or("") == "3");  // id, v, a: the statements before the failure ran
}

TEST_CASE("a write-blocking lock on a large existing table fails the trace", "[db][trace]") {
    auto db = test::scratch_database();
    if (!db) return;
    run_sql(db->dsn(), k_setup);
    trace::TraceOptions options;
    analysis::TableFact t;
    t.schema = "public";
    t.name = "t";
    t.rows = 5e6;
    t.bytes = 2'000'000'000;
    options.facts = analysis::TableFacts({t}, {"public"});
    trace::TraceReport report =
        trace::trace_migrations({migration("CREATE TABLE fresh (id int);\nALTER TABLE fresh ADD COLUMN a "
                                           "int;\nALTER TABLE t ADD COLUMN a int;\n")},
                                {db->dsn(), ""}, options);
    auto problems = trace::trace_problems(report);
    REQUIRE(problems.size() == 1);  // the new table is not large, whatever its lock
    CHECK_THAT(problems[0], Catch::Contains("V1__test.sql:3:1"));
    CHECK_THAT(problems[0], Catch::Contains("AccessExclusiveLock on public.t"));
}

TEST_CASE("trace with --db rolls everything back and refuses what it cannot roll back", "[db][trace]") {
    auto db = test::scratch_database();
    if (!db) return;
    run_sql(db->dsn(), k_setup);
    std::vector<std::string> before;
    {
        db::Connection connection(db->dsn());
        before = trace::describe(connection);
    }
    trace::TraceOptions options;
    options.ending = trace::Ending::Rollback;
    trace::TraceReport report = trace::trace_migrations(
        {migration("ALTER TABLE t ADD COLUMN note text;\nBEGIN;\nALTER TABLE t ALTER COLUMN v TYPE bigint;\n"
                   "UPDATE t SET note = 'x';\nCOMMIT;\nCREATE TABLE u (id int);\n"),
         migration("ALTER TABLE u ADD COLUMN a int;", "V2__builds_on_v1.sql")},
        {db->dsn(), ""}, options);
    CHECK(report.rolled_back);
    REQUIRE(report.migrations.size() == 2);
    CHECK_FALSE(report.migrations[1].original.failure);  // V2 saw V1's table
    CHECK(contains(report.migrations[0].original.statements[1].rewrites, "public.t (table)"));
    {
        db::Connection connection(db->dsn());
        CHECK(trace::describe(connection) == before);
    }
    CHECK_THROWS_WITH(trace::trace_migrations({migration("CREATE INDEX CONCURRENTLY t_v ON t (v);")},
                                              {db->dsn(), ""}, options),
                      Catch::Contains("V1__test.sql:1:1") && Catch::Contains("--commit"));
}

TEST_CASE("--schema-from reproduces tables, indexes, constraints and partitions", "[db][trace]") {
    auto production = test::scratch_database();
    if (!production) return;
    run_sql(production->dsn(), R"(
        CREATE TYPE mood AS ENUM ('ok', 'bad');
        CREATE TABLE patients (id bigint PRIMARY KEY, name text NOT NULL, feeling mood);
        CREATE TABLE events (id bigint, at date NOT NULL, patient_id bigint REFERENCES patients (id),
                             CHECK (id > 0) NOT VALID) PARTITION BY RANGE (at);
        CREATE TABLE events_2020 PARTITION OF events FOR VALUES FROM ('2020-01-01') TO ('2021-01-01');
        CREATE INDEX events_at_idx ON events (at);
        CREATE UNIQUE INDEX patients_name_idx ON patients (lower(name));
        CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
        INSERT INTO patients VALUES (1, 'a', 'ok');
        CREATE SCHEMA pgsafe; CREATE TABLE pgsafe.migrations (version text, state text);
        INSERT INTO pgsafe.migrations VALUES ('1', 'applied'), ('2', 'failed');)");
    auto copy = test::scratch_database();
    db::Connection source(production->dsn());
    db::Connection target(copy->dsn());
    trace::copy_schema(production->dsn(), target);
    CHECK(trace::describe_catalog(target) == trace::describe_catalog(source));
    CHECK(trace::applied_versions(source) == std::set<std::string>{"1"});
    auto rows = target.query("SELECT count(*) FROM patients", "counting");
    CHECK(rows.at(0).at(0).value_or("") == "0");  // the schema only
    auto tracking = target.query("SELECT to_regclass('pgsafe.migrations') IS NULL", "looking");
    CHECK(tracking.at(0).at(0).value_or("") == "t");
}

namespace {

// A template database holding `schema`, dropped at scope end.
class TemplateDatabase {
public:
    TemplateDatabase(const std::string& admin, const std::string& schema) : m_db(admin) {
        if (!schema.empty()) run_sql(m_db.dsn(), schema);
    }
    const std::string& name() const { return m_db.name(); }

private:
    test::ScratchDatabase m_db;
};

}  // namespace

// ---- --plan ---------------------------------------------------------------------

namespace {

trace::PlanTrace trace_plan(const std::string& admin, const test::PlanFixture& fixture,
                            plan::MigrationPlan plan) {
    TemplateDatabase original(admin, fixture.schema);
    CopiedDatabase planned(admin, original.name());
    trace::MigrationToTrace m = migration(source::read_file(fixture.migration), fixture.name());
    m.plan = std::move(plan);
    trace::TraceReport report =
        trace::trace_migrations({m}, {db::conninfo_with_database(admin, original.name()), planned.dsn()}, {});
    REQUIRE(report.migrations.size() == 1);
    REQUIRE(report.migrations[0].plan);
    const auto& as_written = report.migrations[0].original;
    INFO("as written: " << (as_written.failure ? as_written.failure->message : "ok"));
    REQUIRE_FALSE(as_written.failure);
    for (const auto& s : as_written.statements) {  // the model check over every rewrite fixture
        INFO("line " << s.line << ": " << s.sql);
        for (const auto& d : s.model.disagreements) INFO(d);
        CHECK(s.model.verdict != trace::ModelVerdict::Mismatch);
    }
    return *report.migrations[0].plan;
}

}  // namespace

TEST_CASE("--plan proves every rewrite fixture's plan equivalent to the file", "[db][trace][plan]") {
    auto admin = test::admin_dsn();
    if (!admin) return;
    for (const auto& fixture : test::plan_fixtures()) {
        INFO("fixture " << fixture.name());
        trace::PlanTrace plan = trace_plan(*admin, fixture, test::plan_fixture(fixture));
        std::string diff;
        for (const auto& line : plan.diff) diff += "\n  " + line;
        INFO("diff:" << diff);
        INFO("the plan: " << (plan.run.failure ? plan.run.failure->message : "ran"));
        CHECK(plan.equivalent);
        CHECK_FALSE(plan.run.failure);
        for (const auto& s : plan.run.statements) {  // the model check over every rewrite fixture's steps
            INFO("plan step at line " << s.line << ": " << s.sql);
            for (const auto& d : s.model.disagreements) INFO(d);
            CHECK(s.model.verdict != trace::ModelVerdict::Mismatch);
        }
    }
}

TEST_CASE("--plan fails with a precise diff when the plan ends unlike the file", "[db][trace][plan]") {
    auto admin = test::admin_dsn();
    if (!admin) return;
    test::PlanFixture fixture;
    for (auto& f : test::plan_fixtures()) {
        if (f.name() == "foreign-key/named") fixture = f;
    }
    REQUIRE_FALSE(fixture.schema.empty());
    plan::MigrationPlan wrong = test::plan_fixture(fixture);
    REQUIRE(wrong.steps.size() == 2);
    wrong.steps.pop_back();  // the test-only wrong plan: NOT VALID, never validated
    trace::PlanTrace plan = trace_plan(*admin, fixture, wrong);
    CHECK_FALSE(plan.equivalent);
    REQUIRE(plan.diff.size() == 2);
    CHECK_THAT(plan.diff[0], Catch::StartsWith("- constraint measurements_patient_fk on measurements:") &&
                                 Catch::EndsWith("validated t"));
    CHECK_THAT(plan.diff[1], Catch::StartsWith("+ constraint measurements_patient_fk on measurements:") &&
                                 Catch::EndsWith("validated f"));
}

// ---- --seed-rows ------------------------------------------------------------------

namespace {

// Foreign keys (visits -> patients, made after visits so the first try at
// visits fails), an enum, NOT NULL, CHECK, UNIQUE and a varchar(3); and two
// tables seeding cannot fill: a CHECK no generated row passes, and NOT NULL
// on a type without a generator.
constexpr const char* k_seeded_schema = R"(
    CREATE TYPE mood AS ENUM ('ok', 'bad', 'meh');
    CREATE TABLE visits (
        id bigint PRIMARY KEY, patient_id bigint NOT NULL, feeling mood NOT NULL, note varchar(3) NOT NULL,
        at timestamptz NOT NULL, score int CHECK (score > 0), code text UNIQUE, token uuid UNIQUE, done boolean,
        total numeric(12, 2), tags text[]);
    CREATE TABLE patients (id bigint PRIMARY KEY, name text NOT NULL UNIQUE);
    ALTER TABLE visits ADD CONSTRAINT visits_patient_fk FOREIGN KEY (patient_id) REFERENCES patients (id);
    CREATE TABLE refused (id int CHECK (id < 0));
    CREATE TABLE blobs (id int, data bytea NOT NULL);)";

}  // namespace

TEST_CASE("--seed-rows fills each table with N rows made from its column types", "[db][trace][seed]") {
    auto db = test::scratch_database();
    if (!db) return;
    run_sql(db->dsn(), k_seeded_schema);
    db::Connection connection(db->dsn());
    trace::SeedResult seeded = trace::seed_rows(connection, 5);
    std::sort(seeded.filled.begin(), seeded.filled.end());
    std::sort(seeded.left_empty.begin(), seeded.left_empty.end());
    CHECK(seeded.filled == std::vector<std::string>{"public.patients", "public.visits"});
    CHECK(seeded.left_empty == std::vector<std::string>{"public.blobs", "public.refused"});
    auto one = [&](const std::string& sql) {
        return connection.query(sql, "checking").at(0).at(0).value_or("");
    };
    CHECK(one("SELECT count(*) FROM patients") == "5");
    CHECK(one("SELECT count(*) FROM visits") == "5");
    CHECK(one("SELECT count(*) FROM refused") == "0");
    CHECK(one("SELECT count(*) FROM blobs") == "0");
    // Every value from its type: the enum's labels in turn, text as v1, v2, …, keys 1..N.
    CHECK(one("SELECT string_agg(feeling::text, ',' ORDER BY id) FROM visits") == "ok,bad,meh,ok,bad");
    CHECK(one("SELECT string_agg(note, ',' ORDER BY id) FROM visits") == "v1,v2,v3,v4,v5");
    CHECK(one("SELECT string_agg(id::text, ',' ORDER BY id) FROM visits") == "1,2,3,4,5");
    CHECK(one("SELECT count(*) FROM visits JOIN patients p ON p.id = visits.patient_id") == "5");
    CHECK(one("SELECT count(DISTINCT token) FROM visits") == "5");
    CHECK(one("SELECT count(*) FROM visits WHERE tags IS NULL") == "5");  // no generator: its default
}

TEST_CASE("--plan compares the seeded row counts: a plan that deletes rows is not equivalent",
          "[db][trace][plan][seed]") {
    auto admin = test::admin_dsn();
    if (!admin) return;
    TemplateDatabase original(*admin, k_seeded_schema);
    {
        db::Connection connection(db::conninfo_with_database(*admin, original.name()));
        trace::seed_rows(connection, 5);
    }
    const std::string text = "ALTER TABLE visits ADD COLUMN extra int;\n";
    auto trace_with = [&](const std::vector<std::string>& steps) {
        CopiedDatabase as_written(*admin, original.name());
        CopiedDatabase planned(*admin, original.name());
        trace::MigrationToTrace m = migration(text);
        plan::MigrationPlan plan;
        plan.text = text;
        for (const auto& sql : steps) {
            plan::Step step;
            step.sql = sql;
            plan.steps.push_back(step);
        }
        m.plan = plan;
        trace::TraceReport report = trace::trace_migrations({m}, {as_written.dsn(), planned.dsn()}, {});
        REQUIRE(report.migrations.at(0).plan);
        return *report.migrations.at(0).plan;
    };
    trace::PlanTrace right = trace_with({"ALTER TABLE visits ADD COLUMN extra int"});
    CHECK(right.equivalent);
    trace::PlanTrace wrong =  // the test-only wrong plan: the same change, and a row lost
        trace_with({"ALTER TABLE visits ADD COLUMN extra int", "DELETE FROM visits WHERE id = 5"});
    CHECK_FALSE(wrong.equivalent);
    REQUIRE(wrong.diff.size() == 2);
    CHECK_THAT(wrong.diff[0], Catch::StartsWith("- rows of visits: 5, md5 "));
    CHECK_THAT(wrong.diff[1], Catch::StartsWith("+ rows of visits: 4, md5 "));
}

// ---- --plan's executor against the runner's ----------------------------------------

TEST_CASE("--plan ends each rewrite's plan where pgsafe migrate ends it", "[db][trace][plan][runner]") {
    auto admin = test::admin_dsn();
    if (!admin) return;
    // Every table large: the runner and the trace both plan every rewrite, from the same live facts.
    test::TempDir dir;
    std::string config =
        dir.write("pgsafe.toml", "[thresholds]\nlarge_table_rows = 0\nlarge_table_bytes = 0\n");
    config::Settings settings;
    settings.thresholds.large_table_rows = 0;
    settings.thresholds.large_table_bytes = 0;
    int n = 0;
    std::set<std::string> rewrites;
    for (const auto& fixture : test::plan_fixtures()) {
        // The first fixture of each rewrite: between them, steps in a transaction,
        // outside one and in batches (all 45 take minutes).
        if (!rewrites.insert(fixture.rewrite).second) continue;
        INFO("fixture " << fixture.name());
        TemplateDatabase original(*admin, fixture.schema);
        CopiedDatabase traced(*admin, original.name());
        CopiedDatabase migrated(*admin, original.name());
        std::string text = source::read_file(fixture.migration);
        trace::MigrationToTrace m = migration(text, fixture.name());
        {
            db::Connection connection(traced.dsn());
            plan::Planner planner(plan::plan_options(settings), db::load_table_facts(connection));
            m.plan = planner.plan({"1", "fixture", fixture.name(), source::sha256_checksum(text)},
                                  sql::parse_sql(text, {sql::KeepTree::Yes}));
        }
        trace::TraceReport report = trace::trace_migrations(
            {m}, {db::conninfo_with_database(*admin, original.name()), traced.dsn()}, {});
        REQUIRE(report.migrations.at(0).plan);
        REQUIRE_FALSE(report.migrations[0].plan->run.failure);

        std::string folder = dir.path() + "/" + std::to_string(n++);
        dir.write(std::to_string(n - 1) + "/V1__fixture.sql", text);
        auto run = test::run_pgsafe({"migrate", folder, "--db", migrated.dsn(), "--config", config});
        INFO(run.out << run.err);
        REQUIRE(run.exit_code == 0);

        db::Connection by_trace(traced.dsn());
        db::Connection by_runner(migrated.dsn());
        std::string diff;
        for (const auto& line : trace::diff_lines(
                 trace::compare_descriptions(trace::describe(by_trace), trace::describe(by_runner))))
            diff += "\n  " + line;
        INFO("- after trace's executor, + after pgsafe migrate:" << diff);
        CHECK(diff.empty());
    }
}
