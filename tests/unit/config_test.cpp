// pgsafe.toml parsing: every key read into the Config, and every mistake a
// user can make (unknown key at any level, wrong type, out of range, unknown
// rule) reported with file:line:col. Also the small pure helpers around
// configuration: path globs, finding the file, redacting passwords, SQLSTATEs.

#include "pgsafe/config/keys.hpp"
#include "pgsafe/config/resolve.hpp"
#include "pgsafe/db/connection.hpp"
#include "pgsafe/db/error.hpp"
#include "pgsafe/error.hpp"
#include "pgsafe/report/github.hpp"
#include "pgsafe/report/sarif.hpp"
#include "pgsafe/source/config_file.hpp"
#include "pgsafe/source/glob.hpp"

#include "process.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

using pgsafe::Error;
using pgsafe::ErrorKind;
using pgsafe::config::parse_config;
using Config = pgsafe::config::Settings;
using pgsafe::rules::Runner;
using pgsafe::rules::Severity;

namespace {

// The message of the Usage error parsing `text` throws; fails the test when none is thrown.
std::string config_error(const std::string& text) {
    try {
        parse_config(text, "pgsafe.toml");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::Usage);
        return e.what();
    }
    FAIL("no error for:\n" << text);
    return {};
}

}  // namespace

TEST_CASE("an empty pgsafe.toml gives the documented defaults", "[config]") {
    Config c = parse_config("", "pgsafe.toml");
    CHECK(c.origin == "pgsafe.toml");
    CHECK(c.project.migrations == "migrations");
    CHECK(c.project.environment == "dev");
    CHECK(c.lint.fail_on == Severity::Error);
    CHECK(c.thresholds.large_table_rows == 100000);
    CHECK(c.thresholds.large_table_bytes == 128LL * 1024 * 1024);
    CHECK(c.rules.exclude.empty());
    CHECK(c.rules.include.empty());
    CHECK(c.rules.severity.empty());
    CHECK(c.project.exclude_paths.empty());
    CHECK(c.lint.postgres_version == 15);
    CHECK(c.lint.runner == Runner::Pgsafe);
    CHECK(c.timeouts.lock_timeout_ms == 100);
    CHECK(c.timeouts.statement_timeout_ms == 5000);
    CHECK(c.timeouts.long_statement_timeout_ms == 0);
    CHECK(c.timeouts.online_lock_timeout_ms == 60000);
    CHECK(c.retry.deadline.count() == 600);
    CHECK(c.retry.initial.count() == 100);
    CHECK(c.retry.max.count() == 10000);
    CHECK(c.run.batch_pause.count() == 0);
    CHECK(c.run.batch_target.count() == 40);
    CHECK(c.run.show_blocker_queries);
}

