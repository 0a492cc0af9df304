// The lint interface as users and CI meet it: pgsafe.toml (found by walking
// up, unknown keys with file:line), precedence CLI > PGSAFE_* > file >
// defaults, rule flags, table facts from --stats, SARIF and GitHub output,
// `pgsafe rules`, and database failures that never print a password.

#include "process.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

using pgsafe::test::ProcessResult;
using pgsafe::test::run_pgsafe;
using pgsafe::test::run_pgsafe_in;
using pgsafe::test::TempDir;
using Json = nlohmann::json;

namespace {

const std::string k_fk_fixture = "tests/rules/adding-foreign-key-constraint/bad_add_constraint.sql";
const std::string k_small_fixture = "tests/rules/adding-foreign-key-constraint/bad_small_table_is_info.sql";
const std::string k_stats = "tests/rules/stats.json";

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// A project whose only finding is an unused-ignore warning.
struct WarningProject {
    TempDir dir;
    WarningProject() {
        dir.write("migrations/V1__warn.sql", "-- pgsafe:ignore lock-table no locks here\nSELECT 1;\n");
    }
};

Json parse_json(const ProcessResult& r) {
    INFO(r.out << r.err);
    REQUIRE_NOTHROW(Json::parse(r.out));
    return Json::parse(r.out);
}

// The first finding of `rule` in a JSON report (null when there is none).
Json finding_of(const Json& report, const std::string& rule) {
    for (const auto& file : report["files"])
        for (const auto& f : file["findings"])
            if (f["rule"] == rule) return f;
    return Json();
}

// The line of `text` that contains `needle` ("" when none does).
std::string line_with(const std::string& text, const std::string& needle) {
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        if (line.find(needle) != std::string::npos) return line;
    return {};
}

std::set<std::string> rules_found(const Json& report) {
    std::set<std::string> out;
    for (const auto& file : report["files"])
        for (const auto& f : file["findings"]) out.insert(f["rule"].get<std::string>());
    return out;
}

}  // namespace

