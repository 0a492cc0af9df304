// Table facts from a real server: the loader reads exact sizes after VACUUM
// ANALYZE, index key columns in order, invalid indexes, partitioned tables
// and materialized views; `stats export` writes the same facts; and lint
// with --db and with the exported --stats file reports the same findings,
// naming the size.

#include "process.hpp"
#include "test_db.hpp"

#include "pgsafe/db/connection.hpp"
#include "pgsafe/db/conninfo.hpp"
#include "pgsafe/db/table_facts.hpp"
#include "pgsafe/error.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include <chrono>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

using pgsafe::analysis::TableFact;
using pgsafe::analysis::TableFacts;
using pgsafe::sql::RelationName;
using pgsafe::test::run_pgsafe;
using pgsafe::test::TempDir;

namespace {

constexpr int k_measurements = 200000;

// measurements (200 k rows, large), patients (small), app.events in another
// schema, a partitioned table, a materialized view, and indexes of each kind;
// a view, a composite type, a sequence and a domain, whose names no table fact lists.
void create_schema(const std::string& dsn) {
    pqxx::connection conn(dsn);
    {
        pqxx::work w(conn);
        w.exec(R"sql(
CREATE TABLE patients (id bigint PRIMARY KEY, name text);
INSERT INTO patients SELECT g, 'p' || g FROM generate_series(1, 1000) g;
CREATE TABLE measurements (id bigint PRIMARY KEY, patient_id bigint NOT NULL, value float8, note text);
INSERT INTO measurements SELECT g, g % 1000 + 1, g * 0.5, 'n' FROM generate_series(1, 200000) g;
CREATE INDEX measurements_patient_taken ON measurements (patient_id, id) INCLUDE (value);
CREATE INDEX measurements_lower_note ON measurements (lower(note));
CREATE SCHEMA app;
CREATE TABLE app.events (id int, payload text);
INSERT INTO app.events SELECT g, 'x' FROM generate_series(1, 10) g;
CREATE TABLE readings (id int, taken date NOT NULL) PARTITION BY RANGE (taken);
CREATE TABLE readings_2023 PARTITION OF readings FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
CREATE TABLE readings_2024 PARTITION OF readings FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
INSERT INTO readings SELECT g, date '2023-01-01' + (g % 700) FROM generate_series(1, 3000) g;
CREATE MATERIALIZED VIEW patient_counts AS SELECT patient_id, count(*) FROM measurements GROUP BY 1;
CREATE MATERIALIZED VIEW patient_empty AS SELECT patient_id FROM measurements WITH NO DATA;
CREATE TABLE archive (id int, taken date NOT NULL) PARTITION BY RANGE (taken);
CREATE TABLE archive_rest PARTITION OF archive DEFAULT;
CREATE TABLE dups (v int);
INSERT INTO dups VALUES (1), (1);
CREATE VIEW measurement_notes AS SELECT note FROM measurements;
CREATE TYPE pair AS (a int, b int);
CREATE SEQUENCE app.tickets;
CREATE DOMAIN positive AS int CHECK (VALUE > 0);
)sql");
        w.commit();
    }
    pqxx::nontransaction n(conn);
    try {
        n.exec("CREATE UNIQUE INDEX CONCURRENTLY dups_v ON dups (v)");  // fails: leaves an INVALID index
    } catch (const pqxx::sql_error&) {
    }
    n.exec("VACUUM ANALYZE");  // exact reltuples
}

std::int64_t total_size(const std::string& dsn, const std::string& table) {
    pqxx::connection conn(dsn);
    pqxx::work w(conn);
    return w.exec1("SELECT pg_total_relation_size(" + w.quote(table) + "::regclass)")[0].as<std::int64_t>();
}

const pgsafe::analysis::IndexFact* index_named(const TableFact& t, const std::string& name) {
    for (const auto& i : t.indexes)
        if (i.name == name) return &i;
    return nullptr;
}

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

const std::string k_fk_fixture = "tests/rules/adding-foreign-key-constraint/bad_add_constraint.sql";

}  // namespace

