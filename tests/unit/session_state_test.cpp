// Which steps of a migration leave state in the session for later steps
// (plan/session_state.hpp): session-level settings a resume applies again,
// and temporary objects whose loss makes a resume impossible (issue 11,
// lemmy's comment_ltrees killed between CREATE TEMPORARY TABLE and its use).

#include "runner/resume_session.hpp"

#include "pgsafe/plan/plan.hpp"
#include "pgsafe/plan/session_state.hpp"
#include "pgsafe/sql/parse.hpp"

#include <catch2/catch.hpp>

using namespace pgsafe;

TEST_CASE("session_state finds a temporary table and the span of steps that use it", "[plan][session]") {
    auto s = plan::session_state({
        "CREATE TABLE keep (id int)",
        "CREATE TEMPORARY TABLE comment_temp AS SELECT 1 AS id",
        "ALTER TABLE keep DROP CONSTRAINT IF EXISTS keep_fk",
        "DROP INDEX CONCURRENTLY IF EXISTS keep_idx",
        "UPDATE keep SET id = ct.id FROM comment_temp ct",
        "DROP TABLE comment_temp",
        "UPDATE keep SET id = 2",
    });
    REQUIRE(s.temporaries.size() == 1);
    CHECK(s.temporaries[0].what == "temporary table");
    CHECK(s.temporaries[0].name == "comment_temp");
    CHECK(s.temporaries[0].created == 2);
    CHECK(s.temporaries[0].last_use == 6);
    CHECK(s.settings.empty());
    CHECK_FALSE(plan::lost_temporary(s, 2));  // the creating step not done: it runs again
    CHECK(plan::lost_temporary(s, 3));
    CHECK(plan::lost_temporary(s, 6));
    CHECK_FALSE(plan::lost_temporary(s, 7));  // dropped: nothing later needs it
}

TEST_CASE("session_state knows the other temporary objects and where their spans end", "[plan][session]") {
    auto s = plan::session_state({
        "CREATE TEMP VIEW v AS SELECT 1",
        "CREATE TEMPORARY SEQUENCE s",
        "CREATE TABLE pg_temp.scratch (id int)",
        "CREATE FUNCTION pg_temp.f() RETURNS int LANGUAGE sql AS 'SELECT 1'",
        "PREPARE ins(int) AS INSERT INTO t VALUES ($1)",
        "SELECT 1 INTO TEMP TABLE picked",
        "SELECT * FROM v, picked, scratch; SELECT nextval('s'), pg_temp.f(); EXECUTE ins(1)",
        "CREATE TEMP TABLE unused (id int)",
        "CREATE UNLOGGED TABLE not_temp (id int)",
        "SELECT * FROM not_temp, unused2",
    });
    std::vector<std::string> found;
    for (const auto& t : s.temporaries)
        found.push_back(t.what + " " + t.name + " " + std::to_string(t.last_use));
    CHECK(found == std::vector<std::string>{"temporary view v 7", "temporary sequence s 7",
                                            "temporary table scratch 7", "temporary function f 7",
                                            "prepared statement ins 7", "temporary table picked 7"});
}

TEST_CASE("a temporary object used only in the step that creates it, or created again, spans nothing",
          "[plan][session]") {
    auto s = plan::session_state({
        "CREATE TEMP TABLE t1 AS SELECT 1 AS v;\nINSERT INTO keep SELECT v FROM t1",
        "CREATE TEMP TABLE t2 (v int)",
        "CREATE TEMP TABLE t2 (v int)",
        "INSERT INTO keep SELECT v FROM t2",
    });
    REQUIRE(s.temporaries.size() == 1);
    CHECK(s.temporaries[0].created == 3);  // the second t2, not the first
    CHECK(s.temporaries[0].last_use == 4);
}

