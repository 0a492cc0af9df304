// The database as the judge of who may approve (issue 14) and the tracking
// schema's ownership model (issue 12 item 8), with real roles on the
// scratch server: after `pgsafe init`, the deploy role cannot write or
// forge approvals, a developer cannot approve, an approver adds and revokes
// only their own, and one removed from the approve role stops counting.

#include "process.hpp"
#include "runner/tracking.hpp"
#include "test_db.hpp"

#include "pgsafe/error.hpp"
#include "pgsafe/runner/approvals.hpp"
#include "pgsafe/runner/audit.hpp"
#include "pgsafe/runner/init.hpp"

#include <fmt/format.h>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include <unistd.h>

#include <algorithm>
#include <chrono>

using pgsafe::test::as_role;
using pgsafe::test::run_pgsafe;
using pgsafe::test::ScratchDatabase;
using pgsafe::test::TempDir;

using pgsafe::test::exec;
using pgsafe::test::value;

namespace {

using namespace std::chrono_literals;

// Whether `sql`, run by the role of `dsn`, is refused for lack of privilege.
bool denied(const std::string& dsn, const std::string& sql) {
    try {
        exec(dsn, sql);
    } catch (const pqxx::insufficient_privilege&) {
        return true;
    }
    return false;
}

// Roles are cluster-wide: named per test, dropped when it ends (after its database).
class TestRoles {
public:
    explicit TestRoles(std::string admin_dsn) : m_admin(std::move(admin_dsn)) {}
    ~TestRoles() {
        for (auto it = m_names.rbegin(); it != m_names.rend(); ++it) {
            try {
                exec(m_admin, "DROP ROLE IF EXISTS " + *it);
            } catch (const std::exception&) {
            }
        }
    }
    TestRoles(const TestRoles&) = delete;
    TestRoles& operator=(const TestRoles&) = delete;
    std::string make(const std::string& suffix, const std::string& options = "LOGIN") {
        static int counter = 0;
        std::string name = fmt::format("pgsafe_t{}_{}_{}", getpid(), ++counter, suffix);
        exec(m_admin, fmt::format("CREATE ROLE {} {}", name, options));
        m_names.push_back(name);
        return name;
    }

private:
    std::string m_admin;
    std::vector<std::string> m_names;
};

// A production database as a DBA team sets it up: an administrator who owns
// the database (and so schema pgsafe after init), a deploy role, a group of
// approvers with two members, and a developer.
struct Team {
    std::string admin, deploy, approvers, dba1, dba2, developer;
    Team(TestRoles& roles, const ScratchDatabase& db) {
        admin = roles.make("admin");
        deploy = roles.make("deploy");
        approvers = roles.make("approvers", "NOLOGIN");
        dba1 = roles.make("dba1");
        dba2 = roles.make("dba2");
        developer = roles.make("dev");
        exec(db.dsn(),
             fmt::format("ALTER DATABASE {} OWNER TO {}; GRANT {} TO {}, {}; GRANT CREATE ON SCHEMA public "
                         "TO {}",
                         db.name(), admin, approvers, dba1, dba2, deploy));
    }
    std::string policy() const {
        return fmt::format(
            "[access]\nrun = [\"{}\"]\napprove = [\"{}\"]\n\n[approval]\nrequired_for = [\"high\", "
            "\"critical\"]\napprovers = 1\nfour_eyes = true\nvalid_for = \"72h\"\n",
            deploy, approvers);
    }
    pgsafe::runner::InitRequest init_request(const ScratchDatabase& db) const {
        pgsafe::runner::InitRequest r;
        r.conninfo = as_role(db.dsn(), admin);
        r.environment = "production";
        r.policy_text = policy();
        r.policy_origin = "policies/production.toml";
        r.run = {{deploy, "[access] run"}};
        r.approve = {{approvers, "[access] approve"}};
        r.lock_wait = 30s;
        return r;
    }
};

const std::string k_checksum = "sha256:" + std::string(64, 'a');

pgsafe::ErrorKind approve_error(const std::string& dsn, const std::string& reason = "reviewed") {
    try {
        pgsafe::runner::approve(dsn, {{"1", k_checksum}}, reason, std::chrono::seconds(3600));
    } catch (const pgsafe::Error& e) {
        UNSCOPED_INFO(e.what());
        return e.kind();
    }
    FAIL("the approval was recorded");
    return pgsafe::ErrorKind::Usage;
}

// Every privilege anyone holds in schema pgsafe, one line each, for comparing grants.
std::string grants(const std::string& dsn) {
    return value(dsn, R"(
SELECT string_agg(format('%s %s %s', o.name, pg_get_userbyid(a.grantee), a.privilege_type), E'\n'
                  ORDER BY o.name, pg_get_userbyid(a.grantee), a.privilege_type)
  FROM (SELECT c.relname::text AS name, c.relacl AS acl FROM pg_class c WHERE c.relnamespace = 'pgsafe'::regnamespace
        UNION ALL SELECT p.oid::regprocedure::text, p.proacl FROM pg_proc p WHERE p.pronamespace = 'pgsafe'::regnamespace
        UNION ALL SELECT 'schema', nspacl FROM pg_namespace WHERE nspname = 'pgsafe') o,
       LATERAL aclexplode(o.acl) a)");
}

}  // namespace

