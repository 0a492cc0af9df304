// The pure part of checking a resume: the digest of what a step runs, the
// comparison of stored steps with planned ones, and planning again from the
// settings and facts a plan record keeps.

#include "runner/resume_check.hpp"
#include "runner/tracking.hpp"

#include "pgsafe/plan/plan.hpp"
#include "pgsafe/plan/session_state.hpp"
#include "pgsafe/sql/parse.hpp"
#include "pgsafe/sql/position.hpp"

#include <catch2/catch.hpp>

#include <map>

using namespace pgsafe;
using namespace pgsafe::runner;

namespace {

// Table t, with an index named t_code_key or not (as after the first step of a
// run that adds UNIQUE (code) built it), and a table the migration does not name.
analysis::TableFacts facts(bool with_code_key) {
    analysis::TableFact t;
    t.schema = "public";
    t.name = "t";
    t.rows = 1e6;
    t.bytes = 100000000;
    analysis::IndexFact pk;
    pk.name = "t_pkey";
    pk.columns = {"id"};
    pk.types = {"bigint"};
    pk.unique = pk.primary = true;
    t.indexes.push_back(pk);
    if (with_code_key) {
        analysis::IndexFact code = pk;
        code.name = "t_code_key";
        code.columns = {"code"};
        code.types = {"text"};
        code.primary = false;
        t.indexes.push_back(code);
    }
    analysis::TableFact other;
    other.schema = "public";
    other.name = "unrelated";
    return analysis::TableFacts({t, other}, {"public"}, std::map<std::string, analysis::SchemaNames>{});
}

std::vector<StoredStep> planned(const plan::PlanOptions& options, const analysis::TableFacts& facts,
                                const std::string& text) {
    plan::Planner planner(options, facts);
    auto p = planner.plan({"1", "x", "V1__x.sql", "sha256:0"}, sql::parse_sql(text, {sql::KeepTree::Yes}));
    sql::LineIndex lines(text);
    std::vector<StoredStep> out;
    for (std::size_t i = 0; i < p.steps.size(); ++i)
        out.push_back(stored_step(p.steps[i], static_cast<int>(i) + 1, lines));
    return out;
}

const std::string k_file =
    "INSERT INTO audit VALUES (1);\nALTER TABLE t ADD CONSTRAINT t_code_key UNIQUE (code);\n";

}  // namespace

TEST_CASE("a step's digest covers what it runs and how, not its progress", "[unit][runner]") {
    StoredStep s;
    s.number = 2;
    s.sql = "CREATE INDEX t_x ON t (x)";
    s.lock_timeout_ms = 100;
    std::string digest = step_digest(s);
    CHECK(digest.rfind("sha256:", 0) == 0);

    StoredStep progress = s;
    progress.state = StepState::Failed;
    progress.attempts = 3;
    progress.line = 7;
    progress.why = "another reason";
    progress.estimated_seconds = 12.5;
    CHECK(step_digest(progress) == digest);
    CHECK(step_difference(progress, s).empty());

    auto differs = [&](const std::function<void(StoredStep&)>& change, const std::string& said) {
        StoredStep other = s;
        change(other);
        CHECK(step_digest(other) != digest);
        CHECK(step_difference(other, s).find(said) != std::string::npos);
    };
    differs([](StoredStep& o) { o.sql = "DROP TABLE t"; }, "its SQL differs: stored \"DROP TABLE t\"");
    differs([](StoredStep& o) { o.transactional = false; }, "outside a transaction");
    differs([](StoredStep& o) { o.lock_timeout_ms = 0; }, "its lock timeout (stored 0 ms, planned 100 ms)");
    differs([](StoredStep& o) { o.statement_timeout_ms = 5; }, "its statement timeout");
    differs([](StoredStep& o) { o.index = sql::RelationName{"public", "other"}; }, "the index it builds");
    differs(
        [](StoredStep& o) {
            o.batch = plan::Batch{"public", "t", {"id"}, {"bigint"}, false};
        },
        "its batches");
    differs([](StoredStep& o) { o.relations = {"public.other"}; }, "its lock");
}

TEST_CASE("stored steps are compared with the plan from the step still to run", "[unit][runner]") {
    auto plan = planned(plan::PlanOptions{}, facts(false), k_file);
    REQUIRE(plan.size() == 3);
    std::vector<StoredStep> stored = plan;
    CHECK_FALSE(first_mismatch(stored, plan));

    // An applied step never runs again: not compared (after a fixed file it is the earlier plan's).
    stored[0].state = StepState::Applied;
    stored[0].sql = "INSERT INTO audit VALUES (2)";
    CHECK_FALSE(first_mismatch(stored, plan));

    stored[1].state = StepState::Applied;
    stored[2].sql = "INSERT INTO side_effect VALUES ('pwned')";
    auto m = first_mismatch(stored, plan);
    REQUIRE(m);
    CHECK(m->step == 3);
    CHECK(m->what.find("pwned") != std::string::npos);

    stored = plan;
    stored.pop_back();
    m = first_mismatch(stored, plan);
    REQUIRE(m);
    CHECK(m->step == 0);
    CHECK(m->what == "pgsafe.steps holds 2 steps for it, and the file plans 3");
}