TEST_CASE("every key of pgsafe.toml is read", "[config]") {
    Config c = parse_config(R"(
migrations = "db/migrate"
environment = "staging"
fail_on = "warning"
exclude_paths = ["legacy/**", "*.down.sql"]
postgres_version = 14
runner = "external"

[thresholds]
large_table_rows = 5_000
large_table_bytes = "64 MB"

[rules]
exclude = ["ban-drop-column"]
include = ["lock-table"]
severity = { adding-foreign-key-constraint = "warning", unused-ignore = "error" }

[timeouts]
lock_timeout_ms = 250
statement_timeout_ms = 2000
long_statement_timeout_ms = 3600000

[retry]
deadline_s = 120
initial_ms = 50
max_ms = 5000

[run]
batch_pause_ms = 20
show_blocker_queries = false
)",
                            "pgsafe.toml");
    CHECK(c.project.migrations == "db/migrate");
    CHECK(c.project.environment == "staging");
    CHECK(c.lint.fail_on == Severity::Warning);
    CHECK(c.project.exclude_paths == std::vector<std::string>{"legacy/**", "*.down.sql"});
    CHECK(c.lint.postgres_version == 14);
    CHECK(c.lint.runner == Runner::External);
    CHECK(c.thresholds.large_table_rows == 5000);
    CHECK(c.thresholds.large_table_bytes == 64LL * 1024 * 1024);
    CHECK(c.rules.exclude == std::set<std::string>{"ban-drop-column"});
    CHECK(c.rules.include == std::set<std::string>{"lock-table"});
    CHECK(c.rules.severity.at("adding-foreign-key-constraint") == Severity::Warning);
    CHECK(c.rules.severity.at("unused-ignore") == Severity::Error);
    CHECK(c.timeouts.lock_timeout_ms == 250);
    CHECK(c.timeouts.statement_timeout_ms == 2000);
    CHECK(c.timeouts.long_statement_timeout_ms == 3600000);
    CHECK(c.retry.deadline.count() == 120);
    CHECK(c.retry.initial.count() == 50);
    CHECK(c.retry.max.count() == 5000);
    CHECK(c.run.batch_pause.count() == 20);
    CHECK_FALSE(c.run.show_blocker_queries);

    auto options = pgsafe::config::lint_options(c);
    CHECK(options.thresholds.large_table_rows == 5000);
    CHECK(options.excluded.count("ban-drop-column") == 1);
    CHECK(options.included.count("lock-table") == 1);
    CHECK(options.runner == Runner::External);
    CHECK(options.pg_version == 14);
    CHECK(options.severities.at("adding-foreign-key-constraint") == Severity::Warning);
}

TEST_CASE("severities may also be a [rules.severity] table, and fail_on may be never", "[config]") {
    Config c = parse_config("fail_on = \"never\"\n[rules.severity]\nlock-table = \"info\"\n", "pgsafe.toml");
    CHECK_FALSE(c.lint.fail_on.has_value());
    CHECK(c.rules.severity.at("lock-table") == Severity::Info);
}

TEST_CASE("large_table_bytes takes bytes or a size with PostgreSQL's units", "[config]") {
    auto bytes = [](const std::string& value) {
        return parse_config("[thresholds]\nlarge_table_bytes = " + value + "\n", "pgsafe.toml")
            .thresholds.large_table_bytes;
    };
    CHECK(bytes("1048576") == 1048576);
    CHECK(bytes("\"512kB\"") == 512 * 1024);
    CHECK(bytes("\"1.5 GB\"") == 1536LL * 1024 * 1024);
    CHECK(bytes("\"2 GiB\"") == 2LL * 1024 * 1024 * 1024);
    CHECK(config_error("[thresholds]\nlarge_table_bytes = \"lots\"\n") ==
          "pgsafe.toml:2:21: \"large_table_bytes\" in [thresholds] must be a size such as \"128 MB\" (units: "
          "bytes, kB, MB, GB, TB), not \"lots\"");
}

TEST_CASE("unknown keys are errors with file:line:col at every level", "[config]") {
    CHECK(config_error("migrations = \"m\"\nmigratons_dir = \"x\"\n") ==
          "pgsafe.toml:2:1: unknown key \"migratons_dir\"");
    CHECK(config_error("[thresholds]\nlarge_table_rows = 10\n\nwindw = 3\n") ==
          "pgsafe.toml:4:1: unknown key \"windw\" in [thresholds]");
    CHECK(config_error("[thresholds]\nlarge_table_row = 10\n") ==
          "pgsafe.toml:2:1: unknown key \"large_table_row\" in [thresholds] (did you mean "
          "\"large_table_rows\"?)");
    CHECK(config_error("[rules]\nexclued = []\n") ==
          "pgsafe.toml:2:1: unknown key \"exclued\" in [rules] (did you mean \"exclude\"?)");
    CHECK(config_error("[timeouts]\n  lock_timeout = 5\n") ==
          "pgsafe.toml:2:3: unknown key \"lock_timeout\" in [timeouts] (did you mean \"lock_timeout_ms\"?)");
    CHECK(config_error("[retry]\njitter = true\n") == "pgsafe.toml:2:1: unknown key \"jitter\" in [retry]");
    CHECK(config_error("[window]\nstart = 1\n") == "pgsafe.toml:1:2: unknown key \"window\"");
}