TEST_CASE("the live loader reads sizes, indexes and the search path", "[db]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    create_schema(db->dsn());
    pgsafe::db::Connection connection(db->dsn());
    TableFacts facts = pgsafe::db::load_table_facts(connection);

    CHECK(facts.search_path() == std::vector<std::string>{"public"});
    const TableFact* m = facts.find(RelationName{"", "measurements"});
    REQUIRE(m != nullptr);
    CHECK(m->schema == "public");
    CHECK(m->kind == "table");
    CHECK(m->rows == k_measurements);
    CHECK(m->bytes == total_size(db->dsn(), "measurements"));
    REQUIRE(m->indexes.size() == 3);
    const auto* pkey = index_named(*m, "measurements_pkey");
    REQUIRE(pkey != nullptr);
    CHECK(pkey->columns == std::vector<std::string>{"id"});
    CHECK(pkey->primary);
    CHECK(pkey->unique);
    CHECK(pkey->valid);
    const auto* taken = index_named(*m, "measurements_patient_taken");
    REQUIRE(taken != nullptr);
    CHECK(taken->columns ==
          std::vector<std::string>{"patient_id", "id"});  // key columns, in order, no INCLUDE
    CHECK_FALSE(taken->unique);
    CHECK(index_named(*m, "measurements_lower_note")->columns ==
          std::vector<std::string>{""});  // an expression

    const TableFact* dups = facts.find(RelationName{"public", "dups"});
    REQUIRE(dups != nullptr);
    REQUIRE(index_named(*dups, "dups_v") != nullptr);
    CHECK_FALSE(index_named(*dups, "dups_v")->valid);

    const TableFact* events = facts.find(RelationName{"app", "events"});
    REQUIRE(events != nullptr);
    CHECK(events->rows == 10);
    CHECK(facts.find(RelationName{"", "events"}) == nullptr);  // app is not on the search path

    const TableFact* readings = facts.find(RelationName{"", "readings"});
    REQUIRE(readings != nullptr);
    CHECK(readings->kind == "partitioned table");
    CHECK(readings->rows == 3000);  // all partitions together
    CHECK(readings->default_partition == false);
    const TableFact* archive = facts.find(RelationName{"", "archive"});
    REQUIRE(archive != nullptr);
    CHECK(archive->default_partition == true);  // DETACH … CONCURRENTLY would fail on it
    CHECK(readings->bytes == total_size(db->dsn(), "readings_2023") + total_size(db->dsn(), "readings_2024"));
    REQUIRE(facts.find(RelationName{"", "readings_2024"}) != nullptr);  // and each partition on its own

    const TableFact* view = facts.find(RelationName{"", "patient_counts"});
    REQUIRE(view != nullptr);
    CHECK(view->kind == "materialized view");
    CHECK(view->rows == 1000);
    CHECK(view->populated == true);
    const TableFact* empty = facts.find(RelationName{"", "patient_empty"});
    REQUIRE(empty != nullptr);
    CHECK(empty->populated == false);  // REFRESH … CONCURRENTLY would fail on it

    // The names default names avoid that no table fact lists, by schema.
    REQUIRE(facts.other_names());
    const auto& other = *facts.other_names();
    REQUIRE(other.count("public") == 1);
    CHECK(other.at("public").relations == std::vector<std::string>{"measurement_notes", "pair"});
    CHECK(other.at("public").constraints == std::vector<std::string>{"positive_check"});
    REQUIRE(other.count("app") == 1);
    CHECK(other.at("app").relations == std::vector<std::string>{"tickets"});
    CHECK(other.at("app").constraints.empty());
    CHECK(other.count("pg_catalog") == 0);

    for (const auto& t : facts.tables()) {
        CHECK(t.schema != "pg_catalog");
        CHECK(t.schema != "information_schema");
        CHECK(t.schema != "pg_toast");
    }
}

TEST_CASE(
    "an empty database's facts are read at a glance, and one holding only a view or a domain is not empty",
    "[db]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    pgsafe::test::exec(db->dsn(), "CREATE SCHEMA app;");
    pgsafe::db::Connection connection(db->dsn(), "SET search_path = app, public;");
    SECTION("nothing outside the system schemas: no tables, no names held, the search path") {
        pgsafe::db::CatalogGlance glance =
            pgsafe::db::glance_at_catalog(connection, std::nullopt, pgsafe::db::FactsSearchPath::Current);
        CHECK_FALSE(glance.holds_names);
        CHECK(glance.search_path == std::vector<std::string>{"app", "public"});
        TableFacts facts = pgsafe::db::load_table_facts(connection);
        CHECK(facts.tables().empty());
        REQUIRE(facts.other_names());  // known to be none, not unknown
        CHECK(facts.other_names()->empty());
        CHECK(facts.search_path() == std::vector<std::string>{"app", "public"});
    }
    SECTION("a domain's constraint is a name the facts list") {
        pgsafe::test::exec(db->dsn(),
                           "CREATE DOMAIN app.positive AS int CONSTRAINT positive_check CHECK (VALUE > 0);");
        TableFacts facts = pgsafe::db::load_table_facts(connection);
        REQUIRE(facts.other_names());
        REQUIRE(facts.other_names()->count("app") == 1);
        CHECK(facts.other_names()->at("app").constraints == std::vector<std::string>{"positive_check"});
    }
    SECTION("a view is a name the facts list; one schema's glance sees it, and a partitioned table") {
        pgsafe::test::exec(db->dsn(), "CREATE VIEW app.alpha AS SELECT 1 AS one;");
        TableFacts facts = pgsafe::db::load_table_facts(connection);
        REQUIRE(facts.other_names());
        REQUIRE(facts.other_names()->count("app") == 1);
        CHECK(facts.other_names()->at("app").relations == std::vector<std::string>{"alpha"});
        auto glance = [&](const std::string& schema) {
            return pgsafe::db::glance_at_catalog(connection, schema, pgsafe::db::FactsSearchPath::Current);
        };
        CHECK(glance("app").holds_names);
        CHECK_FALSE(glance("app").holds_partitioned_table);
        CHECK_FALSE(glance("public").holds_names);
        pgsafe::test::exec(db->dsn(), "CREATE TABLE public.p (id int) PARTITION BY RANGE (id);");
        CHECK(glance("public").holds_partitioned_table);
        CHECK_FALSE(glance("app").holds_partitioned_table);
    }
}