TEST_CASE("the settings and facts a plan record keeps plan the file again to the same steps",
          "[unit][runner]") {
    plan::PlanOptions options;
    options.lint.thresholds.large_table_rows = 1000;
    options.timeouts.lock_timeout_ms = 250;
    options.lint.excluded = {"prefer-bigint-over-int"};
    options.lint.severities["ban-drop-column"] = rules::Severity::Warning;
    auto before = facts(false);
    auto first = planned(options, before, k_file);
    REQUIRE(first.size() == 3);
    CHECK(first[1].sql.rfind("CREATE UNIQUE INDEX CONCURRENTLY t_code_key", 0) == 0);

    // Kept: only the tables the file and its steps name.
    FactsSubset subset(before);
    analysis::TableFacts kept = subset.subset(k_file, first);
    REQUIRE(kept.tables().size() == 1);
    CHECK(kept.tables()[0].name == "t");

    plan::PlanOptions read = plan_options_from_json(plan_options_json(options));
    analysis::TableFacts reread = analysis::TableFacts::from_json(kept.to_json(), "test");
    CHECK_FALSE(first_mismatch(first, planned(read, reread, k_file)));

    // Planned with the database after step 2 built the index, the statement is kept as written.
    auto m = first_mismatch(first, planned(options, facts(true), k_file));
    REQUIRE(m);
    CHECK(m->step == 0);
}

TEST_CASE("a plan record lists schema pgsafe's own tables only where the planner can have looked them up",
          "[unit][runner]") {
    auto table = [](const std::string& schema, const std::string& name) {
        analysis::TableFact t;
        t.schema = schema;
        t.name = name;
        return t;
    };
    std::map<std::string, analysis::SchemaNames> names{{"pgsafe", {{"events_id_seq"}, {}}}};
    const std::string text = "CREATE TABLE run_log (id int, schema_version int, events_id_seq int);";
    // A step's reason says "pgsafe" of the tool: not a name the planner looked up.
    std::vector<StoredStep> steps(1);
    steps[0].sql = "CREATE TABLE run_log (id int)";
    steps[0].why = "as written: pgsafe does not see schema_version";
    auto kept = [&](const std::vector<std::string>& path, const std::string& file) {
        analysis::TableFacts facts({table("pgsafe", "schema_version"), table("public", "run_log")}, path,
                                   names);
        FactsSubset subset(facts);
        analysis::TableFacts out = subset.subset(file, steps);
        std::vector<std::string> listed;
        for (const auto& t : out.tables()) listed.push_back(t.schema + "." + t.name);
        if (out.other_names())
            for (const auto& [schema, n] : *out.other_names())
                for (const auto& r : n.relations) listed.push_back(schema + "." + r);
        return listed;
    };
    // A column named like a tracking table: not a table the planner looks up.
    CHECK(kept({"public"}, text) == std::vector<std::string>{"public.run_log"});
    // The search path holds the schema: an unqualified name can be its table.
    CHECK(kept({"pgsafe", "public"}, text) ==
          std::vector<std::string>{"pgsafe.schema_version", "public.run_log", "pgsafe.events_id_seq"});
    // The file names the schema.
    CHECK(kept({"public"}, text + " SELECT * FROM pgsafe.schema_version;") ==
          std::vector<std::string>{"pgsafe.schema_version", "public.run_log", "pgsafe.events_id_seq"});
}

TEST_CASE("recorded settings outside what a configuration accepts are not planned with", "[unit][runner]") {
    nlohmann::json j = plan_options_json(plan::PlanOptions{});
    CHECK_NOTHROW(plan_options_from_json(j));
    j["timeouts"]["lock_timeout_ms"] = 0;  // wait in the lock queue for ever
    CHECK_THROWS(plan_options_from_json(j));
    j = plan_options_json(plan::PlanOptions{});
    j["lint"]["severities"]["x"] = "fatal";
    CHECK_THROWS(plan_options_from_json(j));
}

TEST_CASE("the words a relation may be named by", "[unit][runner]") {
    auto words = plan::words_of("ALTER TABLE Orders ADD \"Weird \"\"Name\" int; -- t_x");
    auto has = [&](const std::string& w) { return std::find(words.begin(), words.end(), w) != words.end(); };
    CHECK(has("Orders"));
    CHECK(has("orders"));
    CHECK(has("Weird \"Name"));
    CHECK(has("t_x"));
}