TEST_CASE("session_state lists the session-level settings a resume applies again, in order",
          "[plan][session]") {
    auto s = plan::session_state({
        "SET search_path = app, public",
        "BEGIN; SET LOCAL lock_timeout = '1s'; SET TRANSACTION ISOLATION LEVEL SERIALIZABLE; "
        "SET statement_timeout = 0; COMMIT",
        "SET ROLE migrator",
        "SELECT pg_catalog.set_config('search_path', '', false)",
        "SELECT set_config('app.x', '1', true)",
        "SELECT set_config('app.y', '1', false) FROM t",
        "RESET ALL",
        "CREATE TABLE t (id int)",
    });
    std::vector<int> steps;
    for (const auto& x : s.settings) steps.push_back(x.step);
    CHECK(steps == std::vector<int>{1, 2, 3, 4, 7});
    CHECK(plan::settings_before(s, 1).empty());
    CHECK(plan::settings_before(s, 3) == "SET search_path = app, public;\nSET statement_timeout = 0;\n");
    CHECK(plan::settings_before(s, 8) ==
          "SET search_path = app, public;\nSET statement_timeout = 0;\nSET ROLE migrator;\n"
          "SELECT pg_catalog.set_config('search_path', '', false);\nRESET ALL;\n");
    CHECK(s.temporaries.empty());
}

TEST_CASE("the plan notes on the creating step that a kill in the span cannot be resumed",
          "[plan][session]") {
    plan::Planner planner(plan::PlanOptions{}, analysis::TableFacts{});
    std::string text =
        "CREATE TABLE c (id int);\n"
        "CREATE TEMPORARY TABLE c_temp AS SELECT 1 AS id;\n"
        "DROP INDEX IF EXISTS c_idx;\n"
        "UPDATE c SET id = t.id FROM c_temp t;\n"
        "DROP TABLE c_temp;\n";
    auto parsed = sql::parse_sql(text, {sql::KeepTree::Yes});
    auto p = planner.plan({"1", "x", "V1__x.sql", "sha256:x"}, parsed);
    REQUIRE(p.steps.size() == 5);
    CHECK(p.steps[1].why.find("temporary table \"c_temp\" lives only in this session and step 5 uses it") !=
          std::string::npos);
    CHECK(p.steps[1].why.find("session-state-lost") != std::string::npos);
    for (std::size_t i : {0, 2, 3, 4}) CHECK(p.steps[i].why.find("session-state-lost") == std::string::npos);
}

namespace {

runner::StoredStep step(int number, const std::string& sql, bool applied, int line) {
    runner::StoredStep s;
    s.number = number;
    s.sql = sql;
    s.line = line;
    s.state = applied ? runner::StepState::Applied : runner::StepState::Pending;
    return s;
}

}  // namespace

TEST_CASE("a resume that needs a temporary object of a completed step is refused, naming it",
          "[runner][session]") {
    source::MigrationFile file;
    file.version = "7";
    file.path = "migrations/V7__ltree.sql";
    std::vector<runner::StoredStep> steps = {step(1, "SET search_path = app, public", true, 1),
                                             step(2, "CREATE TEMP TABLE ct AS SELECT 1 AS id", true, 2),
                                             step(3, "UPDATE c SET id = ct.id FROM ct", false, 3),
                                             step(4, "DROP TABLE ct", false, 4)};
    auto r = runner::resumed_session(file, steps);
    REQUIRE(r.refusal);
    CHECK(r.refusal->code == "session-state-lost");
    CHECK(r.refusal->version == "7");
    INFO(r.refusal->text());
    CHECK(r.refusal->message.find("migrations/V7__ltree.sql: migration 7 cannot be resumed at step 3: "
                                  "temporary table \"ct\", created by step 2 (migrations/V7__ltree.sql:2)") !=
          std::string::npos);
    CHECK(r.refusal->message.find("nothing of it ran") != std::string::npos);
    CHECK(r.refusal->unlock.find("restore the database") != std::string::npos);

    // Resumed after the temporary table was dropped: only the setting comes back.
    steps[2].state = steps[3].state = runner::StepState::Applied;
    steps.push_back(step(5, "CREATE TABLE made_here (id int)", false, 5));
    r = runner::resumed_session(file, steps);
    CHECK_FALSE(r.refusal);
    CHECK(r.restore_sql == "SET search_path = app, public;\n");

    // Nothing ran yet: nothing to restore, nothing lost.
    for (auto& s : steps) s.state = runner::StepState::Pending;
    r = runner::resumed_session(file, steps);
    CHECK_FALSE(r.refusal);
    CHECK(r.restore_sql.empty());
}
