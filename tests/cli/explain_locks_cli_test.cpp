// `pgsafe explain-locks` as a user runs it: the lock per relation and what it
// blocks, the JSON shape, and a located syntax error with exit code 3.

#include "process.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using pgsafe::test::run_pgsafe;
using pgsafe::test::TempDir;

namespace {

const char* k_migration =
    "SET lock_timeout = '1s';\n"
    "ALTER TABLE measurements ADD CONSTRAINT measurements_patient_fk\n"
    "    FOREIGN KEY (patient_id) REFERENCES patients (id);\n"
    "CREATE INDEX CONCURRENTLY measurements_taken_idx ON measurements (taken_at);\n";

}  // namespace

TEST_CASE("explain-locks names each relation's lock, what it blocks and the work", "[cli][explain-locks]") {
    TempDir dir;
    std::string path = dir.write("V1__fk.sql", k_migration);
    auto r = run_pgsafe({"explain-locks", path});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.out.find(path + ":2: ALTER TABLE measurements ADD CONSTRAINT measurements_patient_fk …") !=
          std::string::npos);
    CHECK(r.out.find("    measurements: SHARE ROW EXCLUSIVE, blocks writes and schema changes (reads go on); "
                     "work: scan") != std::string::npos);
    CHECK(r.out.find("    patients: SHARE ROW EXCLUSIVE") != std::string::npos);
    CHECK(r.out.find(path + ":4: CREATE INDEX CONCURRENTLY") != std::string::npos);
    CHECK(r.out.find("    outside transaction") != std::string::npos);
    CHECK(r.out.find(path + ":1: SET lock_timeout = '1s'\n    no table lock") != std::string::npos);
}

TEST_CASE("explain-locks --format json", "[cli][explain-locks]") {
    TempDir dir;
    std::string path = dir.write("V1__fk.sql", k_migration);
    auto r = run_pgsafe({"--format", "json", "explain-locks", path});
    REQUIRE(r.exit_code == 0);
    auto json = nlohmann::json::parse(r.out);
    const auto& statements = json.at("files").at(0).at("statements");
    REQUIRE(statements.size() == 3);
    const auto& fk = statements.at(1);
    CHECK(fk.at("line") == 2);
    CHECK(fk.at("strongest") == "SHARE ROW EXCLUSIVE");
    REQUIRE(fk.at("locks").size() == 2);
    CHECK(fk.at("locks").at(1).at("relation") == "patients");
    CHECK(fk.at("locks").at(0).at("work") == "scan");
    CHECK(statements.at(2).at("outside_transaction") == true);
    CHECK(statements.at(2).at("locks").at(0).at("mode") == "SHARE UPDATE EXCLUSIVE");
}

TEST_CASE("explain-locks reports a statement that does not parse and exits 3", "[cli][explain-locks]") {
    TempDir dir;
    std::string path = dir.write("V2__bad.sql", "SELECT 1;\nALTER TABL measurements ADD COLUMN x int;\n");
    auto r = run_pgsafe({"explain-locks", path});
    CHECK(r.exit_code == 3);
    CHECK(r.out.find(path + ":2:7: error[syntax-error]: syntax error at or near \"TABL\"") !=
          std::string::npos);

    CHECK(run_pgsafe({"--format", "sarif", "explain-locks", path}).exit_code == 2);
    CHECK(run_pgsafe({"explain-locks", dir.path() + "/missing.sql"}).exit_code == 2);
}
