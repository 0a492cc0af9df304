// A first run on a database without the tracking schema plans its files on
// the runner lock's session while the work session creates the schema
// (issue 11, per-step overhead). What it records must be what a run that
// found the schema already there records: the same steps, the same plan
// records (neither lists the facts of schema pgsafe's own tables where a
// word only looks like one of their names); and it plans again when a file
// names schema pgsafe.

#include "runner/fresh_start.hpp"
#include "migrate_project.hpp"
#include "process.hpp"
#include "runner/executor.hpp"
#include "runner/prepare.hpp"
#include "runner/reconcile.hpp"
#include "runner/tracking.hpp"
#include "test_db.hpp"

#include "pgsafe/config/settings.hpp"
#include "pgsafe/db/connection.hpp"
#include "pgsafe/db/table_facts.hpp"
#include "pgsafe/plan/plan.hpp"
#include "pgsafe/source/migration.hpp"

#include <catch2/catch.hpp>

#include <regex>
#include <string>
#include <vector>

using pgsafe::test::exec;
using pgsafe::test::MigrateProject;
using pgsafe::test::ScratchDatabase;
using pgsafe::test::TempDir;
using pgsafe::test::value;

namespace runner = pgsafe::runner;

namespace {

// Every table counts as large, so the files' statements are rewritten.
pgsafe::plan::PlanOptions every_table_large() {
    pgsafe::config::Settings settings;
    settings.thresholds.large_table_rows = 0;
    settings.thresholds.large_table_bytes = 0;
    return pgsafe::plan::plan_options(settings);
}

// The plan record's run id is random, one per run.
std::string without_run_id(const std::string& sql) {
    return std::regex_replace(sql, std::regex("\"run\": ?\"[0-9a-f]{32}\""), "\"run\":\"…\"");
}

const char* const k_tables =
    "CREATE TABLE owners (id bigint PRIMARY KEY);\n"
    "CREATE TABLE accounts (id bigint PRIMARY KEY, owner_id bigint, note text);\n"
    "INSERT INTO owners VALUES (1); INSERT INTO accounts VALUES (1, 1, 'x');\n";

// Three files: a foreign key and an index on existing tables (rewritten), and
// a table whose columns are named like pgsafe's tables (schema_version,
// steps, events), which no plan looks up.
void write_files(const TempDir& dir) {
    dir.write(
        "m/V1__fk.sql",
        "ALTER TABLE accounts ADD CONSTRAINT accounts_owner_fk FOREIGN KEY (owner_id) REFERENCES owners "
        "(id);\n");
    dir.write("m/V2__log.sql",
              "CREATE TABLE run_log (id int PRIMARY KEY, schema_version int, steps int, events text);\n");
    dir.write("m/V3__index.sql", "CREATE INDEX accounts_note_idx ON accounts (note);\n");
}

// What a run that found the schema records: the tracking rows, with the
// random run id and the clock left out.
std::string records(const std::string& dsn) {
    return without_run_id(
        value(dsn,
              "SELECT string_agg(format('%s|%s|%s|%s|%s', m.version, m.name, m.checksum, m.state, "
              "m.plan #- '{planned_with,run}'), E'\\n' ORDER BY m.version) || E'\\n' || "
              "(SELECT string_agg(format('%s|%s|%s|%s|%s', s.version, s.step, s.sql, s.definition, s.state), "
              "E'\\n' ORDER BY s.version, s.step) FROM pgsafe.steps s) || E'\\n' || "
              "(SELECT string_agg(format('%s|%s|%s', e.kind, e.version, e.step), E'\\n' ORDER BY e.id) "
              "FROM pgsafe.events e) FROM pgsafe.migrations m"));
}

}  // namespace

TEST_CASE("a first run's plans, made while the schema is created, are those planned after it",
          "[db][migrate][fresh]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    exec(db->dsn(), k_tables);
    TempDir dir;
    write_files(dir);
    auto files = pgsafe::source::discover_migrations(dir.path() + "/m");
    auto options = every_table_large();

    pgsafe::db::Connection lock_session(db->dsn());
    pgsafe::db::Connection work(db->dsn());
    runner::FreshStart fresh(files, {}, lock_session, options);
    runner::ConnectionExecutor executor(work);
    fresh.created(runner::ensure_tracking_schema(executor, 0, "", fresh.glance_sql(work)).at(0));
    runner::Tracking tracking = runner::load_tracking(work);
    auto planned = fresh.take(tracking);
    REQUIRE(planned);

    runner::Reconciled todo = runner::reconcile(files, tracking, {});
    runner::Prepared after = runner::prepare(todo, work, options);  // as a run that found the schema
    const auto& ahead = planned->prepared;
    REQUIRE(ahead.migrations.size() == 3);
    REQUIRE(after.migrations.size() == 3);
    CHECK_FALSE(ahead.parse_error);
    CHECK(ahead.refusals.empty());
    for (std::size_t i = 0; i < 3; ++i) {
        INFO("migration " << ahead.migrations[i].file->version);
        CHECK(without_run_id(ahead.migrations[i].setup_sql) == without_run_id(after.migrations[i].setup_sql));
        CHECK(ahead.migrations[i].risk == after.migrations[i].risk);
        CHECK(ahead.migrations[i].rules == after.migrations[i].rules);
        CHECK(ahead.migrations[i].fresh);
        REQUIRE(ahead.migrations[i].steps.size() == after.migrations[i].steps.size());
        for (std::size_t s = 0; s < ahead.migrations[i].steps.size(); ++s)
            CHECK(ahead.migrations[i].steps[s].sql == after.migrations[i].steps[s].sql);
    }
    CHECK(ahead.migrations[0].steps.size() == 2);  // NOT VALID, then VALIDATE: the facts were there
    // V1's record lists the facts of the tables it names; V2's not pgsafe.schema_version's: its column
    // of that name is no table the planner looked up.
    CHECK(ahead.migrations[0].setup_sql.find("accounts_pkey") != std::string::npos);
    CHECK(ahead.migrations[1].setup_sql.find("schema_version_pkey") == std::string::npos);
}