TEST_CASE("SARIF output has the properties the 2.1.0 schema requires, 1-based", "[sarif]") {
    auto r = run_pgsafe({"lint", "--format", "sarif", "--stats", k_stats, k_fk_fixture});
    CHECK(r.exit_code == 1);
    Json j = parse_json(r);
    CHECK(j["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json");
    CHECK(j["version"] == "2.1.0");
    REQUIRE(j["runs"].size() == 1);
    const Json& run = j["runs"][0];
    const Json& driver = run["tool"]["driver"];
    CHECK(driver["name"] == "pgsafe");
    CHECK(driver["version"].is_string());
    CHECK(run["columnKind"] == "unicodeCodePoints");
    CHECK_THAT(run["originalUriBaseIds"]["%SRCROOT%"]["uri"].get<std::string>(),
               Catch::StartsWith("file:///"));
    CHECK_THAT(run["originalUriBaseIds"]["%SRCROOT%"]["uri"].get<std::string>(), Catch::EndsWith("/"));

    REQUIRE(driver["rules"].is_array());
    std::set<std::string> ids;
    for (const auto& rule : driver["rules"]) {
        REQUIRE(rule["id"].is_string());  // reportingDescriptor requires id
        ids.insert(rule["id"].get<std::string>());
        CHECK(rule["shortDescription"]["text"].is_string());  // multiformatMessageString requires text
        CHECK(rule["fullDescription"]["text"].is_string());
        CHECK(rule["help"]["text"].is_string());
        std::string level = rule["defaultConfiguration"]["level"];
        CHECK((level == "error" || level == "warning" || level == "note"));
    }
    CHECK(ids.count("adding-foreign-key-constraint") == 1);
    CHECK(ids.size() == driver["rules"].size());  // unique ids

    Json result;
    for (const auto& r : run["results"]) {
        CHECK(r["ruleId"].is_string());
        CHECK(r["message"]["text"].is_string());  // result requires message
        if (r["ruleId"] == "adding-foreign-key-constraint") result = r;
    }
    REQUIRE(result.is_object());
    CHECK(driver["rules"][result["ruleIndex"].get<size_t>()]["id"] == result["ruleId"]);
    CHECK(result["level"] == "error");
    CHECK_THAT(result["message"]["text"].get<std::string>(), Catch::Contains("41 M rows, 6.2 GB"));
    const Json& location = result["locations"][0]["physicalLocation"];
    CHECK(location["artifactLocation"]["uri"] == k_fk_fixture);
    CHECK(location["artifactLocation"]["uriBaseId"] == "%SRCROOT%");
    const Json& region = location["region"];
    CHECK(region["startLine"] == 3);
    CHECK(region["startColumn"] == 9);
    CHECK(region["endLine"].get<int>() >= region["startLine"].get<int>());
    CHECK(region["endColumn"].get<int>() >= 1);
}

TEST_CASE("SARIF levels: warning stays warning, info becomes note; absolute paths become file URIs",
          "[sarif]") {
    TempDir dir;
    std::string file = dir.write("V1__small.sql", slurp(k_small_fixture));
    auto r = run_pgsafe({"lint", "--format", "sarif", "--stats", k_stats, file});
    CHECK(r.exit_code == 0);
    Json j = parse_json(r);
    Json result;
    for (const auto& each : j["runs"][0]["results"])
        if (each["ruleId"] == "adding-foreign-key-constraint") result = each;
    REQUIRE(result.is_object());
    CHECK(result["level"] == "note");
    CHECK(result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "file://" + file);
    CHECK_FALSE(result["locations"][0]["physicalLocation"]["artifactLocation"].contains("uriBaseId"));
}

TEST_CASE("GitHub output is one workflow command per finding, 1-based and escaped", "[github]") {
    auto r = run_pgsafe({"lint", "--format", "github", "--stats", k_stats, k_fk_fixture});
    CHECK(r.exit_code == 1);
    std::string line = line_with(r.out, ",title=adding-foreign-key-constraint::");
    CHECK_THAT(line,
               Catch::StartsWith("::error file=" + k_fk_fixture + ",line=3,col=9,endLine=4,endColumn="));
    CHECK_THAT(line, Catch::Contains("41 M rows, 6.2 GB"));
    CHECK_THAT(line, Catch::Contains("%0Ahelp: "));  // the help on the annotation's second line
    CHECK_THAT(r.out, Catch::Contains("\npgsafe: 1 error, "));
    CHECK_THAT(r.out, Catch::EndsWith(" in 1 file (1 statement)\n"));

    auto small = run_pgsafe({"lint", "--format", "github", "--stats", k_stats, k_small_fixture});
    CHECK(small.exit_code == 0);
    CHECK_THAT(line_with(small.out, "title=adding-foreign-key-constraint::"),
               Catch::StartsWith("::notice file="));

    WarningProject p;
    auto warn = run_pgsafe_in(p.dir.path(), {"lint", "--format", "github"});
    CHECK(warn.exit_code == 0);
    CHECK_THAT(warn.out, Catch::StartsWith("::warning file=migrations/V1__warn.sql,line=1,col=1,"));
    CHECK_THAT(warn.out, Catch::Contains("title=unused-ignore::"));
}

TEST_CASE("--stats: the same statement is an error on a large table and info on a small one", "[facts]") {
    auto unknown = run_pgsafe({"lint", "--format", "json", k_small_fixture});
    CHECK(unknown.exit_code == 1);  // no facts: unknown size counts as large
    CHECK(finding_of(parse_json(unknown), "adding-foreign-key-constraint")["severity"] == "error");

    auto small = run_pgsafe({"lint", "--format", "json", "--stats", k_stats, k_small_fixture});
    CHECK(small.exit_code == 0);
    Json f = finding_of(parse_json(small), "adding-foreign-key-constraint");
    CHECK(f["severity"] == "info");
    CHECK_THAT(f["message"].get<std::string>(), Catch::Contains("50 rows"));

    auto large = run_pgsafe({"lint", "--stats", k_stats, k_fk_fixture});
    CHECK(large.exit_code == 1);
    CHECK_THAT(large.out, Catch::Contains("error[adding-foreign-key-constraint]"));
    CHECK_THAT(large.out, Catch::Contains("41 M rows, 6.2 GB"));
}

TEST_CASE("a bad --stats file is a usage error naming it", "[facts]") {
    TempDir dir;
    std::string stats = dir.write("stats.json", "{\"version\": 1, \"tables\": [{\"schema\": \"public\"}]}");
    auto r = run_pgsafe({"lint", "--stats", stats, k_fk_fixture});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains(stats + ": tables[0]: missing \"name\""));
    CHECK(run_pgsafe({"lint", "--stats", dir.path() + "/none.json", k_fk_fixture}).exit_code == 2);
    auto both =
        run_pgsafe({"lint", "--stats", k_stats, "--db", "postgresql://x@127.0.0.1:1/x", k_fk_fixture});
    CHECK(both.exit_code == 2);
    CHECK_THAT(both.err, Catch::Contains("not both"));
}

