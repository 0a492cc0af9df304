// The runner's pure parts: which migrations run, resume or are refused
// (drift, out of order, --to), the backoff's bounds, the quoting of the SQL
// the runner writes itself, and the result a pipeline reads.

#include "runner/backoff.hpp"
#include "runner/reconcile.hpp"
#include "runner/session_changes.hpp"
#include "runner/session_reset.hpp"
#include "runner/sql_text.hpp"

#include "pgsafe/error.hpp"
#include "pgsafe/exit_codes.hpp"
#include "pgsafe/report/migrate_report.hpp"
#include "pgsafe/runner/runner.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <random>

using namespace pgsafe::runner;
using pgsafe::source::MigrationFile;

namespace {

MigrationFile file(const std::string& version, const std::string& checksum) {
    return {version, "m" + version, "migrations/V" + version + "__m.sql", checksum, "", ""};
}

TrackedMigration tracked(const std::string& version, const std::string& checksum, TrackedState state) {
    TrackedMigration t;
    t.version = version;
    t.checksum = checksum;
    t.state = state;
    return t;
}

std::vector<std::string> versions(const Reconciled& r) {
    std::vector<std::string> out;
    for (const auto& w : r.work) out.push_back(w.file->version);
    return out;
}

}  // namespace

TEST_CASE("reconcile skips applied migrations and starts or resumes the rest, in order", "[unit][runner]") {
    std::vector<MigrationFile> files = {file("1", "a"), file("2", "b"), file("3", "c"), file("4", "d")};
    Tracking t;
    t.migrations = {tracked("1", "a", TrackedState::Applied), tracked("2", "b", TrackedState::Failed),
                    tracked("3", "changed", TrackedState::Running)};
    Reconciled r = reconcile(files, t, {});
    REQUIRE(r.refusals.empty());
    CHECK(versions(r) == std::vector<std::string>{"2", "3", "4"});
    CHECK(r.work[0].action == Action::Resume);
    CHECK(r.work[1].action == Action::RetryChanged);
    CHECK(r.work[2].action == Action::Start);

    CHECK(versions(reconcile(files, t, {std::string("3"), false})) == std::vector<std::string>{"2", "3"});
    CHECK_THROWS_AS(reconcile(files, t, {std::string("9"), false}), pgsafe::Error);
}

TEST_CASE("reconcile refuses drift and out-of-order files, and runs nothing then", "[unit][runner]") {
    Tracking t;
    t.migrations = {tracked("1", "a", TrackedState::Applied), tracked("3", "c", TrackedState::Applied)};
    Reconciled drift = reconcile({file("1", "EDITED"), file("3", "c"), file("4", "d")}, t, {});
    REQUIRE(drift.refusals.size() == 1);
    CHECK(drift.refusals[0].code == "drift");
    CHECK(drift.refusals[0].version == std::optional<std::string>("1"));
    CHECK(drift.refusals[0].message.find("applied checksum a, file now EDITED") != std::string::npos);
    CHECK(drift.refusals[0].unlock == "restore the file, or write a new migration for the change");
    CHECK(drift.work.empty());

    Reconciled late = reconcile({file("1", "a"), file("2", "b"), file("3", "c")}, t, {});
    REQUIRE(late.refusals.size() == 1);
    CHECK(late.refusals[0].code == "out-of-order");
    CHECK(late.refusals[0].text().find("sorts before 3") != std::string::npos);
    CHECK(late.refusals[0].text().find("; renumber it, or pass --allow-out-of-order") != std::string::npos);
    Reconciled allowed = reconcile({file("1", "a"), file("2", "b"), file("3", "c")}, t, {std::nullopt, true});
    CHECK(allowed.refusals.empty());
    CHECK(versions(allowed) == std::vector<std::string>{"2"});
}

TEST_CASE("an applied file recorded with its on-disk checksum (before canonical checksums) is not drift",
          "[unit][runner]") {
    Tracking t;
    t.migrations = {tracked("1", "sha256:crlf-bytes", TrackedState::Applied)};
    MigrationFile crlf = file("1", "sha256:canonical");
    crlf.bytes_checksum = "sha256:crlf-bytes";
    Reconciled r = reconcile({crlf}, t, {});
    CHECK(r.refusals.empty());
    CHECK(r.work.empty());
}