TEST_CASE(
    "the live loader reads what batching needs: triggers, rules, generated columns, constraints, privileges",
    "[db][batches]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    pgsafe::test::exec(db->dsn(), R"sql(
CREATE TABLE t (id int PRIMARY KEY, parent int REFERENCES t, g int GENERATED ALWAYS AS (id * 2) STORED,
                e text, d int, n int, EXCLUDE USING btree (d WITH =));
CREATE UNIQUE INDEX t_lower ON t (lower(e)) WHERE n > 0;
CREATE UNIQUE INDEX t_whole ON t ((id + 0), (t.*));
CREATE TABLE child () INHERITS (t);
CREATE UNIQUE INDEX child_n ON child (n);
CREATE TABLE other (id int PRIMARY KEY, t_id int REFERENCES t);
CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;
CREATE TRIGGER on_child BEFORE UPDATE ON child FOR EACH ROW EXECUTE FUNCTION f();
CREATE TRIGGER gone AFTER DELETE ON t REFERENCING OLD TABLE AS o FOR EACH STATEMENT EXECUTE FUNCTION f();
CREATE TRIGGER disabled AFTER UPDATE ON t FOR EACH ROW EXECUTE FUNCTION f();
ALTER TABLE t DISABLE TRIGGER disabled;
CREATE RULE r AS ON UPDATE TO t DO ALSO NOTIFY t_changed;
)sql");
    pgsafe::db::Connection connection(db->dsn());
    TableFacts facts = pgsafe::db::load_table_facts(connection);
    const TableFact* t = facts.find(RelationName{"", "t"});
    REQUIRE(t != nullptr);
    REQUIRE(t->triggers);
    REQUIRE(t->triggers->size() == 2);  // its own and its child's; not the disabled one
    CHECK(t->triggers->at(0).name == "gone");
    CHECK_FALSE(t->triggers->at(0).row);
    CHECK(t->triggers->at(0).transition);
    CHECK(t->triggers->at(0).events == std::vector<std::string>{"delete"});
    CHECK(t->triggers->at(1).name == "on_child");
    CHECK(t->triggers->at(1).timing == "before");
    REQUIRE(t->rules);
    REQUIRE(t->rules->size() == 1);
    CHECK(t->rules->at(0).event == "update");
    CHECK(t->generated_columns == std::optional<std::vector<std::string>>({"g"}));
    CHECK(t->columns_without_select == std::optional<std::vector<std::string>>(std::vector<std::string>{}));
    REQUIRE(t->constraints);
    std::map<std::string, std::string> constraints;  // "kind name" -> columns
    for (const auto& c : *t->constraints) {
        std::string columns;
        for (const auto& col : c.columns) columns += (columns.empty() ? "" : ",") + col;
        constraints[c.kind + " " + c.name] = columns;
    }
    CHECK(constraints["exclusion t_d_excl"] == "d");
    CHECK(constraints["unique t_lower"] == "e,n");  // expression and WHERE columns
    CHECK(constraints["unique t_whole"] == "*");    // a whole-row reference reads every column
    CHECK(constraints["unique child_n"] == "n");    // the child's, which an UPDATE of t reaches
    CHECK(constraints["foreign key t_parent_fkey"] == "parent");
    CHECK(constraints["referenced by foreign key t_parent_fkey"] == "id");
    CHECK(constraints["referenced by foreign key other_t_id_fkey"] == "id");

    // Read as a role that may SELECT only "e": the key is not among what it may read.
    const std::string role = "pgsafe_test_facts_reader";
    pgsafe::test::exec(db->dsn(), "DO $$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '" + role +
                                      "') THEN CREATE ROLE " + role +
                                      "; END IF; END$$;"
                                      "GRANT SELECT (e) ON t TO " +
                                      role + ";");
    {
        pgsafe::db::Connection as_role(db->dsn(), "SET ROLE " + role + ";");
        TableFacts limited = pgsafe::db::load_table_facts(as_role);
        const TableFact* seen = limited.find(RelationName{"", "t"});
        REQUIRE(seen != nullptr);
        REQUIRE(seen->columns_without_select);
        CHECK(*seen->columns_without_select == std::vector<std::string>{"id", "parent", "g", "d", "n"});
    }
    pgsafe::test::exec(db->dsn(), "DROP OWNED BY " + role + "; DROP ROLE " + role + ";");
}

