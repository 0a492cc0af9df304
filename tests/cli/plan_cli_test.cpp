// `pgsafe plan` as a reviewer runs it on the example migrations: the JSON
// shape, the foreign key on the large table split into NOT VALID and
// VALIDATE, text with transaction boundaries and timeouts, --emit-sql files
// that parse, and the exit codes for broken SQL and missing paths.

#include "process.hpp"

#include "pgsafe/source/migration.hpp"
#include "pgsafe/sql/parse.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>

using pgsafe::test::run_pgsafe;
using pgsafe::test::TempDir;

namespace {

const nlohmann::json* migration(const nlohmann::json& plan, const std::string& name) {
    for (const auto& m : plan["migrations"]) {
        if (m["name"] == name) return &m;
    }
    return nullptr;
}

}  // namespace

TEST_CASE("plan --format json splits the measurements foreign key into NOT VALID and VALIDATE",
          "[cli][plan]") {
    auto r = run_pgsafe(
        {"plan", "migrations", "--stats", "docs/examples/production-stats.json", "--format", "json"});
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    auto plan = nlohmann::json::parse(r.out);
    CHECK(plan["version"] == 1);
    const auto* fk = migration(plan, "add_measurements_patient_fk");
    REQUIRE(fk != nullptr);
    CHECK(fk->at("version") == "1");
    CHECK(fk->at("checksum").get<std::string>().rfind("sha256:", 0) == 0);
    CHECK(fk->at("risk") == "medium");
    CHECK(fk->at("findings")[0]["rule"] == "adding-foreign-key-constraint");
    const auto& steps = fk->at("steps");
    REQUIRE(steps.size() == 2);
    CHECK(steps[0]["sql"] ==
          "ALTER TABLE measurements ADD CONSTRAINT measurements_patient_id_fkey FOREIGN KEY (patient_id) "
          "REFERENCES patients (id) NOT VALID");
    CHECK(steps[0]["transactional"] == true);
    CHECK(steps[0]["lock"]["mode"] == "SHARE ROW EXCLUSIVE");
    CHECK(steps[0]["lock"]["relations"] == nlohmann::json::array({"public.measurements", "public.patients"}));
    CHECK(steps[0]["lock_timeout_ms"] == 100);
    CHECK(steps[0]["statement_timeout_ms"] == 5000);
    CHECK(steps[0]["rule"] == "adding-foreign-key-constraint");
    CHECK(steps[1]["sql"] == "ALTER TABLE measurements VALIDATE CONSTRAINT measurements_patient_id_fkey");
    CHECK(steps[1]["lock"]["mode"] == "SHARE UPDATE EXCLUSIVE");
    CHECK(steps[1]["statement_timeout_ms"].is_null());
    // 6.2 GB read at the planner's scan rate: tens of seconds, and known because the size is.
    CHECK(steps[1]["estimated_seconds"].get<double>() > 10);

    const auto* index = migration(plan, "index_measurements_taken_at");
    REQUIRE(index != nullptr);
    CHECK(index->at("steps")[0]["transactional"] == false);
    CHECK(index->at("steps")[0]["sql"].get<std::string>().rfind("CREATE INDEX CONCURRENTLY", 0) == 0);
    // A table created in the same run is empty: its statements run as written.
    const auto* devices = migration(plan, "create_devices");
    REQUIRE(devices != nullptr);
    CHECK(devices->at("risk") == "low");
    CHECK(devices->at("steps")[1]["sql"] == "CREATE INDEX devices_patient_id_idx ON devices (patient_id)");
}

TEST_CASE("plan text shows steps with transaction boundary, lock, timeouts and why", "[cli][plan]") {
    auto r = run_pgsafe({"plan", "migrations/V1__add_measurements_patient_fk.sql"});
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.find("risk: medium") != std::string::npos);
    CHECK(r.out.find("step 1 (line 4, own transaction) [adding-foreign-key-constraint]") !=
          std::string::npos);
    CHECK(r.out.find("lock: SHARE UPDATE EXCLUSIVE on public.measurements; lock_timeout 60000 ms, "
                     "statement_timeout none; estimate: unknown (table size unknown)") != std::string::npos);
    CHECK(r.out.find("VALIDATE CONSTRAINT measurements_patient_id_fkey;") != std::string::npos);
    CHECK(r.out.find("1 migration, 2 steps, highest risk: medium") != std::string::npos);
}

TEST_CASE("plan --emit-sql writes each migration's steps as SQL that parses", "[cli][plan]") {
    TempDir out;
    auto r = run_pgsafe({"plan", "migrations", "--emit-sql", out.path()});
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    auto file = std::filesystem::path(out.path()) / "V2__index_measurements_taken_at.sql";
    REQUIRE(std::filesystem::exists(file));
    std::string sql = pgsafe::source::read_file(file);
    CHECK(sql.find("SET lock_timeout = '60000ms';\nSET statement_timeout = 0;\nCREATE INDEX CONCURRENTLY") !=
          std::string::npos);
    CHECK(sql.find("BEGIN") == std::string::npos);  // CONCURRENTLY cannot run in a transaction
    std::string fk =
        pgsafe::source::read_file(std::filesystem::path(out.path()) / "V1__add_measurements_patient_fk.sql");
    CHECK(fk.find("BEGIN;\nSET LOCAL lock_timeout = '100ms';\nSET LOCAL statement_timeout = '5000ms';\n"
                  "ALTER TABLE measurements ADD CONSTRAINT") != std::string::npos);
    for (const auto& entry : std::filesystem::directory_iterator(out.path())) {
        INFO(entry.path());
        CHECK(pgsafe::sql::parse_sql(pgsafe::source::read_file(entry.path())).ok());
    }
}

TEST_CASE("plan exits 3 on SQL that does not parse, 2 on a missing path", "[cli][plan]") {
    TempDir dir;
    std::string path = dir.write("V1__broken.sql", "ALTER TABLE measurements ADD COLUMN;\n");
    auto broken = run_pgsafe({"plan", path});
    CHECK(broken.exit_code == 3);
    CHECK(broken.out.find("V1__broken.sql:1:") != std::string::npos);
    CHECK(broken.out.find("no steps: fix the syntax errors first") != std::string::npos);
    auto missing = run_pgsafe({"plan", "no/such/dir"});
    CHECK(missing.exit_code == 2);
    CHECK(missing.err.find("no/such/dir: no such file or directory") != std::string::npos);
}
