// Batching declines what it cannot prove ends as the one statement ends:
// keys the UPDATE itself moves (generated keys, BEFORE UPDATE triggers),
// constraints checked across rows, rules, statement-level triggers and
// transition tables, DEFAULT, the SELECT the batches need, the session the
// facts were not read with, a domain type for the backfill, and facts a
// snapshot does not carry. Each decline runs the statement as written with a
// `why` naming the reason; the shapes beside them are still batched.

#include "pgsafe/plan/plan.hpp"
#include "pgsafe/report/plan_report.hpp"
#include "pgsafe/sql/parse.hpp"

#include "plan_tables.hpp"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <algorithm>

using namespace pgsafe;
using test::large_table;
using test::plan_files;
using test::plan_one;

namespace {

analysis::TriggerFact trigger(const std::string& name, bool row, const std::string& timing,
                              std::vector<std::string> events, bool transition = false) {
    return analysis::TriggerFact{name, row, timing, std::move(events), transition};
}

std::size_t batched_steps(const plan::MigrationPlan& p) {
    return std::count_if(p.steps.begin(), p.steps.end(),
                         [](const plan::Step& s) { return s.batch.has_value(); });
}

// The last step runs `statement` as written (no batch), and its why names `reason`.
bool kept(const plan::MigrationPlan& p, const std::string& reason) {
    INFO(report::plan_sql(p));
    if (p.steps.empty() || batched_steps(p) != 0) return false;
    const plan::Step& s = p.steps.back();
    INFO(s.why);
    return !s.rule && s.why.find(reason) != std::string::npos;
}

bool batched(const plan::MigrationPlan& p) {
    INFO(report::plan_sql(p));
    return batched_steps(p) == 1;
}

}  // namespace

TEST_CASE("an UPDATE whose key the statement itself moves is not batched", "[plan][batches]") {
    SECTION("a generated key column") {
        analysis::TableFact t = large_table("t");
        t.indexes[0].columns = {"g"};
        t.generated_columns = std::vector<std::string>{"g"};
        t.constraints = std::vector<analysis::ConstraintFact>{{"t_pkey", "unique", {"g"}}};
        CHECK(kept(plan_one("UPDATE t SET a = a + 1000, n = n + 1;", t), "generated column"));
        CHECK(batched(plan_one("DELETE FROM t;", t)));
    }
    SECTION("a BEFORE UPDATE row trigger") {
        analysis::TableFact t = large_table("t");
        t.triggers->push_back(trigger("tmv", true, "before", {"update"}));
        CHECK(kept(plan_one("UPDATE t SET n = n + 1;", t), "BEFORE UPDATE trigger \"tmv\""));
        // It does not fire on DELETE; an AFTER row trigger without transition tables sees one row.
        CHECK(batched(plan_one("DELETE FROM t;", t)));
        analysis::TableFact after = large_table("t");
        after.triggers->push_back(trigger("audit", true, "after", {"update", "delete"}));
        CHECK(batched(plan_one("UPDATE t SET n = n + 1;", after)));
    }
}

TEST_CASE("a change checked across rows is not batched", "[plan][batches]") {
    SECTION("DELETE from a table a foreign key references, its own or another table's") {
        analysis::TableFact t = large_table("t");
        t.constraints->push_back({"t_parent_fkey", "foreign key", {"parent"}});
        t.constraints->push_back({"t_parent_fkey", "referenced by foreign key", {"id"}});
        CHECK(kept(plan_one("DELETE FROM t;", t), "foreign key \"t_parent_fkey\" references the table"));
        analysis::TableFact child = large_table("t");
        child.constraints->push_back({"t_parent_fkey", "foreign key", {"parent"}});
        CHECK(batched(plan_one("DELETE FROM t;", child)));
    }
    SECTION("UPDATE of a column a unique, exclusion or foreign key reads") {
        analysis::TableFact t = large_table("t");
        t.constraints->push_back({"t_a_key", "unique", {"a"}});
        t.constraints->push_back({"t_b_excl", "exclusion", {"b"}});
        t.constraints->push_back({"t_c_fkey", "foreign key", {"c"}});
        t.constraints->push_back({"u_d_fkey", "referenced by foreign key", {"d"}});
        t.constraints->push_back({"t_lower", "unique", {"*"}});
        CHECK(kept(plan_one("UPDATE t SET a = a + 1;", t), "unique index \"t_a_key\""));
        CHECK(kept(plan_one("UPDATE t SET b = 3 - b;", t), "exclusion constraint \"t_b_excl\""));
        CHECK(kept(plan_one("UPDATE t SET c = NULL;", t), "foreign key \"t_c_fkey\""));
        CHECK(kept(plan_one("UPDATE t SET d = d * 2;", t), "\"u_d_fkey\" that references the table"));
        analysis::TableFact plain = large_table("t");
        plain.constraints->push_back({"t_a_key", "unique", {"a"}});
        CHECK(batched(plan_one("UPDATE t SET n = n + 1;", plain)));
        // An expression index whose columns are not known reads every column.
        plain.constraints->push_back({"t_whole", "unique", {"*"}});
        CHECK(kept(plan_one("UPDATE t SET n = n + 1;", plain), "\"t_whole\""));
    }
    SECTION("UPDATE of a column a generated column in a unique index may follow") {
        analysis::TableFact t = large_table("t");
        t.generated_columns = std::vector<std::string>{"g"};
        t.constraints->push_back({"t_g_key", "unique", {"g"}});
        CHECK(kept(plan_one("UPDATE t SET a = a + 1;", t), "\"t_g_key\""));
    }
    SECTION("an earlier statement adds a constraint the facts do not show") {
        analysis::TableFact t = large_table("t");
        for (const char* earlier :
             {"CREATE UNIQUE INDEX t_a ON t (a);", "CREATE TABLE u (id int REFERENCES t);",
              "ALTER TABLE u ADD COLUMN t_id bigint REFERENCES t;",
              "CREATE TABLE t_2 PARTITION OF t FOR VALUES IN (2);"}) {
            INFO(earlier);
            auto plans = plan_files({earlier, "DELETE FROM t;"}, {t, large_table("u")});
            CHECK(kept(plans.back(), "an earlier statement adds"));
        }
    }
}

