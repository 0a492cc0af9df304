// The lock model per statement form: each SQL text parsed with the real
// parser, then the locks, table work and transaction needs checked against
// what the PostgreSQL 15 docs say (the db trace tests check the server).

#include "pgsafe/analysis/effects.hpp"
#include "pgsafe/sql/parse.hpp"

#include <catch2/catch.hpp>

#include <string>

using pgsafe::analysis::Effects;
using pgsafe::analysis::TableWork;
using pgsafe::sql::LockMode;
using pgsafe::sql::RelationName;

namespace {

Effects effects_of(const std::string& text) {
    auto parsed = pgsafe::sql::parse_sql(text);
    INFO(text);
    REQUIRE(parsed.ok());
    REQUIRE(parsed.statements.size() == 1);
    return pgsafe::analysis::statement_effects(parsed.statements[0]);
}

RelationName rel(const std::string& name) {
    return RelationName{"", name};
}

LockMode mode_on(const Effects& e, const std::string& name) {
    const auto* lock = e.lock_on(rel(name));
    return lock ? lock->mode : LockMode::None;
}

TableWork work_on(const Effects& e, const std::string& name) {
    const auto* lock = e.lock_on(rel(name));
    return lock ? lock->work : TableWork::None;
}

struct Case {
    const char* sql;
    const char* table;
    LockMode mode;
    TableWork work;
    bool outside_transaction;
};

void check(const Case& c) {
    INFO(c.sql);
    Effects e = effects_of(c.sql);
    CHECK_FALSE(e.unknown);
    CHECK(pgsafe::sql::lock_mode_name(mode_on(e, c.table)) ==
          std::string(pgsafe::sql::lock_mode_name(c.mode)));
    CHECK(pgsafe::analysis::table_work_name(work_on(e, c.table)) ==
          std::string(pgsafe::analysis::table_work_name(c.work)));
    CHECK(e.outside_transaction == c.outside_transaction);
}

}  // namespace