TEST_CASE("a first run plans again when a file names schema pgsafe, or the schema has history",
          "[db][migrate][fresh]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    TempDir dir;
    dir.write("m/V1__a.sql", "CREATE TABLE a (id int);\n");
    dir.write("m/V2__view.sql", "CREATE VIEW applied AS SELECT version FROM pgsafe.migrations;\n");
    auto files = pgsafe::source::discover_migrations(dir.path() + "/m");
    auto options = every_table_large();
    pgsafe::db::Connection lock_session(db->dsn());
    pgsafe::db::Connection work(db->dsn());
    runner::ConnectionExecutor executor(work);

    SECTION("a file names schema pgsafe") {
        runner::FreshStart fresh(files, {}, lock_session, options);
        fresh.created(runner::ensure_tracking_schema(executor, 0, "", fresh.glance_sql(work)).at(0));
        CHECK_FALSE(fresh.take(runner::load_tracking(work)));
    }
    SECTION("the schema has history: someone else ran before the plans were taken") {
        std::vector<pgsafe::source::MigrationFile> first(files.begin(), files.begin() + 1);
        runner::FreshStart fresh(first, {}, lock_session, options);
        fresh.created(runner::ensure_tracking_schema(executor, 0, "", fresh.glance_sql(work)).at(0));
        runner::Tracking tracking = runner::load_tracking(work);
        tracking.migrations.push_back({});
        CHECK_FALSE(fresh.take(tracking));
    }
    SECTION("the run stops before the schema is created: the thread is released") {
        runner::FreshStart fresh(files, {}, lock_session, options);
    }
}

TEST_CASE("a first run plans again when the work session's search path names schema pgsafe",
          "[db][migrate][fresh]") {
    // Read by the creating message itself, on the work session: the path there
    // holds pgsafe once the schema exists, which the plans did not see.
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    exec(db->dsn(), "ALTER DATABASE \"" + db->name() + "\" SET search_path = \"$user\", public, pgsafe");
    TempDir dir;
    dir.write("m/V1__a.sql", "CREATE TABLE a (id int);\n");
    auto files = pgsafe::source::discover_migrations(dir.path() + "/m");
    auto options = every_table_large();
    pgsafe::db::Connection lock_session(db->dsn());
    pgsafe::db::Connection work(db->dsn());
    runner::ConnectionExecutor executor(work);
    runner::FreshStart fresh(files, {}, lock_session, options);
    auto glance = runner::ensure_tracking_schema(executor, 0, "", fresh.glance_sql(work));
    REQUIRE(glance.size() == 1);
    CHECK(pgsafe::db::catalog_glance(glance.at(0)).search_path ==
          std::vector<std::string>{"public", "pgsafe"});
    fresh.created(glance.at(0));
    CHECK_FALSE(fresh.take(runner::load_tracking(work)));
}

TEST_CASE(
    "migrate onto a database without the tracking schema records what it records when the schema is there",
    "[db][migrate][fresh]") {
    auto fresh_db = pgsafe::test::scratch_database();
    if (!fresh_db) return;
    auto found_db = pgsafe::test::scratch_database();
    exec(fresh_db->dsn(), k_tables);
    exec(found_db->dsn(), k_tables);
    {
        pgsafe::db::Connection connection(found_db->dsn());
        runner::ConnectionExecutor executor(connection);
        runner::ensure_tracking_schema(executor, 0, "");  // as the first run would create it
    }
    MigrateProject project("[thresholds]\nlarge_table_rows = 0\nlarge_table_bytes = 0\n");
    write_files(project.dir);
    for (const char* f : {"V1__fk.sql", "V2__log.sql", "V3__index.sql"})
        project.add(f, pgsafe::source::read_file(project.dir.path() + "/m/" + f));

    auto on_fresh = project.migrate(*fresh_db, {"--format", "json"});
    auto on_found = project.migrate(*found_db, {"--format", "json"});
    REQUIRE(on_fresh.exit_code == 0);
    REQUIRE(on_found.exit_code == 0);
    std::string fresh_records = records(fresh_db->dsn());
    CHECK(fresh_records.find("accounts_pkey") != std::string::npos);
    CHECK(fresh_records.find("schema_version_pkey") == std::string::npos);
    CHECK(fresh_records == records(found_db->dsn()));
}