TEST_CASE("rules, statement-level triggers, transition tables and DEFAULT are not batched",
          "[plan][batches]") {
    SECTION("a rule on the event") {
        analysis::TableFact t = large_table("t");
        t.rules->push_back({"r", "update"});
        CHECK(kept(plan_one("UPDATE t SET a = 1;", t), "rule \"r\" ON UPDATE"));
        CHECK(batched(plan_one("DELETE FROM t;", t)));
        t.rules->push_back({"rd", "delete"});
        CHECK(kept(plan_one("DELETE FROM t;", t), "rule \"rd\" ON DELETE"));
        auto plans = plan_files({"CREATE RULE r AS ON DELETE TO t DO ALSO NOTIFY x;", "DELETE FROM t;"},
                                {large_table("t")});
        CHECK(kept(plans.back(), "creates or enables a rule"));
    }
    SECTION("a statement-level trigger") {
        analysis::TableFact t = large_table("t");
        t.triggers->push_back(trigger("once", false, "after", {"delete"}));
        CHECK(kept(plan_one("DELETE FROM t;", t), "statement-level trigger \"once\""));
        CHECK(batched(plan_one("UPDATE t SET a = 1;", t)));
    }
    SECTION("a row trigger with transition tables") {
        analysis::TableFact t = large_table("t");
        t.triggers->push_back(trigger("tr", true, "after", {"update"}, true));
        CHECK(kept(plan_one("UPDATE t SET a = 1;", t), "transition tables"));
    }
    SECTION("a trigger an earlier statement creates") {
        auto plans =
            plan_files({"CREATE TRIGGER tr AFTER UPDATE ON t FOR EACH STATEMENT EXECUTE FUNCTION f();",
                        "UPDATE t SET a = 1;"},
                       {large_table("t")});
        CHECK(kept(plans.back(), "creates or enables a trigger"));
    }
    SECTION("SET col = DEFAULT") {
        CHECK(kept(plan_one("UPDATE t SET ts = DEFAULT;", large_table("t")), "DEFAULT"));
        CHECK(kept(plan_one("UPDATE t SET (a, ts) = (1, DEFAULT);", large_table("t")), "DEFAULT"));
    }
}