TEST_CASE("after pgsafe init only the approve roles can approve, each only for themselves", "[db][policy]") {
    auto admin = pgsafe::test::admin_dsn();
    if (!admin) return;
    TestRoles roles(*admin);
    auto db = pgsafe::test::scratch_database();
    Team team(roles, *db);
    auto result = pgsafe::runner::init_database(team.init_request(*db));
    CHECK(result.owner == team.admin);
    CHECK(value(db->dsn(), "SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = 'pgsafe'") ==
          team.admin);
    CHECK(value(db->dsn(), "SELECT name FROM pgsafe.environment") == "production");
    CHECK(value(db->dsn(), "SELECT policy FROM pgsafe.environment") == team.policy());

    const std::string deploy = as_role(db->dsn(), team.deploy);
    SECTION("the deploy role cannot write approvals with plain SQL nor call the functions") {
        CHECK(denied(deploy,
                     "INSERT INTO pgsafe.approvals (version, checksum, reason) VALUES ('1', 'x', 'forged')"));
        CHECK(denied(deploy, "UPDATE pgsafe.approvals SET reason = 'x'"));
        CHECK(denied(deploy, "DELETE FROM pgsafe.approvals"));
        CHECK(denied(deploy, "TRUNCATE pgsafe.approvals"));
        CHECK(denied(deploy, "SELECT pgsafe.approve('1', '" + k_checksum + "', 'forged', NULL)"));
        CHECK(denied(deploy, "SELECT pgsafe.revoke('1')"));
        CHECK(denied(deploy, "UPDATE pgsafe.environment SET name = 'development'"));
        CHECK(denied(deploy, "DELETE FROM pgsafe.events"));
        CHECK(approve_error(deploy) == pgsafe::ErrorKind::Refused);
        CHECK(value(db->dsn(), "SELECT count(*) FROM pgsafe.approvals") == "0");
    }
    SECTION("a developer cannot approve, not even with EXECUTE granted by mistake") {
        const std::string developer = as_role(db->dsn(), team.developer);
        CHECK(approve_error(developer) == pgsafe::ErrorKind::Refused);
        exec(as_role(db->dsn(), team.admin),
             "GRANT USAGE ON SCHEMA pgsafe TO " + team.developer +
                 "; GRANT EXECUTE ON FUNCTION pgsafe.approve(text, text, text, interval) TO " +
                 team.developer);
        try {
            exec(developer, "SELECT pgsafe.approve('1', '" + k_checksum + "', 'forged', NULL)");
            FAIL("a role outside [access] approve recorded an approval");
        } catch (const pqxx::insufficient_privilege& e) {
            CHECK_THAT(e.what(), Catch::Contains("may not approve in environment production"));
        }
        CHECK(value(db->dsn(), "SELECT count(*) FROM pgsafe.approvals") == "0");
    }
    SECTION("an approver approves as themselves and revokes only their own") {
        const std::string dba1 = as_role(db->dsn(), team.dba1);
        const std::string dba2 = as_role(db->dsn(), team.dba2);
        auto approved =
            pgsafe::runner::approve(dba1, {{"1", k_checksum}}, "reviewed the NOT VALID plan", 72h);
        CHECK(approved.approver == team.dba1);
        REQUIRE(approved.approved.size() == 1);
        CHECK(approved.approved[0].expires_at.has_value());
        CHECK(value(db->dsn(), "SELECT approver || ' ' || checksum || ' ' || reason FROM pgsafe.approvals") ==
              team.dba1 + " " + k_checksum + " reviewed the NOT VALID plan");
        CHECK(value(db->dsn(), "SELECT role FROM pgsafe.events WHERE kind = 'approved'") == team.dba1);

        CHECK(denied(dba2, "UPDATE pgsafe.approvals SET revoked_at = now()"));
        CHECK(pgsafe::runner::revoke(dba2, "1").revoked == 0);
        CHECK(value(db->dsn(), "SELECT count(*) FROM pgsafe.approvals WHERE revoked_at IS NULL") == "1");

        CHECK(pgsafe::runner::revoke(dba1, "1").revoked == 1);
        CHECK(value(db->dsn(), "SELECT revoked_by FROM pgsafe.approvals") == team.dba1);
        CHECK(value(db->dsn(), "SELECT role FROM pgsafe.events WHERE kind = 'revoked'") == team.dba1);
        CHECK(pgsafe::runner::revoke(dba1, "1").revoked == 0);
    }
    SECTION("an approval needs a reason and the file's checksum") {
        const std::string dba1 = as_role(db->dsn(), team.dba1);
        CHECK(approve_error(dba1, "   ") == pgsafe::ErrorKind::Usage);
        CHECK_THROWS_AS(pgsafe::runner::approve(dba1, {{"1", "abc"}}, "reviewed", std::nullopt),
                        pgsafe::Error);
        CHECK(value(db->dsn(), "SELECT count(*) FROM pgsafe.approvals") == "0");
    }
    SECTION("an approver removed from the approve role is no longer a member") {
        const std::string dba1 = as_role(db->dsn(), team.dba1);
        pgsafe::runner::approve(dba1, {{"1", k_checksum}}, "reviewed", 72h);
        auto before = pgsafe::runner::list_approvals(as_role(db->dsn(), team.dba2));
        REQUIRE(before.approvals.size() == 1);
        CHECK(before.approve_roles == std::vector<std::string>{team.approvers});
        CHECK(before.approvals[0].approver_member_of == std::vector<std::string>{team.approvers});
        exec(db->dsn(), fmt::format("REVOKE {} FROM {}", team.approvers, team.dba1));
        auto after = pgsafe::runner::list_approvals(as_role(db->dsn(), team.dba2));
        REQUIRE(after.approvals.size() == 1);
        CHECK(after.approvals[0].approver_member_of.empty());
        CHECK(approve_error(dba1) == pgsafe::ErrorKind::Refused);
    }
}