TEST_CASE("ALTER TABLE subcommands take their documented lock level", "[analysis][lock]") {
    const Case cases[] = {
        {"ALTER TABLE m VALIDATE CONSTRAINT c", "m", LockMode::ShareUpdateExclusive, TableWork::Scan, false},
        {"ALTER TABLE m ALTER COLUMN v SET STATISTICS 500", "m", LockMode::ShareUpdateExclusive,
         TableWork::None, false},
        {"ALTER TABLE m SET (fillfactor = 70)", "m", LockMode::ShareUpdateExclusive, TableWork::None, false},
        {"ALTER TABLE m SET (autovacuum_vacuum_scale_factor = 0.01)", "m", LockMode::ShareUpdateExclusive,
         TableWork::None, false},
        {"ALTER TABLE m RESET (fillfactor)", "m", LockMode::ShareUpdateExclusive, TableWork::None, false},
        {"ALTER TABLE m CLUSTER ON m_pkey", "m", LockMode::ShareUpdateExclusive, TableWork::None, false},
        {"ALTER TABLE m SET WITHOUT CLUSTER", "m", LockMode::ShareUpdateExclusive, TableWork::None, false},
        {"ALTER TABLE m ENABLE TRIGGER t", "m", LockMode::ShareRowExclusive, TableWork::None, false},
        {"ALTER TABLE m DISABLE TRIGGER ALL", "m", LockMode::ShareRowExclusive, TableWork::None, false},
        {"ALTER TABLE m ADD COLUMN c int", "m", LockMode::AccessExclusive, TableWork::None, false},
        {"ALTER TABLE m ADD COLUMN c int DEFAULT 0", "m", LockMode::AccessExclusive, TableWork::None, false},
        {"ALTER TABLE m ADD COLUMN c timestamptz DEFAULT now()", "m", LockMode::AccessExclusive,
         TableWork::None, false},
        {"ALTER TABLE m ADD COLUMN c uuid DEFAULT gen_random_uuid()", "m", LockMode::AccessExclusive,
         TableWork::Rewrite, false},
        {"ALTER TABLE m ADD COLUMN c float8 DEFAULT random()", "m", LockMode::AccessExclusive,
         TableWork::Rewrite, false},
        {"ALTER TABLE m ADD COLUMN c bigserial", "m", LockMode::AccessExclusive, TableWork::Rewrite, false},
        {"ALTER TABLE m ADD COLUMN c int GENERATED ALWAYS AS (v * 2) STORED", "m", LockMode::AccessExclusive,
         TableWork::Rewrite, false},
        {"ALTER TABLE m ADD COLUMN c int CHECK (c > 0)", "m", LockMode::AccessExclusive, TableWork::Scan,
         false},
        {"ALTER TABLE m DROP COLUMN v", "m", LockMode::AccessExclusive, TableWork::None, false},
        {"ALTER TABLE m ALTER COLUMN v TYPE bigint", "m", LockMode::AccessExclusive, TableWork::Rewrite,
         false},
        {"ALTER TABLE m ALTER COLUMN v TYPE text", "m", LockMode::AccessExclusive, TableWork::None, false},
        {"ALTER TABLE m ALTER COLUMN v TYPE varchar", "m", LockMode::AccessExclusive, TableWork::None, false},
        {"ALTER TABLE m ALTER COLUMN v TYPE text USING v::text", "m", LockMode::AccessExclusive,
         TableWork::Rewrite, false},
        {"ALTER TABLE m ALTER COLUMN v SET NOT NULL", "m", LockMode::AccessExclusive, TableWork::Scan, false},
        {"ALTER TABLE m ALTER COLUMN v DROP NOT NULL", "m", LockMode::AccessExclusive, TableWork::None,
         false},
        {"ALTER TABLE m ALTER COLUMN v SET DEFAULT 1", "m", LockMode::AccessExclusive, TableWork::None,
         false},
        {"ALTER TABLE m ADD CONSTRAINT c CHECK (v > 0)", "m", LockMode::AccessExclusive, TableWork::Scan,
         false},
        {"ALTER TABLE m ADD CONSTRAINT c CHECK (v > 0) NOT VALID", "m", LockMode::AccessExclusive,
         TableWork::None, false},
        {"ALTER TABLE m ADD PRIMARY KEY (id)", "m", LockMode::AccessExclusive, TableWork::Scan, false},
        {"ALTER TABLE m ADD CONSTRAINT u UNIQUE (v)", "m", LockMode::AccessExclusive, TableWork::Scan, false},
        {"ALTER TABLE m ADD CONSTRAINT u UNIQUE USING INDEX m_v_idx", "m", LockMode::AccessExclusive,
         TableWork::None, false},
        {"ALTER TABLE m DROP CONSTRAINT c", "m", LockMode::AccessExclusive, TableWork::None, false},
        {"ALTER TABLE m SET LOGGED", "m", LockMode::AccessExclusive, TableWork::Rewrite, false},
        {"ALTER TABLE m SET UNLOGGED", "m", LockMode::AccessExclusive, TableWork::Rewrite, false},
        {"ALTER TABLE m SET TABLESPACE pg_default", "m", LockMode::AccessExclusive, TableWork::Rewrite,
         false},
        {"ALTER TABLE m SET ACCESS METHOD heap", "m", LockMode::AccessExclusive, TableWork::Rewrite, false},
        {"ALTER TABLE m OWNER TO someone", "m", LockMode::AccessExclusive, TableWork::None, false},
        {"ALTER TABLE m ENABLE ROW LEVEL SECURITY", "m", LockMode::AccessExclusive, TableWork::None, false},
        {"ALTER TABLE m REPLICA IDENTITY FULL", "m", LockMode::AccessExclusive, TableWork::None, false},
        {"ALTER TABLE m ALTER COLUMN v SET STORAGE EXTERNAL", "m", LockMode::AccessExclusive, TableWork::None,
         false},
        {"ALTER TABLE parent DETACH PARTITION part", "parent", LockMode::AccessExclusive, TableWork::None,
         false},
        {"ALTER TABLE parent DETACH PARTITION part CONCURRENTLY", "parent", LockMode::ShareUpdateExclusive,
         TableWork::None, true},
        {"ALTER INDEX m_v_idx SET TABLESPACE pg_default", "m_v_idx", LockMode::AccessExclusive,
         TableWork::Rewrite, false},
        {"ALTER MATERIALIZED VIEW mv SET (fillfactor = 50)", "mv", LockMode::ShareUpdateExclusive,
         TableWork::None, false},
        {"ALTER VIEW v SET (security_barrier = true)", "v", LockMode::AccessExclusive, TableWork::None,
         false},
    };
    for (const auto& c : cases) check(c);
}