TEST_CASE("a top-level key written under a table says where it belongs", "[config]") {
    CHECK(config_error("[rules]\nexclude = []\nexclude_paths = [\"x\"]\n") ==
          "pgsafe.toml:3:1: unknown key \"exclude_paths\" in [rules] (\"exclude_paths\" is a top-level key: "
          "move "
          "it above the first [table])");
}

TEST_CASE("values of the wrong type are errors naming the key and both types", "[config]") {
    CHECK(config_error("[thresholds]\nlarge_table_rows = \"100k\"\n") ==
          "pgsafe.toml:2:20: \"large_table_rows\" in [thresholds] must be an integer, not a string");
    CHECK(config_error("migrations = 3\n") ==
          "pgsafe.toml:1:14: \"migrations\" must be a string, not an integer");
    CHECK(config_error("postgres_version = 15.2\n") ==
          "pgsafe.toml:1:20: \"postgres_version\" must be an integer, not a float");
    CHECK(config_error("thresholds = 5\n") ==
          "pgsafe.toml:1:14: \"thresholds\" must be a table, not an integer");
    CHECK(config_error("exclude_paths = \"legacy\"\n") ==
          "pgsafe.toml:1:17: \"exclude_paths\" must be an array of strings, not a string");
    CHECK(config_error("[rules]\nexclude = [\"lock-table\", 3]\n") ==
          "pgsafe.toml:2:26: \"exclude\" in [rules] must hold only strings, not an integer");
    CHECK(config_error("[rules]\nseverity = { lock-table = 2 }\n") ==
          "pgsafe.toml:2:27: \"lock-table\" in [rules.severity] must be \"error\", \"warning\" or \"info\", "
          "not an "
          "integer");
}

TEST_CASE("values out of range are errors", "[config]") {
    CHECK(
        config_error("fail_on = \"warn\"\n") ==
        "pgsafe.toml:1:11: \"fail_on\" must be \"error\", \"warning\", \"info\" or \"never\", not \"warn\"");
    CHECK(config_error("runner = \"flyway\"\n") ==
          "pgsafe.toml:1:10: \"runner\" must be \"pgsafe\" or \"external\", not \"flyway\"");
    CHECK(config_error("postgres_version = 9\n") ==
          "pgsafe.toml:1:20: \"postgres_version\" must be at least 10, not 9");
    CHECK(config_error("[timeouts]\nlock_timeout_ms = 0\n") ==
          "pgsafe.toml:2:19: \"lock_timeout_ms\" in [timeouts] must be at least 1, not 0");
    CHECK(config_error("[thresholds]\nlarge_table_rows = -1\n") ==
          "pgsafe.toml:2:20: \"large_table_rows\" in [thresholds] must be at least 0, not -1");
    CHECK(config_error("[retry]\ninitial_ms = 500\nmax_ms = 100\n") ==
          "pgsafe.toml:3:10: \"max_ms\" in [retry] (100) must be at least \"initial_ms\" (500)");
    CHECK(config_error("environment = \"../prod\"\n") ==
          "pgsafe.toml:1:15: \"environment\" must be a name of letters, digits, '-' and '_' (it names "
          "policies/<environment>.toml), not \"../prod\"");
    CHECK(config_error("migrations = \"\"\n") == "pgsafe.toml:1:14: \"migrations\" must not be empty");
    CHECK(config_error("[rules]\nseverity = { lock-table = \"fatal\" }\n") ==
          "pgsafe.toml:2:27: severity of \"lock-table\" must be \"error\", \"warning\" or \"info\", not "
          "\"fatal\"");
}