TEST_CASE("pgsafe init is idempotent and the run role can still migrate after it", "[db][policy]") {
    auto admin = pgsafe::test::admin_dsn();
    if (!admin) return;
    TestRoles roles(*admin);
    auto db = pgsafe::test::scratch_database();
    Team team(roles, *db);
    auto first = pgsafe::runner::init_database(team.init_request(*db));
    CHECK(first.schema_from == 0);
    pgsafe::runner::approve(as_role(db->dsn(), team.dba1), {{"1", k_checksum}}, "reviewed", 72h);
    std::string granted = grants(db->dsn());
    CHECK_THAT(granted, Catch::Contains("approvals " + team.deploy + " SELECT"));
    CHECK_THAT(granted, !Catch::Contains("approvals " + team.deploy + " INSERT"));

    auto second = pgsafe::runner::init_database(team.init_request(*db));
    CHECK(second.schema_from == second.schema_to);
    CHECK(second.previous_environment == std::optional<std::string>("production"));
    CHECK_FALSE(second.policy_changed);
    CHECK(grants(db->dsn()) == granted);
    CHECK(value(db->dsn(), "SELECT count(*) FROM pgsafe.environment") == "1");
    CHECK(value(db->dsn(), "SELECT count(*) FROM pgsafe.events WHERE kind = 'init'") == "2");
    CHECK(value(db->dsn(), "SELECT count(*) FROM pgsafe.approvals") == "1");
    pgsafe::runner::approve(as_role(db->dsn(), team.dba2), {{"1", k_checksum}}, "reviewed too", 72h);

    TempDir dir;
    dir.write("migrations/V1__a.sql", "CREATE TABLE a (id int);\n");
    auto r = run_pgsafe({"migrate", dir.path() + "/migrations", "--db", as_role(db->dsn(), team.deploy)});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK(value(db->dsn(), "SELECT applied_by FROM pgsafe.migrations WHERE version = '1'") == team.deploy);
    auto audit = pgsafe::runner::read_audit(as_role(db->dsn(), team.dba1), std::nullopt);
    std::vector<std::string> kinds;
    for (const auto& e : audit.entries) kinds.push_back(e.kind);
    CHECK(std::count(kinds.begin(), kinds.end(), "init") == 2);
    CHECK(std::count(kinds.begin(), kinds.end(), "approved") == 2);
    CHECK(std::count(kinds.begin(), kinds.end(), "migration-applied") == 1);
    CHECK(std::count(kinds.begin(), kinds.end(), "step-applied") == 1);
    CHECK(audit.environment == std::optional<std::string>("production"));
}

