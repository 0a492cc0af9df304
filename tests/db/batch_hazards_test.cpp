// The shapes where a batched UPDATE / DELETE or volatile-default backfill
// ended unlike the one statement (an adversarial run, /tmp/adv1 §4-8, §19):
// keys the UPDATE moves, constraints checked at the end of the statement,
// rules, transition tables, DEFAULT, privileges, client_encoding, domains.
// Each runs through `pgsafe migrate` (small tables counted as large) and as
// psql -f runs it on a second database: pgsafe must exit 0, run no step in
// batches, end with the same rows, and `pgsafe plan` must say why.

#include "migrate_project.hpp"
#include "process.hpp"
#include "run_as_written.hpp"
#include "test_db.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using pgsafe::test::exec;
using pgsafe::test::run_as_written;
using pgsafe::test::run_pgsafe;
using pgsafe::test::ScratchDatabase;
using pgsafe::test::value;

namespace {

// Every table counts as large, so every whole-table change is a candidate for batches.
const char* k_config =
    "[thresholds]\nlarge_table_rows = 0\nlarge_table_bytes = 0\n[run]\nbatch_pause_ms = 0\nbatch_min = 37\n"
    "batch_max = 300\n";

// A role without SELECT on the tables (cluster-wide).
const char* k_role = "pgsafe_test_batch_hazard";

struct Hazard {
    const char* name;
    const char* setup;      // run on both databases before the migration
    const char* migration;  // one file
    const char* why;        // part of the step's why in `pgsafe plan`
    const char* check;      // a query whose one value must be the same both ways
};

const Hazard k_hazards[] = {
    {"a generated primary key the UPDATE moves",
     "CREATE TABLE t (a int, g int GENERATED ALWAYS AS (a * 10) STORED PRIMARY KEY, n int DEFAULT 0);"
     "INSERT INTO t (a) SELECT generate_series(1, 2000);",
     "UPDATE t SET a = a + 100000, n = n + 1;", "generated column",
     "SELECT string_agg(format('%s %s %s', a, g, n), ',' ORDER BY g) FROM t"},
    {"a BEFORE UPDATE trigger that moves the key",
     "CREATE TABLE t (id int PRIMARY KEY, n int DEFAULT 0);"
     "INSERT INTO t (id) SELECT g * 100 FROM generate_series(1, 2000) g;"
     "CREATE FUNCTION mv() RETURNS trigger LANGUAGE plpgsql AS "
     "$$BEGIN IF NEW.id % 100 = 0 THEN NEW.id := NEW.id + 1; END IF; RETURN NEW; END$$;"
     "CREATE TRIGGER tmv BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION mv();",
     "UPDATE t SET n = n + 1;", "BEFORE UPDATE trigger \"tmv\"",
     "SELECT string_agg(format('%s %s', id, n), ',' ORDER BY id) FROM t"},
    {"DELETE of a tree whose foreign key references its own table",
     "CREATE TABLE t (id int PRIMARY KEY, parent int REFERENCES t);"
     "INSERT INTO t SELECT g, nullif(g - 1, 0) FROM generate_series(1, 2000) g;",
     "DELETE FROM t;", "references the table", "SELECT count(*) FROM t"},
    {"UPDATE of a DEFERRABLE unique column",
     "CREATE TABLE t (id int PRIMARY KEY, a int UNIQUE DEFERRABLE);"
     "INSERT INTO t SELECT g, g FROM generate_series(1, 2000) g;",
     "UPDATE t SET a = a + 1;", "unique index \"t_a_key\"",
     "SELECT string_agg(format('%s %s', id, a), ',' ORDER BY id) FROM t"},
    {"a rule ON UPDATE",
     "CREATE TABLE log (x int); CREATE TABLE t (id int PRIMARY KEY, a int);"
     "CREATE RULE r AS ON UPDATE TO t DO ALSO INSERT INTO log VALUES (1);"
     "INSERT INTO t SELECT g, 0 FROM generate_series(1, 2000) g;",
     "UPDATE t SET a = 1;", "rule \"r\" ON UPDATE",
     "SELECT (SELECT count(*) FROM log) || ' ' || (SELECT sum(a) FROM t)"},
    {"a row trigger with a transition table",
     "CREATE TABLE log (n int); CREATE TABLE t (id int PRIMARY KEY, a int);"
     "INSERT INTO t SELECT g, 0 FROM generate_series(1, 2000) g;"
     "CREATE FUNCTION trg() RETURNS trigger LANGUAGE plpgsql AS "
     "$$BEGIN INSERT INTO log SELECT count(*) FROM nt; RETURN NULL; END$$;"
     "CREATE TRIGGER tr AFTER UPDATE ON t REFERENCING NEW TABLE AS nt FOR EACH ROW EXECUTE FUNCTION trg();",
     "UPDATE t SET a = 1;", "transition tables",
     "SELECT string_agg(n::text, ',' ORDER BY n) FROM (SELECT DISTINCT n FROM log) d"},
    {"SET col = DEFAULT where the default is now()",
     "CREATE TABLE t (id int PRIMARY KEY, ts timestamptz DEFAULT now());"
     "INSERT INTO t SELECT g, NULL FROM generate_series(1, 2000) g;",
     "UPDATE t SET ts = DEFAULT;", "DEFAULT", "SELECT count(DISTINCT ts) FROM t"},
    {"SET col = DEFAULT where the default is nextval()",
     "CREATE SEQUENCE s; CREATE TABLE t (id int PRIMARY KEY, a int DEFAULT nextval('s'));"
     "INSERT INTO t SELECT g, 0 FROM generate_series(1, 2000) g; UPDATE t SET a = 0 WHERE id = 1;",
     "UPDATE t SET a = DEFAULT;", "DEFAULT",
     "SELECT string_agg(format('%s %s', id, a), ',' ORDER BY id) FROM t"},
    {"UPDATE after SET ROLE to a role without SELECT",
     "CREATE TABLE t (id int PRIMARY KEY, a int); INSERT INTO t SELECT g, g FROM generate_series(1, 2000) g;"
     "GRANT UPDATE (a) ON t TO pgsafe_test_batch_hazard;",
     "SET ROLE pgsafe_test_batch_hazard;\nUPDATE t SET a = 0;", "role", "SELECT sum(a) FROM t"},
    {"DELETE after SET ROLE to a role without SELECT",
     "CREATE TABLE t (id int PRIMARY KEY, a int); INSERT INTO t SELECT g, g FROM generate_series(1, 2000) g;"
     "GRANT DELETE ON t TO pgsafe_test_batch_hazard;",
     "SET ROLE pgsafe_test_batch_hazard;\nDELETE FROM t;", "role", "SELECT count(*) FROM t"},
    {"UPDATE of a text key after SET client_encoding",
     "CREATE TABLE t (k text PRIMARY KEY, a int);"
     "INSERT INTO t SELECT CASE WHEN g % 2 = 0 THEN 'ж' ELSE 'a' END || g, 0 FROM generate_series(1, 2000) "
     "g;",
     "SET client_encoding = 'LATIN1';\nUPDATE t SET a = a + 1;", "client_encoding", "SELECT sum(a) FROM t"},
    {"a volatile default of a domain that rejects NULL",
     "CREATE DOMAIN dnn AS float CHECK (VALUE IS NOT NULL); CREATE DOMAIN dnn2 AS float NOT NULL;"
     "CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t SELECT generate_series(1, 2000);",
     "ALTER TABLE t ADD COLUMN x dnn DEFAULT random();\nALTER TABLE t ADD COLUMN y dnn2 DEFAULT random();",
     "is not a domain", "SELECT count(*) FROM t WHERE x IS NOT NULL AND y IS NOT NULL"},
};

// The role the privilege cases switch to, for one section: created before its
// databases, dropped after them (their grants go with them).
struct TemporaryRole {
    std::string admin;
    explicit TemporaryRole(std::string dsn) : admin(std::move(dsn)) {
        exec(admin, std::string("DO $$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '") + k_role +
                        "') THEN CREATE ROLE " + k_role + "; END IF; END$$;");
    }
    ~TemporaryRole() {
        try {
            exec(admin, std::string("DROP ROLE IF EXISTS ") + k_role);
        } catch (const std::exception&) {  // left for the next run, which reuses it
        }
    }
    TemporaryRole(const TemporaryRole&) = delete;
    TemporaryRole& operator=(const TemporaryRole&) = delete;
};

}  // namespace