TEST_CASE("a multi-subcommand ALTER TABLE takes the strongest level and the heaviest work",
          "[analysis][lock]") {
    Effects e = effects_of(
        "ALTER TABLE m SET (fillfactor = 70), ALTER COLUMN v SET STATISTICS 100, "
        "VALIDATE CONSTRAINT c");
    CHECK(mode_on(e, "m") == LockMode::ShareUpdateExclusive);
    CHECK(work_on(e, "m") == TableWork::Scan);

    e = effects_of("ALTER TABLE m VALIDATE CONSTRAINT c, ADD COLUMN x int");
    CHECK(mode_on(e, "m") == LockMode::AccessExclusive);
    CHECK(work_on(e, "m") == TableWork::Scan);
    REQUIRE(e.locks.size() == 1);
}

TEST_CASE("ADD FOREIGN KEY locks both tables SHARE ROW EXCLUSIVE", "[analysis][lock][fk]") {
    Effects e = effects_of(
        "ALTER TABLE measurements ADD CONSTRAINT m_p_fk FOREIGN KEY (patient_id) "
        "REFERENCES patients (id)");
    REQUIRE(e.locks.size() == 2);
    CHECK(e.locks[0].relation == rel("measurements"));
    CHECK(mode_on(e, "measurements") == LockMode::ShareRowExclusive);
    CHECK(mode_on(e, "patients") == LockMode::ShareRowExclusive);
    CHECK(work_on(e, "measurements") == TableWork::Scan);
    CHECK(e.strongest() == LockMode::ShareRowExclusive);

    SECTION("NOT VALID skips the scan but not the locks") {
        e = effects_of(
            "ALTER TABLE measurements ADD CONSTRAINT m_p_fk FOREIGN KEY (patient_id) "
            "REFERENCES patients (id) NOT VALID");
        CHECK(mode_on(e, "measurements") == LockMode::ShareRowExclusive);
        CHECK(mode_on(e, "patients") == LockMode::ShareRowExclusive);
        CHECK(work_on(e, "measurements") == TableWork::None);
    }
    SECTION("an inline REFERENCES on a new column locks the referenced table too") {
        e = effects_of("ALTER TABLE measurements ADD COLUMN doctor_id int REFERENCES doctors (id)");
        CHECK(mode_on(e, "measurements") == LockMode::AccessExclusive);
        CHECK(mode_on(e, "doctors") == LockMode::ShareRowExclusive);
    }
    SECTION("schema-qualified names stay qualified") {
        e = effects_of("ALTER TABLE app.m ADD FOREIGN KEY (p) REFERENCES app.p (id)");
        REQUIRE(e.lock_on(RelationName{"app", "p"}) != nullptr);
        CHECK(e.lock_on(RelationName{"app", "p"})->mode == LockMode::ShareRowExclusive);
        CHECK(e.lock_on(rel("p")) == nullptr);
    }
}

TEST_CASE("ATTACH PARTITION: SHARE UPDATE EXCLUSIVE on the parent, ACCESS EXCLUSIVE on the partition",
          "[analysis][lock]") {
    Effects e = effects_of("ALTER TABLE parent ATTACH PARTITION part FOR VALUES FROM (1) TO (10)");
    CHECK(mode_on(e, "parent") == LockMode::ShareUpdateExclusive);
    CHECK(mode_on(e, "part") == LockMode::AccessExclusive);
    CHECK(work_on(e, "part") == TableWork::Scan);
    CHECK_FALSE(e.outside_transaction);

    e = effects_of("ALTER TABLE parent DETACH PARTITION part CONCURRENTLY");
    CHECK(mode_on(e, "part") == LockMode::AccessExclusive);
}