TEST_CASE("after pgsafe init a run role appends events only as itself and at the server's time",
          "[db][policy]") {
    auto admin = pgsafe::test::admin_dsn();
    if (!admin) return;
    TestRoles roles(*admin);
    auto db = pgsafe::test::scratch_database();
    Team team(roles, *db);
    SECTION("a fresh init") {}
    SECTION("an init before pgsafe granted events by column: init again takes the old grant back") {
        pgsafe::runner::init_database(team.init_request(*db));
        exec(as_role(db->dsn(), team.admin), "GRANT INSERT ON pgsafe.events TO " + team.deploy);
    }
    pgsafe::runner::init_database(team.init_request(*db));
    const std::string deploy = as_role(db->dsn(), team.deploy);
    CHECK(denied(deploy, "INSERT INTO pgsafe.events (role, kind, version, detail) VALUES ('" + team.dba1 +
                             "', 'approved', '1', '{\"reason\": \"reviewed\"}')"));
    CHECK(denied(deploy,
                 "INSERT INTO pgsafe.events (at, kind, version) VALUES ('2020-01-01 09:00Z', "
                 "'migration-applied', '1')"));
    CHECK(value(db->dsn(), "SELECT count(*) FROM pgsafe.events WHERE kind <> 'init'") == "0");

    TempDir dir;
    dir.write("migrations/V1__a.sql", "CREATE TABLE a (id int);\n");
    auto r = run_pgsafe({"migrate", dir.path() + "/migrations", "--db", deploy});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK(value(db->dsn(),
                "SELECT string_agg(DISTINCT role, ',') FROM pgsafe.events WHERE kind LIKE "
                "'migration-%'") == team.deploy);
    CHECK(value(db->dsn(),
                "SELECT count(*) FROM pgsafe.events WHERE kind = 'migration-applied' AND at > "
                "now() - interval '1 hour'") == "1");
}

TEST_CASE("pgsafe init refuses a policy naming a role that does not exist, and changes nothing",
          "[db][policy]") {
    auto admin = pgsafe::test::admin_dsn();
    if (!admin) return;
    TestRoles roles(*admin);
    auto db = pgsafe::test::scratch_database();
    Team team(roles, *db);
    auto request = team.init_request(*db);
    request.approve.push_back({"pgsafe_no_such_role", "[access] approve"});
    try {
        pgsafe::runner::init_database(request);
        FAIL("init accepted an unknown role");
    } catch (const pgsafe::Error& e) {
        CHECK(e.kind() == pgsafe::ErrorKind::Usage);
        CHECK_THAT(e.what(), Catch::Contains("policies/production.toml: [access] approve names role "
                                             "\"pgsafe_no_such_role\", which does not exist"));
    }
    CHECK(value(db->dsn(), "SELECT to_regnamespace('pgsafe')") == "");
}