TEST_CASE("batches that need what the statement does not, or another session, are not batched",
          "[plan][batches]") {
    SECTION("the connecting role may not SELECT the key") {
        analysis::TableFact t = large_table("t");
        t.columns_without_select = std::vector<std::string>{"id", "a"};
        CHECK(kept(plan_one("UPDATE t SET a = 0;", t), "may not SELECT the key column \"id\""));
        CHECK(kept(plan_one("DELETE FROM t;", t), "may not SELECT"));
        CHECK(kept(plan_one("ALTER TABLE t ADD COLUMN u uuid DEFAULT gen_random_uuid();", t),
                   "may not SELECT"));
        analysis::TableFact other = large_table("t");
        other.columns_without_select = std::vector<std::string>{"a"};
        CHECK(batched(plan_one("UPDATE t SET a = 0;", other)));
    }
    SECTION("an earlier statement changes the role") {
        for (const char* earlier : {"SET ROLE app;", "SET SESSION AUTHORIZATION app;", "RESET ROLE;",
                                    "SET LOCAL ROLE app;", "DISCARD ALL;"}) {
            INFO(earlier);
            // Declined for the role, or first because a changed role may change what names mean.
            CHECK(kept(plan_one(std::string(earlier) + "\nUPDATE t SET a = 0;", large_table("t")), "role"));
            CHECK(kept(plan_one(std::string(earlier) + "\nDELETE FROM t;", large_table("t")), "role"));
            CHECK(kept(plan_one(std::string(earlier) + "\nALTER TABLE t ADD COLUMN u uuid DEFAULT "
                                                       "gen_random_uuid();",
                                large_table("t")),
                       "role"));
        }
        CHECK(batched(plan_one("SET lock_timeout = '1s';\nUPDATE t SET a = 0;", large_table("t"))));
        // set_config can set the role too (and whatever else), so it counts as changing it.
        CHECK(kept(plan_one("SELECT set_config('role', 'app', false);\nUPDATE public.t SET a = 0;",
                            large_table("t")),
                   "role"));
    }
    SECTION("a setting lasts to the end of its file: the next migration starts in a fresh session") {
        for (const char* earlier : {"SET ROLE app;", "SET client_encoding = 'LATIN1';"}) {
            INFO(earlier);
            auto plans =
                plan_files({std::string(earlier) + "\nSELECT 1;", "UPDATE t SET a = 0;"}, {large_table("t")});
            CHECK(batched(plans.back()));
        }
    }
    SECTION("an earlier statement sets client_encoding") {
        for (const char* earlier : {"SET client_encoding = 'LATIN1';", "SET NAMES 'LATIN1';"}) {
            INFO(earlier);
            CHECK(kept(plan_one(std::string(earlier) + "\nUPDATE t SET a = a + 1;", large_table("t")),
                       "client_encoding"));
        }
    }
}

TEST_CASE("a snapshot without the batching facts declines, one with them batches", "[plan][batches]") {
    analysis::TableFact old = large_table("t");
    old.triggers.reset();
    old.rules.reset();
    old.generated_columns.reset();
    old.constraints.reset();
    old.columns_without_select.reset();
    CHECK(kept(plan_one("UPDATE t SET a = 0;", old), "older `pgsafe stats export`"));
    CHECK(kept(plan_one("ALTER TABLE t ADD COLUMN u uuid DEFAULT gen_random_uuid();", old),
               "older `pgsafe stats export`"));
    // Written and read back, the facts are the same, so the plan is too.
    analysis::TableFact t = large_table("t");
    t.triggers->push_back(trigger("tr", true, "after", {"update"}, true));
    t.rules->push_back({"r", "delete"});
    t.generated_columns->push_back("g");
    t.constraints->push_back({"t_a_key", "unique", {"a", "*"}});
    t.columns_without_select->push_back("secret");
    auto facts = analysis::TableFacts({t}, {"public"});
    auto back = analysis::TableFacts::from_json(facts.to_json(), "snapshot.json");
    CHECK(back.to_json() == facts.to_json());
    const analysis::TableFact& read = back.tables().at(0);
    REQUIRE(read.triggers);
    CHECK(read.triggers->at(0).transition);
    CHECK(read.triggers->at(0).fires_on("update"));
    CHECK_FALSE(read.triggers->at(0).fires_on("delete"));
    REQUIRE(read.constraints);
    CHECK(read.constraints->at(1).uses("anything"));
    CHECK(batched(plan_one("DELETE FROM t;", large_table("t"))));
}

TEST_CASE("a volatile-default backfill declines a type that may be a domain, and rules on UPDATE",
          "[plan][batches]") {
    for (const char* type : {"dnn", "public.dnn", "myschema.uuid", "text_domain[]"}) {
        INFO(type);
        CHECK(kept(
            plan_one(fmt::format("ALTER TABLE t ADD COLUMN x {} DEFAULT random();", type), large_table("t")),
            "is not a domain"));
    }
    for (const char* type : {"float", "double precision", "uuid", "text", "timestamptz", "pg_catalog.uuid",
                             "timestamp with time zone", "varchar(20)", "numeric(10, 2)", "int[]"}) {
        INFO(type);
        CHECK(batched(plan_one(fmt::format("ALTER TABLE t ADD COLUMN x {} DEFAULT random();", type),
                               large_table("t"))));
    }
    // After SET search_path, an unqualified name may be another schema's (the table's or the type's).
    CHECK(kept(plan_one("SET search_path = app, pg_catalog;\nALTER TABLE t ADD COLUMN x uuid DEFAULT "
                        "gen_random_uuid();",
                        large_table("t")),
               "changed how names resolve"));
    analysis::TableFact ruled = large_table("t");
    ruled.rules->push_back({"r", "update"});
    CHECK(kept(plan_one("ALTER TABLE t ADD COLUMN x uuid DEFAULT gen_random_uuid();", ruled), "rule \"r\""));
}