TEST_CASE("a change whose batches would end unlike the one statement runs as written, as psql runs it",
          "[db][batches]") {
    auto admin = pgsafe::test::admin_dsn();
    if (!admin) return;
    for (const auto& h : k_hazards) {
        SECTION(h.name) {
            TemporaryRole role(*admin);
            ScratchDatabase plain(*admin);
            ScratchDatabase safe(*admin);
            for (const auto* db : {&plain, &safe})
                run_as_written(db->dsn(), std::string(h.setup) + "\nANALYZE;");
            run_as_written(plain.dsn(), h.migration);

            pgsafe::test::MigrateProject p(k_config);
            p.add("V1__change.sql", std::string(h.migration) + "\n");
            auto plan = p.run(safe, {"plan", p.migrations});
            INFO("plan: " << plan.out << plan.err);
            CHECK(plan.out.find(h.why) != std::string::npos);
            auto run = p.migrate(safe);
            INFO("migrate: " << run.out << run.err);
            REQUIRE(run.exit_code == 0);
            CHECK(value(safe.dsn(),
                        "SELECT count(*) FROM pgsafe.steps WHERE definition->'batch' <> 'null'") == "0");
            CHECK(value(safe.dsn(), h.check) == value(plain.dsn(), h.check));
        }
    }
}