TEST_CASE("index statements", "[analysis][lock]") {
    const Case cases[] = {
        {"CREATE INDEX i ON m (v)", "m", LockMode::Share, TableWork::Scan, false},
        {"CREATE UNIQUE INDEX i ON m (v)", "m", LockMode::Share, TableWork::Scan, false},
        {"CREATE INDEX CONCURRENTLY i ON m (v)", "m", LockMode::ShareUpdateExclusive, TableWork::Scan, true},
        {"DROP INDEX i", "i", LockMode::AccessExclusive, TableWork::None, false},
        {"DROP INDEX CONCURRENTLY i", "i", LockMode::ShareUpdateExclusive, TableWork::None, true},
        {"REINDEX INDEX i", "i", LockMode::AccessExclusive, TableWork::Scan, false},
        {"REINDEX INDEX CONCURRENTLY i", "i", LockMode::ShareUpdateExclusive, TableWork::Scan, true},
        {"REINDEX TABLE m", "m", LockMode::Share, TableWork::Scan, false},
        {"REINDEX TABLE CONCURRENTLY m", "m", LockMode::ShareUpdateExclusive, TableWork::Scan, true},
        {"ALTER INDEX i RENAME TO j", "i", LockMode::ShareUpdateExclusive, TableWork::None, false},
    };
    for (const auto& c : cases) check(c);

    Effects e = effects_of("DROP INDEX i");
    CHECK_FALSE(e.notes.empty());  // says the table is locked too
    e = effects_of("REINDEX SCHEMA app");
    CHECK(e.outside_transaction);
    CHECK(e.locks.empty());
}

TEST_CASE("maintenance, data and other table statements", "[analysis][lock]") {
    const Case cases[] = {
        {"REFRESH MATERIALIZED VIEW mv", "mv", LockMode::AccessExclusive, TableWork::Rewrite, false},
        {"REFRESH MATERIALIZED VIEW CONCURRENTLY mv", "mv", LockMode::Exclusive, TableWork::Scan, false},
        {"VACUUM m", "m", LockMode::ShareUpdateExclusive, TableWork::Scan, true},
        {"VACUUM (ANALYZE) m", "m", LockMode::ShareUpdateExclusive, TableWork::Scan, true},
        {"VACUUM FULL m", "m", LockMode::AccessExclusive, TableWork::Rewrite, true},
        {"ANALYZE m", "m", LockMode::ShareUpdateExclusive, TableWork::Scan, false},
        {"CLUSTER m USING m_pkey", "m", LockMode::AccessExclusive, TableWork::Rewrite, false},
        {"LOCK TABLE m IN SHARE MODE", "m", LockMode::Share, TableWork::None, false},
        {"LOCK TABLE m IN ROW EXCLUSIVE MODE NOWAIT", "m", LockMode::RowExclusive, TableWork::None, false},
        {"LOCK m", "m", LockMode::AccessExclusive, TableWork::None, false},
        {"TRUNCATE m", "m", LockMode::AccessExclusive, TableWork::None, false},
        {"DROP TABLE m", "m", LockMode::AccessExclusive, TableWork::None, false},
        {"DROP MATERIALIZED VIEW mv", "mv", LockMode::AccessExclusive, TableWork::None, false},
        {"UPDATE m SET v = 1", "m", LockMode::RowExclusive, TableWork::Scan, false},
        {"DELETE FROM m WHERE v < 0", "m", LockMode::RowExclusive, TableWork::Scan, false},
        {"INSERT INTO m (v) VALUES (1)", "m", LockMode::RowExclusive, TableWork::None, false},
        {"ALTER TABLE m RENAME TO n", "m", LockMode::AccessExclusive, TableWork::None, false},
        {"ALTER TABLE m RENAME COLUMN v TO w", "m", LockMode::AccessExclusive, TableWork::None, false},
        {"ALTER TABLE m RENAME CONSTRAINT c TO d", "m", LockMode::AccessExclusive, TableWork::None, false},
        {"DROP TRIGGER t ON m", "m", LockMode::AccessExclusive, TableWork::None, false},
    };
    for (const auto& c : cases) check(c);

    CHECK(effects_of("VACUUM").outside_transaction);
    CHECK(effects_of("CLUSTER").outside_transaction);
    Effects lock = effects_of("LOCK TABLE a, b IN EXCLUSIVE MODE");
    CHECK(mode_on(lock, "a") == LockMode::Exclusive);
    CHECK(mode_on(lock, "b") == LockMode::Exclusive);
}