TEST_CASE(
    "without init the schema belongs to its first creator; another role is told who owns it and the fix",
    "[db][policy]") {
    auto admin = pgsafe::test::admin_dsn();
    if (!admin) return;
    TestRoles roles(*admin);
    auto db = pgsafe::test::scratch_database();
    Team team(roles, *db);
    exec(db->dsn(), fmt::format("GRANT CREATE ON DATABASE {} TO {}; GRANT CREATE ON SCHEMA public TO {}",
                                db->name(), team.deploy, team.developer));
    TempDir dir;
    dir.write("migrations/V1__a.sql", "CREATE TABLE a (id int);\n");
    const std::string migrations = dir.path() + "/migrations";
    REQUIRE(run_pgsafe({"migrate", migrations, "--db", as_role(db->dsn(), team.deploy)}).exit_code == 0);
    CHECK(value(db->dsn(), "SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = 'pgsafe'") ==
          team.deploy);
    // No approvers before init, so no functions to approve with (nor PL/pgSQL loaded to make them).
    const std::string functions =
        "SELECT string_agg(format('%s %s %s', p.oid::regprocedure, p.proowner::regrole, p.proacl), ', ' "
        "ORDER BY p.proname) FROM pg_proc p WHERE p.pronamespace = 'pgsafe'::regnamespace";
    CHECK(value(db->dsn(), functions) == "");
    CHECK(approve_error(as_role(db->dsn(), team.deploy)) == pgsafe::ErrorKind::Usage);

    dir.write("migrations/V2__b.sql", "CREATE TABLE b (id int);\n");
    auto r = run_pgsafe({"migrate", migrations, "--db", as_role(db->dsn(), team.developer)});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 4);
    CHECK_THAT(r.err, Catch::Contains("role " + team.developer + " has no USAGE on schema pgsafe"));
    CHECK_THAT(r.err, Catch::Contains("schema pgsafe belongs to " + team.deploy));
    CHECK_THAT(r.err, Catch::Contains("pgsafe init"));
    auto status = run_pgsafe({"status", migrations, "--db", as_role(db->dsn(), team.developer)});
    CHECK(status.exit_code == 4);
    CHECK_THAT(status.err, Catch::Contains("schema pgsafe belongs to " + team.deploy));

    SECTION("an administrator who is neither the creator nor a superuser cannot take it over") {
        try {
            pgsafe::runner::init_database(team.init_request(*db));
            FAIL("init took over a schema it may not");
        } catch (const pgsafe::Error& e) {
            CHECK_THAT(e.what(), Catch::Contains("schema pgsafe belongs to " + team.deploy));
        }
    }
    SECTION("an earlier pgsafe's first run made the functions too: init takes them over with the rest") {
        exec(as_role(db->dsn(), team.deploy), pgsafe::runner::approver_functions_sql({}));
        auto request = team.init_request(*db);
        request.conninfo = db->dsn();
        pgsafe::runner::init_database(request);
        CHECK(value(db->dsn(),
                    "SELECT count(*) FROM pg_proc WHERE pronamespace = 'pgsafe'::regnamespace AND "
                    "proowner <> (SELECT oid FROM pg_roles WHERE rolname = current_user)") == "0");
        CHECK(denied(as_role(db->dsn(), team.deploy), "SELECT pgsafe.revoke('1')"));
        pgsafe::runner::approve(as_role(db->dsn(), team.dba1), {{"1", k_checksum}}, "reviewed",
                                std::chrono::seconds(3600));
        CHECK(value(db->dsn(), "SELECT approver FROM pgsafe.approvals") == team.dba1);
    }
    SECTION("a superuser's init takes it over, and the deploy role runs on under the grants") {
        auto request = team.init_request(*db);
        request.conninfo = db->dsn();
        auto result = pgsafe::runner::init_database(request);
        CHECK(result.previous_owner == std::optional<std::string>(team.deploy));
        const std::string owner = value(db->dsn(), "SELECT current_user");
        CHECK(value(db->dsn(), functions) ==
              fmt::format("pgsafe.approve(text,text,text,interval) {0} {{{0}=X/{0},{1}=X/{0}}}, "
                          "pgsafe.revoke(text) {0} {{{0}=X/{0},{1}=X/{0}}}",
                          owner, team.approvers));
        CHECK(value(db->dsn(),
                    "SELECT count(*) FROM pg_class WHERE relnamespace = 'pgsafe'::regnamespace AND "
                    "relowner::regrole::text = '" +
                        team.deploy + "'") == "0");
        CHECK(denied(as_role(db->dsn(), team.deploy),
                     "INSERT INTO pgsafe.approvals (version, checksum, reason) "
                     "VALUES ('2', 'x', 'forged')"));
        auto run = run_pgsafe({"migrate", migrations, "--db", as_role(db->dsn(), team.deploy)});
        INFO(run.out << run.err);
        CHECK(run.exit_code == 0);
        CHECK(value(db->dsn(), "SELECT count(*) FROM pgsafe.migrations WHERE state = 'applied'") == "2");
    }
}