TEST_CASE("stats export writes the snapshot; lint --db and lint --stats agree and name the size", "[db]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    create_schema(db->dsn());
    TempDir dir;
    std::string snapshot = dir.path() + "/stats.json";

    auto exported = run_pgsafe({"stats", "export", "--db", db->dsn(), "--output", snapshot});
    INFO(exported.err);
    REQUIRE(exported.exit_code == 0);
    CHECK_THAT(exported.out, Catch::Contains(snapshot + ": "));
    TableFacts facts = TableFacts::from_json(slurp(snapshot), snapshot);
    REQUIRE(facts.find(RelationName{"", "measurements"}) != nullptr);
    CHECK(facts.find(RelationName{"", "measurements"})->rows == k_measurements);
    REQUIRE(facts.other_names());  // and the names no table lists, which a plan from it needs
    CHECK(facts.other_names()->at("public").relations ==
          std::vector<std::string>{"measurement_notes", "pair"});
    CHECK(facts.other_names()->at("public").constraints == std::vector<std::string>{"positive_check"});

    auto to_stdout = run_pgsafe({"stats", "export"}, {"DATABASE_URL=" + db->dsn()});
    CHECK(to_stdout.exit_code == 0);
    CHECK(to_stdout.out == slurp(snapshot));  // same snapshot through DATABASE_URL

    auto live = run_pgsafe({"lint", "--format", "json", "--db", db->dsn(), k_fk_fixture});
    auto offline = run_pgsafe({"lint", "--format", "json", "--stats", snapshot, k_fk_fixture});
    INFO(live.err << offline.err);
    CHECK(live.exit_code == 1);
    CHECK(offline.exit_code == 1);
    CHECK(live.out == offline.out);
    auto report = nlohmann::json::parse(live.out);
    REQUIRE(report["files"][0]["findings"].size() == 1);
    const auto& finding = report["files"][0]["findings"][0];
    CHECK(finding["severity"] == "error");
    CHECK_THAT(finding["message"].get<std::string>(), Catch::Matches(".*\\(200 k rows, [0-9.]+ MB\\).*"));
}

TEST_CASE("stats export connects through libpq's PG* variables when nothing else is given", "[db]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    std::vector<std::string> env;
    {
        pqxx::connection conn(db->dsn());
        const char* host = conn.hostname();
        env = {std::string("PGHOST=") + (host != nullptr && *host != '\0' ? host : "localhost"),
               std::string("PGPORT=") + conn.port(), std::string("PGUSER=") + conn.username(),
               std::string("PGDATABASE=") + conn.dbname(), "DATABASE_URL="};
        pqxx::work w(conn);
        w.exec("CREATE TABLE only_here (id int)");
        w.commit();
    }
    auto r = run_pgsafe({"stats", "export"}, env);
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::Contains("\"only_here\""));
}

TEST_CASE("stats export gives up quickly on a table another session holds exclusively", "[db]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    pqxx::connection holder(db->dsn());
    {
        pqxx::work w(holder);
        w.exec("CREATE TABLE busy (id int)");
        w.commit();
    }
    pqxx::work lock(holder);
    lock.exec("LOCK TABLE busy IN ACCESS EXCLUSIVE MODE");
    auto started = std::chrono::steady_clock::now();
    auto r = run_pgsafe({"stats", "export", "--db", db->dsn()});
    auto waited = std::chrono::steady_clock::now() - started;
    CHECK(r.exit_code == 6);
    CHECK_THAT(r.err, Catch::Contains("lock_not_available"));
    CHECK(waited < std::chrono::seconds(300));  // its budget is 5 s: only a hang comes near this
    lock.abort();
}

TEST_CASE("a database that refuses the connection is exit 4 with the server's reason", "[db]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    std::string dsn = pgsafe::db::conninfo_with_database(db->dsn(), "no_such_database_here");
    auto r = run_pgsafe({"lint", "--db", dsn, k_fk_fixture});
    CHECK(r.exit_code == 4);
    CHECK_THAT(r.err, Catch::Contains("no_such_database_here"));
    CHECK_THAT(r.err, Catch::Contains("does not exist"));
}