TEST_CASE("CREATE TABLE locks only what it references", "[analysis][lock]") {
    Effects e = effects_of(
        "CREATE TABLE visits (id bigint PRIMARY KEY, patient_id bigint REFERENCES patients (id), "
        "doctor_id bigint, FOREIGN KEY (doctor_id) REFERENCES doctors (id))");
    REQUIRE(e.lock_on(rel("visits")) != nullptr);
    CHECK(e.lock_on(rel("visits"))->new_relation);
    CHECK(mode_on(e, "patients") == LockMode::ShareRowExclusive);
    CHECK(mode_on(e, "doctors") == LockMode::ShareRowExclusive);
    CHECK_FALSE(e.lock_on(rel("patients"))->new_relation);

    e = effects_of("CREATE TABLE part2 PARTITION OF parent FOR VALUES FROM (10) TO (20)");
    CHECK(mode_on(e, "parent") == LockMode::AccessExclusive);
}

TEST_CASE("statements known only by kind", "[analysis][lock]") {
    Effects e = effects_of("CREATE TRIGGER t BEFORE INSERT ON m FOR EACH ROW EXECUTE FUNCTION f()");
    CHECK_FALSE(e.unknown);
    CHECK(e.strongest() == LockMode::ShareRowExclusive);
    CHECK_FALSE(e.notes.empty());

    CHECK(effects_of("COMMENT ON TABLE m IS 'x'").strongest() == LockMode::ShareUpdateExclusive);
    CHECK(effects_of("SELECT 1").strongest() == LockMode::AccessShare);

    e = effects_of("SET lock_timeout = '1s'");
    CHECK_FALSE(e.unknown);
    CHECK(e.locks.empty());
    CHECK(effects_of("BEGIN").locks.empty());
    CHECK(effects_of("CREATE SCHEMA app").locks.empty());

    e = effects_of("DO $$ BEGIN PERFORM 1; END $$");
    CHECK(e.unknown);
    CHECK(e.locks.empty());
}

TEST_CASE("lock conflicts follow the docs' table", "[analysis][lock]") {
    using pgsafe::analysis::lock_conflicts;
    CHECK(lock_conflicts(LockMode::AccessExclusive, LockMode::AccessShare));
    CHECK_FALSE(lock_conflicts(LockMode::Exclusive, LockMode::AccessShare));
    CHECK(lock_conflicts(LockMode::ShareRowExclusive, LockMode::RowExclusive));  // FK build blocks writes
    CHECK_FALSE(lock_conflicts(LockMode::ShareRowExclusive, LockMode::AccessShare));  // but not reads
    CHECK(lock_conflicts(LockMode::ShareUpdateExclusive, LockMode::ShareUpdateExclusive));
    CHECK_FALSE(lock_conflicts(LockMode::ShareUpdateExclusive, LockMode::RowExclusive));
    CHECK_FALSE(lock_conflicts(LockMode::Share, LockMode::Share));
    CHECK(lock_conflicts(LockMode::ShareRowExclusive, LockMode::ShareRowExclusive));
    CHECK_FALSE(lock_conflicts(LockMode::RowExclusive, LockMode::RowExclusive));
    CHECK(lock_conflicts(LockMode::RowShare, LockMode::Exclusive));
    CHECK_FALSE(lock_conflicts(LockMode::None, LockMode::AccessExclusive));
    // The table is symmetric.
    for (int a = 0; a <= 8; ++a) {
        for (int b = 0; b <= 8; ++b) {
            CHECK(lock_conflicts(LockMode(a), LockMode(b)) == lock_conflicts(LockMode(b), LockMode(a)));
        }
    }
    CHECK(std::string(pgsafe::analysis::lock_blocks(LockMode::AccessExclusive)) == "reads and writes");
}

