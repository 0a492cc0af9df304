// `pgsafe lint --format gitlab` as a GitLab merge request reads it: the Code
// Quality report (golden), fingerprints that survive lines moving and tell
// identical findings apart, and the exit code unchanged by the format.

#include "process.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

using pgsafe::test::run_pgsafe;
using pgsafe::test::TempDir;
using Json = nlohmann::json;

namespace {

const std::string k_fixture = "tests/cli/gitlab/migrations";
const std::string k_expected = "tests/cli/gitlab/expected.json";
const std::string k_stats = "tests/rules/stats.json";

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// The issues of one rule in the report of `path`.
Json lint_gitlab(const std::string& path, const std::string& rule, int expected_exit) {
    auto r = run_pgsafe({"lint", "--format", "gitlab", "--stats", k_stats, path});
    CHECK(r.exit_code == expected_exit);
    Json issues = Json::array();
    for (const auto& issue : Json::parse(r.out))
        if (issue["check_name"] == rule) issues.push_back(issue);
    return issues;
}

const std::string k_fk_rule = "adding-foreign-key-constraint";

}  // namespace

TEST_CASE("GitLab Code Quality report matches the golden file", "[gitlab]") {
    auto r = run_pgsafe({"lint", "--format", "gitlab", "--stats", k_stats, k_fixture});
    CHECK(r.exit_code == 3);  // V2 does not parse: the format changes the output, not the exit code
    if (const char* update = std::getenv("UPDATE_SNAPSHOTS"); update != nullptr && *update != '\0') {
        std::ofstream(k_expected, std::ios::binary) << r.out;
    }
    CHECK(r.out == slurp(k_expected));

    // Every issue has the fields GitLab requires, with its severities.
    auto issues = Json::parse(r.out);
    REQUIRE(issues.is_array());
    std::set<std::string> severities;
    for (const auto& issue : issues) {
        for (const char* key : {"description", "check_name", "fingerprint", "severity", "location"})
            CHECK(issue.contains(key));
        CHECK(issue["location"]["lines"]["begin"].get<int>() >= 1);
        CHECK(issue["location"]["path"].get<std::string>().rfind("tests/cli/gitlab/migrations/V", 0) == 0);
        severities.insert(issue["severity"].get<std::string>());
    }
    CHECK(severities == std::set<std::string>{"major", "minor", "info", "blocker"});
}

TEST_CASE("GitLab fingerprints stay when lines move and differ for each finding", "[gitlab]") {
    const std::string fk =
        "ALTER TABLE measurements ADD CONSTRAINT fk FOREIGN KEY (patient_id) REFERENCES patients (id);\n";
    TempDir dir;  // one path: the path is part of the fingerprint
    dir.write("V1__fk.sql", fk);
    auto a = lint_gitlab(dir.path(), k_fk_rule, 1);
    dir.write("V1__fk.sql", "-- a comment\n\nSELECT 1;\n" + fk);
    auto b = lint_gitlab(dir.path(), k_fk_rule, 1);
    REQUIRE(a.size() == 1);
    REQUIRE(b.size() == 1);
    CHECK(a[0]["location"]["lines"]["begin"] == 1);
    CHECK(b[0]["location"]["lines"]["begin"] == 4);
    CHECK(a[0]["fingerprint"] == b[0]["fingerprint"]);  // same finding, same issue in the MR
    CHECK(a[0]["fingerprint"].get<std::string>().size() == 16);

    // Whitespace does not matter either; the same statement twice gives two issues.
    dir.write("V1__fk.sql",
              "ALTER TABLE measurements\n    ADD CONSTRAINT fk FOREIGN KEY (patient_id)\n"
              "    REFERENCES patients (id);\n" +
                  fk);
    auto t = lint_gitlab(dir.path(), k_fk_rule, 1);
    REQUIRE(t.size() == 2);
    CHECK(t[0]["fingerprint"] == a[0]["fingerprint"]);
    CHECK(t[1]["fingerprint"] != t[0]["fingerprint"]);
}

TEST_CASE("GitLab report of clean migrations is an empty array", "[gitlab]") {
    TempDir dir;
    dir.write("V1__ok.sql", "CREATE TABLE t (id bigint PRIMARY KEY);\n");
    auto r = run_pgsafe({"lint", "--format", "gitlab", dir.path()});
    CHECK(r.exit_code == 0);
    CHECK(r.out == "[]\n");
}