TEST_CASE("every refusal reads as its message and what unlocks it, and is an error of kind Refused",
          "[unit][runner]") {
    pgsafe::Refusal a{"drift", "V1__a.sql: changed", "restore the file", std::string("1")};
    pgsafe::Refusal b{"out-of-order", "V0__b.sql: sorts before 1", "", std::string("0")};
    pgsafe::RefusedError error({a, b});
    CHECK(error.kind() == pgsafe::ErrorKind::Refused);
    CHECK(std::string(error.what()) == "V1__a.sql: changed; restore the file\nV0__b.sql: sorts before 1");
    CHECK(error.refusals().size() == 2);
    CHECK(pgsafe::exit_code(pgsafe::exit_code_for(error.kind())) == 5);
    RunError reported = run_error(error, "1");
    CHECK(reported.kind == pgsafe::ErrorKind::Refused);
    CHECK(reported.refusals.size() == 2);
    CHECK(run_status_for(reported.kind) == RunStatus::Refused);
}

TEST_CASE("backoff waits at most initial·2^n, capped, and spreads its waits", "[unit][runner]") {
    std::mt19937_64 random(42);
    Backoff b(std::chrono::milliseconds(100), std::chrono::milliseconds(1000));
    long long total = 0;
    for (int n = 0; n < 12; ++n) {
        auto wait = b.next(random).count();
        CHECK(wait >= 0);
        CHECK(wait <= std::min(1000LL, 100LL << n));
        total += wait;
    }
    CHECK(total > 0);
    CHECK(total < 12 * 1000);
}

TEST_CASE("the runner's own SQL quotes literals and identifiers as PostgreSQL reads them", "[unit][runner]") {
    CHECK(literal("it's") == "'it''s'");
    CHECK(literal_or_null(std::nullopt) == "NULL");
    CHECK(ident("Measurements") == "\"Measurements\"");
    CHECK(qualified(pgsafe::sql::RelationName{"public", "my\"table"}) == "\"public\".\"my\"\"table\"");
    CHECK(qualified(pgsafe::sql::RelationName{"a.b", "c"}) == "\"a.b\".\"c\"");
    CHECK(duration_ms(100) == "'100ms'");
}

TEST_CASE("a step's leading SET TRANSACTION is cut off, to run before pgsafe's own first query",
          "[unit][runner]") {
    const std::string sql =
        "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ;\nSET LOCAL statement_timeout = 0;\nINSERT INTO t "
        "VALUES (1)";
    auto [modes, rest] = split_transaction_modes(sql);
    CHECK(modes == "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ;");
    CHECK(rest.find("REPEATABLE") == std::string::npos);
    CHECK(rest.find("INSERT INTO t VALUES (1)") != std::string::npos);
    CHECK(rest.find("statement_timeout") != std::string::npos);
    CHECK(split_transaction_modes("set local transaction_isolation = 'serializable'; SELECT 1").first ==
          "set local transaction_isolation = 'serializable';");
    // Not first, or none: nothing moves.
    CHECK(split_transaction_modes("SELECT 1; SET TRANSACTION READ ONLY").first.empty());
    CHECK(split_transaction_modes("UPDATE t SET x = 1").second == "UPDATE t SET x = 1");
}

TEST_CASE("same-as-applied refuses a copy of the latest applied migration, not a repeat of an older one",
          "[unit][runner]") {
    auto with_text = [](const std::string& version, const std::string& checksum) {
        MigrationFile f = file(version, checksum);
        f.text = "ALTER TABLE job ADD COLUMN prepare boolean;\n";
        return f;
    };
    // trigger-dev: 219 adds a column, 220 drops it, 221 adds it back with the same bytes.
    std::vector<MigrationFile> files = {with_text("219", "add"), with_text("220", "drop"),
                                        with_text("221", "add")};
    Tracking t;
    t.migrations = {tracked("219", "add", TrackedState::Applied),
                    tracked("220", "drop", TrackedState::Applied)};
    Reconciled r = reconcile(files, t, {});
    CHECK(r.refusals.empty());
    CHECK(versions(r) == std::vector<std::string>{"221"});
    // A copy of the latest one (220's bytes under 221) is still refused.
    files[2] = with_text("221", "drop");
    r = reconcile(files, t, {});
    REQUIRE(r.refusals.size() == 1);
    CHECK(r.refusals[0].code == "same-as-applied");
}