TEST_CASE("--exclude and --include turn rules off and on", "[rules]") {
    auto excluded = run_pgsafe({"lint", "--exclude", "adding-foreign-key-constraint", k_fk_fixture});
    CHECK(excluded.exit_code == 0);
    CHECK_THAT(excluded.out, Catch::Contains("0 errors"));
    CHECK_THAT(excluded.out, !Catch::Contains("[adding-foreign-key-constraint]"));
    auto two = run_pgsafe({"lint", "--format", "json", "--exclude",
                           "adding-foreign-key-constraint,foreign-key-without-index", k_fk_fixture});
    CHECK(parse_json(two)["summary"]["warnings"] == 0);
    auto repeated = run_pgsafe({"lint", "--format", "json", "--exclude", "adding-foreign-key-constraint",
                                "--exclude", "foreign-key-without-index", k_fk_fixture});
    CHECK(parse_json(repeated)["files"][0]["findings"].empty());

    TempDir dir;
    std::string file = dir.write("V1__add.sql", "ALTER TABLE small_lookup ADD COLUMN note text;\n");
    auto plain = run_pgsafe({"lint", "--format", "json", file});
    CHECK(rules_found(parse_json(plain)).count("require-lock-timeout") == 0);  // off for pgsafe's runner
    auto external = run_pgsafe({"lint", "--format", "json", "--runner", "external", file});
    CHECK(rules_found(parse_json(external)).count("require-lock-timeout") == 1);
    auto included = run_pgsafe({"lint", "--format", "json", "--include", "require-lock-timeout", file});
    auto found = rules_found(parse_json(included));
    CHECK(found.count("require-lock-timeout") == 1);
    CHECK(found.count("require-statement-timeout") == 0);
    auto both = run_pgsafe(
        {"lint", "--format", "json", "--include", "require-lock-timeout,require-statement-timeout", file});
    CHECK(rules_found(parse_json(both)).count("require-statement-timeout") == 1);
}

TEST_CASE("unknown rule names on the command line are usage errors with a suggestion", "[rules]") {
    auto r = run_pgsafe({"lint", "--exclude", "adding-foreign-key", k_fk_fixture});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("--exclude: unknown rule \"adding-foreign-key\" (did you mean "
                                      "\"adding-foreign-key-constraint\"?)"));
    auto both = run_pgsafe({"lint", "--exclude", "lock-table", "--include", "lock-table", k_fk_fixture});
    CHECK(both.exit_code == 2);
    CHECK(run_pgsafe({"lint", "--runner", "flyway", k_fk_fixture}).exit_code == 2);
    CHECK(run_pgsafe({"lint", "--pg-version", "9", k_fk_fixture}).exit_code == 2);
}

TEST_CASE("--fail-on decides which severities fail the run", "[fail-on]") {
    WarningProject p;
    CHECK(run_pgsafe_in(p.dir.path(), {"lint"}).exit_code == 0);  // default: error
    CHECK(run_pgsafe_in(p.dir.path(), {"lint", "--fail-on", "warning"}).exit_code == 1);
    CHECK(run_pgsafe_in(p.dir.path(), {"lint", "--fail-on", "info"}).exit_code == 1);
    CHECK(run_pgsafe({"lint", "--fail-on", "never", k_fk_fixture}).exit_code == 0);
    CHECK(run_pgsafe({"lint", "--fail-on", "error", k_fk_fixture}).exit_code == 1);
    CHECK(run_pgsafe({"lint", "--fail-on", "loud", k_fk_fixture}).exit_code == 2);
}