TEST_CASE(
    "pgsafe approvals: an approval stops counting when its approver leaves the approve role, the file "
    "changes, or it is revoked",
    "[db][policy]") {
    auto admin = pgsafe::test::admin_dsn();
    if (!admin) return;
    TestRoles roles(*admin);
    auto db = pgsafe::test::scratch_database();
    Team team(roles, *db);
    TempDir project;
    project.write("pgsafe.toml", "");
    project.write("policies/production.toml", team.policy());
    const std::string sql = "ALTER TABLE patients RENAME COLUMN name TO full_name;\n";
    project.write("migrations/V1__rename.sql", sql);
    auto pgsafe_as = [&](const std::string& role, std::vector<std::string> args) {
        args.push_back("--db");
        args.push_back(as_role(db->dsn(), role));
        return pgsafe::test::run_pgsafe_in(project.path(), args);
    };
    auto init = pgsafe_as(team.admin, {"init", "--env", "production"});
    INFO(init.out << init.err);
    REQUIRE(init.exit_code == 0);
    CHECK_THAT(init.out, Catch::Contains("initialised") && Catch::Contains("owned by " + team.admin));

    auto approved = pgsafe_as(team.dba1, {"approve", "1", "--reason", "reviewed with the team"});
    INFO(approved.out << approved.err);
    REQUIRE(approved.exit_code == 0);
    CHECK_THAT(approved.out, Catch::Contains("RENAME COLUMN"));  // what was approved was shown
    CHECK_THAT(approved.out, Catch::Contains("approved 1 (migrations/V1__rename.sql") &&
                                 Catch::Contains("as " + team.dba1));

    auto standing = [&]() {
        auto r = pgsafe_as(team.dba2, {"approvals", "--format", "json"});
        INFO(r.out << r.err);
        REQUIRE(r.exit_code == 0);
        auto j = nlohmann::json::parse(r.out);
        REQUIRE(j["approvals"].size() == 1);
        return j["approvals"][0];
    };
    CHECK(standing()["counts"] == true);
    CHECK(standing()["approver"] == team.dba1);
    // Shown until the policy's valid_for (72h) ends it, even when the row says later.
    exec(db->dsn(), "UPDATE pgsafe.approvals SET expires_at = created_at + interval '400 days'");
    CHECK(standing()["valid_until"] ==
          value(db->dsn(),
                "SELECT to_char(to_timestamp(extract(epoch FROM created_at)::bigint + "
                "72 * 3600) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') || ' UTC' "
                "FROM pgsafe.approvals"));

    exec(db->dsn(), fmt::format("REVOKE {} FROM {}", team.approvers, team.dba1));
    CHECK(standing()["counts"] == false);
    CHECK_THAT(standing()["why_not"].get<std::string>(), Catch::Contains("is not a member of"));
    exec(db->dsn(), fmt::format("GRANT {} TO {}", team.approvers, team.dba1));
    CHECK(standing()["counts"] == true);

    project.write("migrations/V1__rename.sql", "ALTER TABLE patients RENAME COLUMN name TO surname;\n");
    CHECK(standing()["counts"] == false);
    CHECK_THAT(standing()["why_not"].get<std::string>(), Catch::Contains("checksum"));
    project.write("migrations/V1__rename.sql", sql);
    CHECK(standing()["counts"] == true);

    auto not_theirs = pgsafe_as(team.dba2, {"revoke", "1"});
    CHECK(not_theirs.exit_code == 2);
    CHECK(standing()["counts"] == true);
    auto revoked = pgsafe_as(team.dba1, {"revoke", "1"});
    INFO(revoked.out << revoked.err);
    CHECK(revoked.exit_code == 0);
    CHECK(standing()["counts"] == false);
    CHECK_THAT(standing()["why_not"].get<std::string>(), Catch::Contains("revoked by " + team.dba1));

    auto text = pgsafe_as(team.dba2, {"approvals"});
    CHECK_THAT(text.out, Catch::Contains("does not count: revoked by " + team.dba1));
    auto audit = pgsafe_as(team.dba2, {"audit", "--since", "1h"});
    CHECK(audit.exit_code == 0);
    CHECK_THAT(audit.out, Catch::Contains("approved sha256:") && Catch::Contains("revoked approval(s)") &&
                              Catch::Contains("init: environment \"production\""));
}