TEST_CASE("unknown rule names are errors, with a suggestion when one is close", "[config]") {
    CHECK(config_error("[rules]\nexclude = [\"lock-tabel\"]\n") ==
          "pgsafe.toml:2:12: unknown rule \"lock-tabel\" (did you mean \"lock-table\"?)");
    CHECK(config_error("[rules]\ninclude = [\"no-such-thing-at-all\"]\n") ==
          "pgsafe.toml:2:12: unknown rule \"no-such-thing-at-all\"");
    CHECK(config_error("[rules.severity]\nadding-foreign-key = \"warning\"\n") ==
          "pgsafe.toml:2:1: unknown rule \"adding-foreign-key\" (did you mean "
          "\"adding-foreign-key-constraint\"?)");
    CHECK(config_error("[rules]\nexclude = [\"lock-table\"]\ninclude = [\"lock-table\"]\n") ==
          "pgsafe.toml:3:12: rule \"lock-table\" is both excluded and included in [rules]");
    CHECK(config_error("[rules]\nexclude = [\"syntax-error\"]\n").find("cannot be excluded") !=
          std::string::npos);
}

TEST_CASE("broken TOML is a located error", "[config]") {
    std::string e = config_error("[thresholds]\nlarge_table_rows = = 3\n");
    CHECK_THAT(e, Catch::StartsWith("pgsafe.toml:2:"));
    CHECK_THAT(config_error("a = 1\na = 2\n"), Catch::StartsWith("pgsafe.toml:2:"));
}

TEST_CASE("globs: * and ? stay in a segment, ** spans them", "[config]") {
    using pgsafe::source::glob_match;
    CHECK(glob_match("*.sql", "V1__a.sql"));
    CHECK_FALSE(glob_match("*.sql", "old/V1__a.sql"));
    CHECK(glob_match("old/*.sql", "old/V1__a.sql"));
    CHECK(glob_match("**/*.sql", "a/b/c.sql"));
    CHECK(glob_match("**/*.sql", "c.sql"));
    CHECK(glob_match("legacy/**", "legacy/x/y.sql"));
    CHECK(glob_match("V?__*.sql", "V3__x.sql"));
    CHECK_FALSE(glob_match("V?__*.sql", "V10__x.sql"));
    CHECK(glob_match("V[0-4]__*", "V3__x.sql"));
    CHECK_FALSE(glob_match("V[!0-4]__*", "V3__x.sql"));
}

TEST_CASE("exclude_paths works like .gitignore", "[config]") {
    using pgsafe::source::path_excluded;
    std::vector<std::string> globs{"*.down.sql", "legacy/", "db/seeds/*.sql"};
    CHECK(path_excluded(globs, "migrations/V2__x.down.sql"));  // no '/': any file name
    CHECK(path_excluded(globs, "legacy/V1__old.sql"));         // a directory excludes what is in it
    CHECK(path_excluded(globs, "./legacy/deep/V1__old.sql"));
    CHECK(path_excluded(globs, "db/seeds/users.sql"));
    CHECK_FALSE(path_excluded(globs, "migrations/db/seeds/users.sql"));  // a '/' anchors the glob
    CHECK_FALSE(path_excluded(globs, "migrations/V2__x.sql"));
}

TEST_CASE("pgsafe.toml is found in the directory or the nearest one above", "[config]") {
    pgsafe::test::TempDir dir;
    std::string config = dir.write("pgsafe.toml", "");
    dir.write("a/b/c/keep", "");
    auto found = pgsafe::source::find_config_file(dir.path() + "/a/b/c");
    REQUIRE(found);
    CHECK(std::filesystem::equivalent(*found, config));
    CHECK(pgsafe::source::find_config_file(dir.path() + "/a/b/c/")->filename() == "pgsafe.toml");

    pgsafe::test::TempDir nested;
    nested.write("pgsafe.toml/not-a-file", "");  // a directory named pgsafe.toml does not count
    nested.write("x/keep", "");
    auto none = pgsafe::source::find_config_file(nested.path() + "/x");
    CHECK((!none || none->parent_path() != std::filesystem::path(nested.path())));
}

