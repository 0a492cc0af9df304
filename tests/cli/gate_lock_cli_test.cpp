// migrate opens the policy gate while the runner lock's sessions connect
// (issue 11, per-step overhead). A policy that cannot be read must still end
// the run as it did when the gate opened first: exit code and JSON of an
// error before the start, nothing written, the runner lock released, and no
// wait for another runner's lock before saying so.

#include "migrate_project.hpp"
#include "process.hpp"
#include "runner/runner_lock.hpp"
#include "test_db.hpp"

#include <fmt/format.h>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include <string>

using nlohmann::json;
using pgsafe::test::eventually;
using pgsafe::test::MigrateProject;
using pgsafe::test::value;

namespace {

bool has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// A migration, and a production policy that names a role the database does not have.
void name_unknown_role(const MigrateProject& p) {
    p.add("V1__a.sql", "CREATE TABLE a (id int);\n");
    p.dir.write("policies/production.toml", "[access]\nrun = [\"pgsafe_no_such_role\"]\napprove = []\n");
}

void check_failed_before_start(const pgsafe::test::ProcessResult& r) {
    CHECK(r.exit_code == 2);
    json doc = json::parse(r.out);
    CHECK(doc["status"] == "failed");
    CHECK(doc["applied"].empty());
    CHECK(has(doc["error"]["message"].get<std::string>(), "role \"pgsafe_no_such_role\""));
}

}  // namespace

TEST_CASE(
    "a policy that cannot be read stops migrate as before: exit 2, JSON, nothing written, lock released",
    "[cli][migrate][policy]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    MigrateProject p;
    name_unknown_role(p);
    auto r = p.migrate(*db, {"--format", "json", "--env", "production"});
    check_failed_before_start(r);
    CHECK(value(db->dsn(), "SELECT count(*) FROM pg_namespace WHERE nspname = 'pgsafe'") == "0");
    CHECK(value(db->dsn(), "SELECT to_regclass('public.a') IS NULL") == "t");
    CHECK(value(db->dsn(),
                fmt::format("SELECT pg_try_advisory_lock({})", pgsafe::runner::k_runner_lock_key)) == "t");
    CHECK(eventually([&] {  // on this test's database: other tests run beside it on the same server
        return value(db->dsn(),
                     "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'pgsafe%' "
                     "AND datname = current_database()") == "0";
    }));
}

TEST_CASE("a policy that cannot be read is reported at once while another runner holds the lock",
          "[cli][migrate][policy]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    MigrateProject p;
    name_unknown_role(p);
    pqxx::connection holder(db->dsn());
    pqxx::nontransaction(holder).exec(
        fmt::format("SELECT pg_advisory_lock({})", pgsafe::runner::k_runner_lock_key));
    auto r = p.migrate(*db, {"--format", "json", "--env", "production", "--lock-wait", "600"});
    check_failed_before_start(r);
    CHECK_FALSE(has(r.err, "holds the runner lock"));  // it did not wait for the holder
    CHECK(value(db->dsn(),
                fmt::format("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                            "AND pid = {} AND objid = {}",
                            holder.backendpid(), pgsafe::runner::k_runner_lock_key & 0xffffffffLL)) == "1");
    CHECK(value(db->dsn(), "SELECT count(*) FROM pg_namespace WHERE nspname = 'pgsafe'") == "0");
}
