// `pgsafe lint` as a user runs it: exit codes, located errors, JSON shape,
// --help/--version, and bad input that must not crash or hang.

#include "process.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using pgsafe::test::run_pgsafe;
using pgsafe::test::TempDir;

TEST_CASE("--version and --help work for the program and every subcommand") {
    auto v = run_pgsafe({"--version"});
    CHECK(v.exit_code == 0);
    CHECK(v.out.rfind("pgsafe ", 0) == 0);
    auto h = run_pgsafe({"--help"});
    CHECK(h.exit_code == 0);
    CHECK(h.out.find("lint") != std::string::npos);
    auto lh = run_pgsafe({"lint", "--help"});
    CHECK(lh.exit_code == 0);
    CHECK(lh.out.find("--fail-on") != std::string::npos);
}

TEST_CASE("no subcommand or an unknown flag is a usage error") {
    CHECK(run_pgsafe({}).exit_code == 2);
    CHECK(run_pgsafe({"lint", "--no-such-flag", "x.sql"}).exit_code == 2);
}

TEST_CASE("a missing path exits 2 naming it") {
    auto r = run_pgsafe({"lint", "no/such/dir"});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("no/such/dir") != std::string::npos);
}

TEST_CASE("valid migrations lint clean and exit 0") {
    TempDir dir;
    dir.write("V1__create.sql", "CREATE TABLE patients (id bigint PRIMARY KEY);\n");
    dir.write("V2__comment_only.sql", "-- nothing to do yet\n");
    dir.write("V3__empty.sql", "");
    auto r = run_pgsafe({"lint", dir.path()});
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("0 errors") != std::string::npos);
    CHECK(r.out.find("in 3 files (1 statement)") != std::string::npos);
}

TEST_CASE("a broken statement prints path:line:col and exits 3") {
    TempDir dir;
    std::string file = dir.write("V1__bad.sql", "CREATE TABLE a (id int);\nALTER TABL a ADD COLUMN b int;\n");
    auto r = run_pgsafe({"lint", file});
    CHECK(r.exit_code == 3);
    CHECK(r.out.find(file + ":2:7: error[syntax-error]: syntax error at or near \"TABL\"") !=
          std::string::npos);
}

TEST_CASE("JSON output has the documented shape with 1-based positions") {
    TempDir dir;
    std::string file = dir.write("V1__bad.sql", "SELECT 1;\nSELECT FROM WHERE;\n");
    auto r = run_pgsafe({"lint", "--format", "json", file});
    CHECK(r.exit_code == 3);
    auto j = nlohmann::json::parse(r.out);
    CHECK(j["version"] == 1);
    REQUIRE(j["files"].size() == 1);
    const auto& f = j["files"][0];
    CHECK(f["path"] == file);
    CHECK(f["statements"] == 1);
    REQUIRE(f["findings"].size() == 1);
    const auto& finding = f["findings"][0];
    CHECK(finding["rule"] == "syntax-error");
    CHECK(finding["severity"] == "error");
    CHECK(finding["line"] == 2);
    CHECK(finding["column"] == 13);
    CHECK(finding["end_line"] == 2);
    CHECK(finding["table"].is_null());
    CHECK(finding["lock"].is_null());
    for (const char* key :
         {"rule", "severity", "line", "column", "end_line", "end_column", "message", "help", "table", "lock"})
        CHECK(finding.contains(key));
    CHECK(j["summary"] ==
          nlohmann::json{{"files", 1}, {"statements", 1}, {"errors", 1}, {"warnings", 0}, {"infos", 0}});
}

TEST_CASE("garbage input gets a located error, not a crash") {
    TempDir dir;
    std::string garbage;
    for (int i = 0; i < 4096; ++i) garbage += static_cast<char>((i * 7919) % 256);
    std::string binary = dir.write("V1__garbage.sql", garbage);
    auto r = run_pgsafe({"lint", binary});
    CHECK(r.exit_code == 3);
    CHECK(r.out.find("error[syntax-error]") != std::string::npos);

    std::string dollar = dir.write("V2__dollar.sql", "CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1;\n");
    auto d = run_pgsafe({"lint", dollar});
    CHECK(d.exit_code == 3);
    CHECK(d.out.find("unterminated dollar-quoted string") != std::string::npos);
}

TEST_CASE("a 50 MB file lints to a result") {
    TempDir dir;
    std::string big;
    big.reserve(52 * 1024 * 1024);
    const std::string stmt =
        "INSERT INTO measurements (patient_id, value, note) VALUES (1, 2.5, 'a fairly long note');\n";
    while (big.size() < 50u * 1024 * 1024) big += stmt;
    std::string file = dir.write("V1__big.sql", big);
    auto r = run_pgsafe({"lint", "--format", "json", file});
    CHECK(r.exit_code == 0);
    auto j = nlohmann::json::parse(r.out);
    CHECK(j["summary"]["statements"] == big.size() / stmt.size());
}