TEST_CASE("precedence: command line > PGSAFE_* variables > pgsafe.toml > defaults", "[precedence]") {
    WarningProject p;
    const std::string& d = p.dir.path();
    // fail_on at every layer; the finding is a warning.
    CHECK(run_pgsafe_in(d, {"lint"}).exit_code == 0);  // default: error
    p.dir.write("pgsafe.toml", "fail_on = \"warning\"\n");
    CHECK(run_pgsafe_in(d, {"lint"}).exit_code == 1);                            // file beats default
    CHECK(run_pgsafe_in(d, {"lint"}, {"PGSAFE_FAIL_ON=never"}).exit_code == 0);  // env beats file
    CHECK(run_pgsafe_in(d, {"lint", "--fail-on", "warning"}, {"PGSAFE_FAIL_ON=never"}).exit_code ==
          1);  // CLI beats env
    auto bad_env = run_pgsafe_in(d, {"lint"}, {"PGSAFE_FAIL_ON=sometimes"});
    CHECK(bad_env.exit_code == 2);
    CHECK_THAT(bad_env.err,
               Catch::Contains("PGSAFE_FAIL_ON must be \"error\", \"warning\", \"info\" or \"never\""));

    // format: env beats the default, the flag beats env.
    CHECK(parse_json(run_pgsafe_in(d, {"lint"}, {"PGSAFE_FORMAT=json"}))["summary"]["warnings"] == 1);
    CHECK_THAT(run_pgsafe_in(d, {"lint", "--format", "github"}, {"PGSAFE_FORMAT=json"}).out,
               Catch::StartsWith("::warning "));
    CHECK(run_pgsafe_in(d, {"lint"}, {"PGSAFE_FORMAT=xml"}).exit_code == 2);

    // which file: --config beats PGSAFE_CONFIG beats the one found by walking up.
    p.dir.write("never.toml", "fail_on = \"never\"\n");
    p.dir.write("info.toml", "fail_on = \"info\"\n[rules.severity]\nunused-ignore = \"info\"\n");
    CHECK(run_pgsafe_in(d, {"lint"}, {"PGSAFE_CONFIG=never.toml"}).exit_code == 0);
    CHECK(run_pgsafe_in(d, {"lint", "--config", "info.toml"}, {"PGSAFE_CONFIG=never.toml"}).exit_code == 1);

    // thresholds: the file's beat the defaults (50 rows is large when the threshold is 10).
    TempDir t;
    t.write("stats.json", slurp(k_stats));
    t.write("V1__fk.sql", slurp(k_small_fixture));
    CHECK(run_pgsafe_in(t.path(), {"lint", "--stats", "stats.json", "V1__fk.sql"}).exit_code == 0);
    t.write("pgsafe.toml", "[thresholds]\nlarge_table_rows = 10\n");
    CHECK(run_pgsafe_in(t.path(), {"lint", "--stats", "stats.json", "V1__fk.sql"}).exit_code == 1);

    // rules: the command line wins over the file in both directions.
    t.write("pgsafe.toml", "[rules]\nexclude = [\"adding-foreign-key-constraint\"]\n");
    CHECK(run_pgsafe_in(t.path(), {"lint", "V1__fk.sql"}).exit_code == 0);
    CHECK(run_pgsafe_in(t.path(), {"lint", "--include", "adding-foreign-key-constraint", "V1__fk.sql"})
              .exit_code == 1);
}

TEST_CASE("pgsafe.toml is found by walking up from the working directory", "[config]") {
    TempDir dir;
    dir.write("pgsafe.toml",
              "migrations = \"db/migrations\"\n[rules]\nexclude = [\"adding-foreign-key-constraint\"]\n");
    dir.write("db/migrations/V1__fk.sql", slurp(k_fk_fixture));
    dir.write("app/src/keep", "");
    auto r = run_pgsafe_in(dir.path() + "/app/src", {"lint", "--format", "json"});
    CHECK(r.exit_code == 0);  // the rule is excluded by the file two levels up
    Json j = parse_json(r);
    REQUIRE(j["files"].size() == 1);  // and its migrations directory is linted
    CHECK_THAT(j["files"][0]["path"].get<std::string>(), Catch::EndsWith("db/migrations/V1__fk.sql"));
}

TEST_CASE("config errors exit 2 with file:line:col", "[config]") {
    TempDir dir;
    dir.write("pgsafe.toml",
              "migrations = \"migrations\"\n\n[thresholds]\nlarge_table_rows = 10\nwindw = 3\n");
    dir.write("migrations/V1__a.sql", "SELECT 1;\n");
    auto r = run_pgsafe_in(dir.path(), {"lint"});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("pgsafe.toml:5:1: unknown key \"windw\" in [thresholds]"));
    CHECK(r.out.empty());

    dir.write("pgsafe.toml", "[rules]\nseverity = { lock-tabel = \"info\" }\n");
    auto rule = run_pgsafe_in(dir.path(), {"lint"});
    CHECK(rule.exit_code == 2);
    CHECK_THAT(rule.err, Catch::Contains(
                             "pgsafe.toml:2:14: unknown rule \"lock-tabel\" (did you mean \"lock-table\"?)"));

    auto missing = run_pgsafe_in(dir.path(), {"lint", "--config", "nope.toml"});
    CHECK(missing.exit_code == 2);
    CHECK_THAT(missing.err, Catch::Contains("nope.toml"));
}