TEST_CASE("type changes that relabel and those that rewrite", "[analysis][type]") {
    using pgsafe::analysis::type_change_rewrites;
    auto type = [](const std::string& text) {
        auto parsed = pgsafe::sql::parse_sql("ALTER TABLE t ALTER COLUMN c TYPE " + text);
        REQUIRE(parsed.ok());
        const auto& alter = std::get<pgsafe::sql::AlterTable>(parsed.statements[0].detail);
        return alter.actions.at(0).column_def->type;
    };
    CHECK_FALSE(type_change_rewrites(type("varchar(20)"), type("varchar(40)")));
    CHECK(type_change_rewrites(type("varchar(40)"), type("varchar(20)")));
    CHECK_FALSE(type_change_rewrites(type("varchar(20)"), type("text")));
    CHECK_FALSE(type_change_rewrites(type("text"), type("varchar")));
    CHECK(type_change_rewrites(type("text"), type("varchar(10)")));
    CHECK_FALSE(type_change_rewrites(type("numeric(10,2)"), type("numeric(12,2)")));
    CHECK(type_change_rewrites(type("numeric(10,2)"), type("numeric(12,3)")));
    CHECK_FALSE(type_change_rewrites(type("numeric(10,2)"), type("numeric")));
    CHECK(type_change_rewrites(type("int"), type("bigint")));
    CHECK(type_change_rewrites(type("char(5)"), type("char(10)")));
    CHECK_FALSE(type_change_rewrites(type("cidr"), type("inet")));
    CHECK(type_change_rewrites(std::nullopt, type("bigint")));
    CHECK_FALSE(type_change_rewrites(std::nullopt, type("text")));
    CHECK(type_change_rewrites(std::nullopt, type("varchar(10)")));
}

TEST_CASE("domains: checking existing values locks the tables using the domain SHARE and scans them",
          "[analysis][lock][domain]") {
    for (const char* text :
         {"ALTER DOMAIN positive ADD CONSTRAINT c CHECK (VALUE > 0)",
          "ALTER DOMAIN positive VALIDATE CONSTRAINT c", "ALTER DOMAIN positive SET NOT NULL"}) {
        INFO(text);
        Effects e = effects_of(text);
        CHECK_FALSE(e.unknown);
        REQUIRE(e.locks.size() == 1);
        CHECK(e.locks[0].relation.empty());  // the tables are not in the statement
        CHECK(e.locks[0].mode == LockMode::Share);
        CHECK(e.locks[0].work == TableWork::Scan);
    }
    for (const char* text : {"ALTER DOMAIN positive ADD CONSTRAINT c CHECK (VALUE > 0) NOT VALID",
                             "ALTER DOMAIN positive DROP CONSTRAINT c", "ALTER DOMAIN positive SET DEFAULT 1",
                             "ALTER DOMAIN positive DROP NOT NULL"}) {
        INFO(text);
        Effects e = effects_of(text);
        CHECK_FALSE(e.unknown);
        CHECK(e.locks.empty());
    }
}

TEST_CASE("policies, publications, sequences, privileges and roles have a model", "[analysis][lock]") {
    CHECK(mode_on(effects_of("DROP POLICY p ON readings"), "readings") == LockMode::AccessExclusive);
    CHECK(mode_on(effects_of("ALTER POLICY p ON readings RENAME TO q"), "readings") ==
          LockMode::AccessExclusive);
    CHECK(effects_of("CREATE PUBLICATION p FOR TABLE readings").strongest() ==
          LockMode::ShareUpdateExclusive);
    CHECK(effects_of("ALTER SEQUENCE s OWNED BY readings.id").strongest() == LockMode::AccessShare);
    for (const char* text :
         {"GRANT SELECT ON readings TO app", "REVOKE ALL ON readings FROM app", "GRANT app TO deploy",
          "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO app",
          "ALTER ROLE app SET search_path TO public", "ALTER FUNCTION f() OWNER TO app",
          "CREATE TYPE r AS RANGE (subtype = int8)",
          "CREATE EVENT TRIGGER e ON ddl_command_end EXECUTE FUNCTION f()"}) {
        INFO(text);
        Effects e = effects_of(text);
        CHECK_FALSE(e.unknown);
        CHECK(e.locks.empty());
    }
    // What pgsafe cannot bound stays unknown (and gets unknown-lock-effect).
    CHECK(effects_of("DROP TYPE t CASCADE").unknown);
    CHECK(effects_of("CALL p()").unknown);
    CHECK(effects_of("ALTER TABLE t SET SCHEMA archive").unknown);
}