TEST_CASE("beside those hazards, a table's UPDATE and DELETE are still batched", "[db][batches]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    // A foreign key from the table (not to it), a unique column the UPDATE leaves alone, an
    // AFTER row trigger without transition tables, a rule on INSERT.
    exec(db->dsn(), R"sql(
CREATE TABLE parent (id int PRIMARY KEY); INSERT INTO parent VALUES (1);
CREATE TABLE audit (id int, v int);
CREATE FUNCTION note() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN INSERT INTO audit VALUES (OLD.id, OLD.v); RETURN NULL; END$$;
CREATE TABLE t (id int PRIMARY KEY, p int REFERENCES parent, code text UNIQUE, v int);
INSERT INTO t SELECT g, 1, 'c' || g, g FROM generate_series(1, 2000) g;
CREATE TRIGGER noted AFTER UPDATE OR DELETE ON t FOR EACH ROW EXECUTE FUNCTION note();
CREATE RULE on_insert AS ON INSERT TO t DO ALSO NOTIFY t_changed;
ANALYZE;
)sql");
    pgsafe::test::MigrateProject p(k_config);
    p.add("V1__bump.sql", "UPDATE t SET v = v * 2;\n");
    p.add("V2__clear.sql", "DELETE FROM t;\n");
    auto run = p.migrate(*db);
    INFO(run.out << run.err);
    REQUIRE(run.exit_code == 0);
    CHECK(value(db->dsn(), "SELECT count(*) FROM pgsafe.steps WHERE batch_last IS NOT NULL") == "2");
    CHECK(value(db->dsn(), "SELECT count(*) FROM t") == "0");
    CHECK(value(db->dsn(), "SELECT count(*) || ' ' || sum(v) FROM audit") ==
          "4000 " + std::to_string(2000 * 2001 / 2 * 3));
}