TEST_CASE("config: severities, exclude_paths and the default migrations directory", "[config]") {
    TempDir dir;
    dir.write("pgsafe.toml",
              "exclude_paths = [\"legacy/\"]\n[rules.severity]\nadding-foreign-key-constraint = "
              "\"warning\"\n");
    dir.write("migrations/V1__fk.sql", slurp(k_fk_fixture));
    dir.write("migrations/legacy/V0__old.sql", "ALTER TABL broken;\n");
    auto r = run_pgsafe_in(dir.path(), {"lint", "--format", "json"});
    CHECK(r.exit_code == 0);  // a warning does not fail; the broken legacy file is not linted
    Json j = parse_json(r);
    REQUIRE(j["files"].size() == 1);
    CHECK(finding_of(j, "adding-foreign-key-constraint")["severity"] == "warning");

    TempDir empty;
    auto none = run_pgsafe_in(empty.path(), {"lint"});
    CHECK(none.exit_code == 2);
    CHECK_THAT(none.err, Catch::Contains("no paths given"));
}

TEST_CASE("pgsafe rules lists the catalog", "[rules-command]") {
    auto r = run_pgsafe({"rules"});
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::StartsWith("NAME "));
    CHECK_THAT(r.out, Catch::Contains("adding-foreign-key-constraint"));
    CHECK_THAT(r.out, Catch::Contains("availability"));

    Json j = parse_json(run_pgsafe({"rules", "--format", "json"}));
    REQUIRE(j["rules"].size() > 10);
    std::set<std::string> names;
    for (const auto& rule : j["rules"]) {
        for (const char* key :
             {"name", "group", "severity", "on_by_default", "summary", "lock", "safe_alternative", "docs"})
            CHECK(rule.contains(key));
        names.insert(rule["name"].get<std::string>());
        if (rule["group"] == "external-runner") CHECK(rule["on_by_default"] == false);
    }
    CHECK(names.count("require-lock-timeout") == 1);
    CHECK(names.count("unused-ignore") == 1);
}

TEST_CASE("pgsafe rules NAME prints the embedded page from any directory", "[rules-command]") {
    TempDir elsewhere;
    auto r = run_pgsafe_in(elsewhere.path(), {"rules", "adding-foreign-key-constraint"});
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::StartsWith("adding-foreign-key-constraint\n"));
    CHECK_THAT(r.out, Catch::Contains("default severity: error"));
    CHECK_THAT(r.out, Catch::Contains("# adding-foreign-key-constraint"));
    CHECK_THAT(r.out, Catch::Contains(slurp(std::string(PGSAFE_SOURCE_DIR) +
                                            "/docs/rules/adding-foreign-key-constraint.md")));

    Json j = parse_json(
        run_pgsafe_in(elsewhere.path(), {"rules", "--format", "json", "adding-foreign-key-constraint"}));
    CHECK(j["name"] == "adding-foreign-key-constraint");
    CHECK_THAT(j["docs"].get<std::string>(), Catch::StartsWith("# adding-foreign-key-constraint"));

    auto unknown = run_pgsafe({"rules", "adding-foreign-key"});
    CHECK(unknown.exit_code == 2);
    CHECK_THAT(unknown.err, Catch::Contains("unknown rule \"adding-foreign-key\" (did you mean "
                                            "\"adding-foreign-key-constraint\"?)"));
    auto far = run_pgsafe({"rules", "xyzzy"});
    CHECK(far.exit_code == 2);
    CHECK_THAT(far.err, !Catch::Contains("did you mean"));
}

TEST_CASE("an unreachable database exits 4 and never prints the password", "[db-errors]") {
    const std::string url = "postgresql://alice:hunter2@127.0.0.1:1/app";
    auto lint = run_pgsafe({"lint", "--db", url, k_fk_fixture});
    CHECK(lint.exit_code == 4);
    CHECK_THAT(lint.err,
               Catch::Contains("cannot connect to user=alice dbname=app host=127.0.0.1 port=1 password=***"));
    CHECK_THAT(lint.err, !Catch::Contains("hunter2"));

    auto stats = run_pgsafe({"stats", "export"}, {"DATABASE_URL=" + url});
    CHECK(stats.exit_code == 4);
    CHECK_THAT(stats.err, Catch::Contains("user=alice dbname=app host=127.0.0.1 port=1 password=***"));
    CHECK_THAT(stats.err, !Catch::Contains("hunter2"));

    auto keywords = run_pgsafe({"stats", "export", "--db", "host=127.0.0.1 port=1 password=hunter2"});
    CHECK(keywords.exit_code == 4);
    CHECK_THAT(keywords.err, !Catch::Contains("hunter2"));
}