TEST_CASE("the JSON result has the shape pipelines read", "[unit][runner]") {
    RunResult r;
    r.status = RunStatus::LockTimeout;
    r.applied.push_back({"1", "fk", 2, 1200, 300, 3, false});
    r.pending = {"2"};
    r.error = RunError{"migrations/V2__x.sql:4 (step 1/1): gave up",
                       "2",
                       1,
                       "migrations/V2__x.sql:4",
                       "",
                       pgsafe::ErrorKind::LockTimeout,
                       {}};
    auto j = nlohmann::json::parse(pgsafe::report::migrate_json(r));
    CHECK(j["version"] == 1);
    CHECK(j["status"] == "lock_timeout");
    CHECK(j["applied"][0] == nlohmann::json({{"version", "1"},
                                             {"name", "fk"},
                                             {"steps", 2},
                                             {"duration_ms", 1200},
                                             {"lock_wait_ms", 300},
                                             {"retries", 3},
                                             {"resumed", false}}));
    CHECK(j["pending"] == nlohmann::json::array({"2"}));
    CHECK(j["error"]["location"] == "migrations/V2__x.sql:4");
    CHECK(j["error"]["sqlstate"].is_null());
    std::string text = pgsafe::report::migrate_text(r);
    CHECK(text.find("applied 1 fk: 2 steps in 1.2 s (lock wait 0.3 s, 3 retries)") != std::string::npos);
    CHECK(text.find("lock_timeout: migrations/V2__x.sql:4 (step 1/1): gave up") != std::string::npos);
}

TEST_CASE("a step changes the session only by what it says, whatever words its names hold", "[runner]") {
    // Names holding set, temp or prepare are not the words: no parse, no change.
    CHECK_FALSE(changes_session(
        "CREATE TABLE t (subject_set_id int, temperature int, prepared_at timestamptz, reset_token text)"));
    CHECK_FALSE(changes_session("ALTER TABLE t ALTER COLUMN a SET NOT NULL"));
    CHECK_FALSE(changes_session("SET LOCAL lock_timeout = '1s'"));
    for (const char* sql :
         {"SET search_path = app", "set role app", "RESET ALL",
          "SELECT pg_catalog.set_config('app.x', 'y', false)", "CREATE TEMP TABLE x (a int)",
          "CREATE TEMPORARY TABLE x (a int)", "CREATE TABLE pg_temp.x (a int)",
          "CREATE FUNCTION pg_temp.f() RETURNS int LANGUAGE sql AS 'SELECT 1'", "PREPARE q AS SELECT 1",
          "SELECT 1 AS a INTO TEMP t", "CREATE TABLE a (id int); SET\"search_path\" = app"}) {
        INFO(sql);
        CHECK(changes_session(sql));
    }

    SessionChanges changes;
    StepView view;
    view.label = "migrations/V1__a.sql:1 (step 1/1)";
    view.sql = "CREATE TABLE t (subject_set_id int, reset_at timestamptz)";
    changes.saw(view);
    CHECK(changes.explain().empty());
    // Only its own transaction: not a change of the session later steps run in.
    view.sql = "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ;\nSET LOCAL lock_timeout = '1s'";
    changes.saw(view);
    CHECK(changes.explain().empty());
    view.sql = "CREATE TABLE u (id int);\nSET default_transaction_read_only = on";
    changes.saw(view);
    CHECK(changes.explain().find("`SET default_transaction_read_only = on` at migrations/V1__a.sql:1") !=
          std::string::npos);
    CHECK(changes.read_only_possible());
}

TEST_CASE("a step that does not change the session gives SessionChanges nothing to keep", "[runner]") {
    auto after_step = [](const char* sql) {
        StepView view;
        view.label = "migrations/V1__a.sql:1 (step 1/1)";
        view.sql = sql;
        SessionChanges changes;
        changes.saw(view);
        return changes;
    };
    // The run batches such steps without showing them to SessionChanges (Run::batchable).
    for (const char* sql :
         {"ALTER TABLE t ALTER COLUMN a SET NOT NULL", "ALTER TABLE t ALTER COLUMN a SET DEFAULT 1",
          "SET LOCAL lock_timeout = '1s'", "SET LOCAL default_transaction_read_only = on",
          "SET TRANSACTION READ ONLY", "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE",
          "ALTER TABLE t SET (fillfactor = 70)", "ALTER ROLE app SET search_path = x",
          "ALTER DATABASE d SET default_transaction_read_only = on", "UPDATE t SET reset = true",
          "CREATE FUNCTION f() RETURNS void LANGUAGE sql SET search_path = x AS 'SELECT'",
          "DO $$BEGIN SET search_path = x; END$$", "SET"}) {
        INFO(sql);
        SessionChanges changes = after_step(sql);
        CHECK_FALSE(changes_session(sql));
        CHECK(changes.explain().empty());
        CHECK_FALSE(changes.read_only_possible());
    }
    // And every step SessionChanges keeps changes the session: it is never batched.
    for (const char* sql :
         {"SET default_transaction_read_only = on", "RESET ALL", "SET ROLE app",
          "SET SESSION AUTHORIZATION app", "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY",
          "reset search_path", "SET search_path TO DEFAULT"}) {
        INFO(sql);
        CHECK_FALSE(after_step(sql).explain().empty());
        CHECK(changes_session(sql));
    }
}