TEST_CASE("passwords never reach messages", "[redact]") {
    using pgsafe::db::redact;
    // Parsed by libpq and rebuilt as key=value, without the password.
    CHECK(redact("postgresql://alice:s3cret@db.example:5432/app") ==
          "user=alice dbname=app host=db.example port=5432 password=***");
    CHECK(redact("postgres://alice@db/app?sslmode=require&password=s3cret") ==
          "user=alice dbname=app host=db sslmode=require password=***");
    CHECK(redact("host=db user=alice password=s3cret dbname=app") ==
          "user=alice dbname=app host=db password=***");
    CHECK(redact("host=db password = 'with space' dbname=app") == "dbname=app host=db password=***");
    CHECK(redact("postgresql://alice@db/app") == "user=alice dbname=app host=db");
    CHECK(redact("host='a b' application_name='it\\'s'") == "host='a b' application_name='it\\'s'");
    CHECK(redact("") == "(PG* environment variables)");
    // What pattern matching got wrong: each shows no part of the password.
    for (const std::string bad :
         {"postgresql://alice:pa?ss#w0rd@db/app", "postgresql://alice:s3%zzcret@db/app",
          "POSTGRESQL://alice:s3cret@db/app", "postgresql://alice:s3cret@[::1/app",
          "host=db password=s3c ret dbname=app"}) {
        INFO(bad);
        std::string shown = redact(bad);
        CHECK(shown.find("s3c") == std::string::npos);
        CHECK(shown.find("ss#w0rd") == std::string::npos);
        CHECK(shown.find("ret") == std::string::npos);
    }
}

TEST_CASE("SQLSTATEs map to the documented exit kinds and readable names", "[sqlstate]") {
    using namespace pgsafe::db;
    CHECK(error_kind_for_sqlstate("55P03") == ErrorKind::LockTimeout);
    CHECK(error_kind_for_sqlstate("57014") == ErrorKind::Database);
    CHECK(error_kind_for_sqlstate("40P01") == ErrorKind::Database);
    CHECK(sqlstate_name("55P03") == "lock_not_available");
    CHECK(sqlstate_name("57014") == "query_canceled");
    CHECK(sqlstate_name("40P01") == "deadlock_detected");
    // Every code by its own name, as psql's VERBOSITY shows them (issue 11).
    CHECK(sqlstate_name("42704") == "undefined_object");
    CHECK(sqlstate_name("42883") == "undefined_function");
    CHECK(sqlstate_name("42P07") == "duplicate_table");
    CHECK(sqlstate_name("22P02") == "invalid_text_representation");
    // A code a newer server may add: its class.
    CHECK(sqlstate_name("42P99") == "syntax_error_or_access_rule_violation");
    CHECK(sqlstate_name("ZZ999").empty());
    Error e = database_error("locking \"measurements\"", "ERROR:  canceling statement due to lock timeout\n",
                             "55P03");
    CHECK(e.kind() == ErrorKind::LockTimeout);
    CHECK(std::string(e.what()) ==
          "locking \"measurements\": canceling statement due to lock timeout (SQLSTATE 55P03 "
          "lock_not_available)");
}

TEST_CASE("GitHub annotations escape data and properties as the toolkit does", "[report]") {
    using namespace pgsafe::report;
    CHECK(github_escape_data("50% done\r\nnext") == "50%25 done%0D%0Anext");
    CHECK(github_escape_property("a,b:c%\n") == "a%2Cb%3Ac%25%0A");
    CHECK(uri_encode_path("migrations/V1__my file#1.sql") == "migrations/V1__my%20file%231.sql");
}
