// migrate opens the policy gate on the runner lock's session before it asks
// for the lock, and a session of the gate's own only when a policy applies
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

#include <unistd.h>

#include <string>
#include <vector>

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

TEST_CASE("a run without a policy needs two connections, one under a policy three",
          "[cli][migrate][policy]") {
    // The policy is read on the runner lock's session; the gate's own session,
    // for the approvals, opens only when a policy applies. A role limited to
    // two connections (a managed database's small quota) can run migrate.
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    const std::string role = fmt::format("pgsafe_two_conns_{}", getpid());
    pgsafe::test::exec(db->dsn(), fmt::format("CREATE ROLE {0} LOGIN CONNECTION LIMIT 2; "
                                              "GRANT CREATE ON DATABASE \"{1}\" TO {0}; "
                                              "GRANT CREATE ON SCHEMA public TO {0}",
                                              role, db->name()));
    struct DropRole {
        std::string dsn, role;
        ~DropRole() {
            try {
                pgsafe::test::exec(dsn, fmt::format("DROP OWNED BY {0}; DROP ROLE {0}", role));
            } catch (const std::exception&) {
            }
        }
    } drop_role{db->dsn(), role};
    const std::string as_role = pgsafe::test::as_role(db->dsn(), role);
    MigrateProject p;
    p.add("V1__a.sql", "CREATE TABLE a (id int);\n");
    auto run = [&](const std::vector<std::string>& extra) {
        std::vector<std::string> args = {"migrate",  p.migrations, "--db",     as_role,
                                         "--config", p.config,     "--format", "json"};
        args.insert(args.end(), extra.begin(), extra.end());
        return pgsafe::test::run_pgsafe(args);
    };

    auto plain = run({});
    INFO(plain.out << plain.err);
    CHECK(plain.exit_code == 0);
    CHECK(value(db->dsn(), "SELECT to_regclass('public.a') IS NOT NULL") == "t");

    // Under a policy the third session is needed, and the limit says so before anything runs.
    p.add("V2__b.sql", "CREATE TABLE b (id int);\n");
    p.dir.write("policies/production.toml", fmt::format("[access]\nrun = [\"{}\"]\napprove = []\n", role));
    CHECK(eventually([&] {  // the first run's server processes have ended
        return value(db->dsn(),
                     fmt::format("SELECT count(*) FROM pg_stat_activity WHERE usename = '{}'", role)) == "0";
    }));
    auto limited = run({"--env", "production"});
    INFO(limited.out << limited.err);
    CHECK(limited.exit_code == 4);
    CHECK(has(limited.err, "too many connections for role"));
    CHECK(value(db->dsn(), "SELECT to_regclass('public.b') IS NULL") == "t");

    pgsafe::test::exec(db->dsn(), fmt::format("ALTER ROLE {} CONNECTION LIMIT 3", role));
    auto policed = run({"--env", "production"});
    INFO(policed.out << policed.err);
    CHECK(policed.exit_code == 0);
    CHECK(value(db->dsn(), "SELECT to_regclass('public.b') IS NOT NULL") == "t");
}
