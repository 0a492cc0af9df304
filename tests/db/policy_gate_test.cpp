// `pgsafe migrate --env` against a real PostgreSQL with real roles: the
// verdict is checked right before each migration with the identity the
// database vouches for, the approvals on record and the stored policy; every
// refusal is exit 5, leaves the schema untouched and leaves an event.

#include "process.hpp"
#include "test_db.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include <filesystem>
#include <string>
#include <vector>

using nlohmann::json;
using pgsafe::test::as_role;
using pgsafe::test::ProcessResult;
using pgsafe::test::run_pgsafe;
using pgsafe::test::ScratchDatabase;
using pgsafe::test::TempDir;

using pgsafe::test::exec;
using pgsafe::test::value;

namespace {

// The same connection string with search_path set at connection start
// (options=-csearch_path=…), as a run role may connect.
std::string with_search_path(const std::string& dsn, const std::string& path) {
    bool url = dsn.rfind("postgresql://", 0) == 0 || dsn.rfind("postgres://", 0) == 0;
    if (!url) return dsn + " options='-csearch_path=" + path + "'";
    std::string encoded;
    for (char c : path) encoded += c == ',' ? std::string("%2C") : std::string(1, c);
    return dsn + (dsn.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" + encoded;
}

// Roles named after the test's database (roles are cluster-wide), dropped at the end.
struct Roles {
    const ScratchDatabase& db;
    std::vector<std::string> made;
    explicit Roles(const ScratchDatabase& d) : db(d) {}
    std::string make(const std::string& suffix, const std::string& options = "LOGIN") {
        std::string name = db.name() + "_" + suffix;
        exec(db.dsn(), "CREATE ROLE " + name + " " + options);
        made.push_back(name);
        return name;
    }
    ~Roles() {
        for (auto it = made.rbegin(); it != made.rend(); ++it) {
            try {
                exec(db.dsn(), "DROP OWNED BY " + *it);
                exec(db.admin_dsn(), "DROP ROLE IF EXISTS " + *it);
            } catch (const std::exception&) {
            }
        }
    }
};

// DROP TABLE of a table that holds data: ban-drop-table, high risk.
const char* k_high_risk = "DROP TABLE legacy;\n";

// A project whose production policy names the test's roles.
struct Setup {
    ScratchDatabase& db;
    Roles roles;
    TempDir dir;
    std::string deployer, dba, alice, oncall, config, migrations;

    explicit Setup(ScratchDatabase& d) : db(d), roles(d) {
        deployer = roles.make("deployer");
        dba = roles.make("dba", "NOLOGIN");
        alice = roles.make("alice");
        oncall = roles.make("oncall", "NOLOGIN");
        exec(db.dsn(), "GRANT " + dba + " TO " + alice);
        exec(db.dsn(), "GRANT CREATE ON SCHEMA public TO " + deployer);
        exec(db.dsn(),
             "CREATE TABLE legacy (id int); INSERT INTO legacy VALUES (1); ANALYZE legacy; "
             "ALTER TABLE legacy OWNER TO " +
                 deployer);
        migrations = dir.path() + "/migrations";
        std::filesystem::create_directories(migrations);
        config = dir.write("pgsafe.toml", "");
        dir.write("migrations/V1__fine.sql", "CREATE TABLE fine (id bigint PRIMARY KEY);\n");
        write_policy(policy_text());
        // The tracking schema as the owner makes it, then the run role's grants (pgsafe init's job).
        ProcessResult made =
            run_pgsafe({"migrate", dir.path() + "/none", "--db", db.dsn(), "--config", config});
        if (made.exit_code != 0) {
            std::filesystem::create_directories(dir.path() + "/none");
            made = run_pgsafe({"migrate", dir.path() + "/none", "--db", db.dsn(), "--config", config});
        }
        INFO(made.err);
        REQUIRE(made.exit_code == 0);
        exec(db.dsn(), "GRANT USAGE ON SCHEMA pgsafe TO " + deployer +
                           "; GRANT SELECT ON ALL TABLES IN SCHEMA pgsafe TO " + deployer +
                           "; GRANT INSERT, UPDATE ON pgsafe.migrations, pgsafe.steps, pgsafe.events TO " +
                           deployer + "; GRANT DELETE ON pgsafe.steps TO " + deployer +
                           "; GRANT USAGE ON ALL SEQUENCES IN SCHEMA pgsafe TO " + deployer);
    }

    std::string policy_text(const std::string& extra = "") const {
        return "[access]\nrun = [\"" + deployer + "\"]\napprove = [\"" + dba + "\"]\nbreak_glass = [\"" +
               oncall + "\"]\n" + extra + "[approval]\nrequired_for = [\"high\"]\n";
    }
    void write_policy(const std::string& text) const { dir.write("policies/production.toml", text); }
    void add(const std::string& file, const std::string& sql) const { dir.write("migrations/" + file, sql); }

    ProcessResult migrate(const std::string& role, std::vector<std::string> extra = {}) const {
        return migrate_with(as_role(db.dsn(), role), std::move(extra));
    }
    ProcessResult migrate_with(const std::string& dsn, std::vector<std::string> extra = {}) const {
        std::vector<std::string> args = {"migrate", migrations, "--db",       dsn,        "--config",
                                         config,    "--env",    "production", "--format", "json"};
        args.insert(args.end(), extra.begin(), extra.end());
        return run_pgsafe(args);
    }

    std::string checksum(const std::string& version) const {
        ProcessResult plan = run_pgsafe({"plan", migrations, "--config", config, "--format", "json"});
        json parsed = json::parse(plan.out);  // kept: the loop reads into it
        for (const auto& m : parsed["migrations"])
            if (m["version"] == version) return m["checksum"];
        return "";
    }

    void approve(const std::string& approver, const std::string& version, const std::string& checksum) const {
        exec(db.dsn(), "INSERT INTO pgsafe.approvals (version, checksum, approver, reason) VALUES ('" +
                           version + "', '" + checksum + "', '" + approver + "', 'reviewed')");
    }

    // The reason codes of the last refusal, as pgsafe.events records them.
    std::vector<std::string> codes(const ProcessResult& r) const {
        INFO(r.out << r.err);
        CHECK(r.exit_code == 5);
        std::string list = value(db.dsn(),
                                 "SELECT string_agg(x.r ->> 'code', ',' ORDER BY x.n) FROM (SELECT detail "
                                 "FROM pgsafe.events WHERE kind = 'refused' ORDER BY id DESC LIMIT 1) e, "
                                 "jsonb_array_elements(e.detail -> 'reasons') WITH ORDINALITY x(r, n)");
        std::vector<std::string> out;
        for (std::size_t start = 0; start < list.size();) {
            std::size_t comma = std::min(list.find(',', start), list.size());
            out.push_back(list.substr(start, comma - start));
            start = comma + 1;
        }
        return out;
    }

    std::string refusals() const {
        return value(db.dsn(),
                     "SELECT string_agg(r ->> 'code', ',' ORDER BY r ->> 'code') FROM pgsafe.events e, "
                     "jsonb_array_elements(e.detail -> 'reasons') r WHERE e.kind = 'refused'");
    }
    bool table_exists(const std::string& name) const {
        return value(db.dsn(), "SELECT to_regclass('public." + name + "') IS NOT NULL") == "t";
    }
};

}  // namespace

TEST_CASE("policy gate: an approver's approval unlocks a high-risk migration; editing the file voids it",
          "[policy]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    Setup s(*db);
    s.add("V2__drop.sql", k_high_risk);

    ProcessResult refused = s.migrate(s.deployer);
    CHECK(refused.exit_code == 5);
    CHECK(s.codes(refused) == std::vector<std::string>{"needs-approval"});
    CHECK(refused.out.find("pgsafe approve 2 --env production") != std::string::npos);
    CHECK(s.table_exists("fine"));  // the earlier migration ran and is recorded
    CHECK(value(db->dsn(), "SELECT count(*) FROM pgsafe.migrations WHERE version = '2'") == "0");
    CHECK(s.refusals() == "needs-approval");

    s.approve(s.alice, "2", "not-the-checksum");  // approved an earlier edit of the file
    CHECK(s.migrate(s.deployer).exit_code == 5);

    s.approve(s.deployer, "2", s.checksum("2"));  // four-eyes: the runner's own approval
    CHECK(s.migrate(s.deployer).exit_code == 5);

    s.approve(s.alice, "2", s.checksum("2"));
    ProcessResult ran = s.migrate(s.deployer);
    INFO(ran.out << ran.err
                 << value(db->dsn(),
                          "SELECT string_agg(approver || ' ' || checksum, '; ') FROM "
                          "pgsafe.approvals")
                 << " file " << s.checksum("2"));
    CHECK(ran.exit_code == 0);
    CHECK(value(db->dsn(), "SELECT state FROM pgsafe.migrations WHERE version = '2'") == "applied");
    CHECK_FALSE(s.table_exists("legacy"));
}

TEST_CASE("policy gate: an approver removed from the role stops counting", "[policy]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    Setup s(*db);
    s.add("V2__drop.sql", k_high_risk);
    s.approve(s.alice, "2", s.checksum("2"));
    exec(db->dsn(), "REVOKE " + s.dba + " FROM " + s.alice);
    ProcessResult r = s.migrate(s.deployer);
    CHECK(r.exit_code == 5);
    CHECK(s.codes(r) == std::vector<std::string>{"needs-approval"});
}

TEST_CASE("policy gate: who may run, superusers and forgeable approvals", "[policy]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    Setup s(*db);
    // plan --db judges as migrate would, with the identity the database vouches for.
    auto verdict_codes = [&](const std::string& role) {
        ProcessResult r = run_pgsafe({"plan", s.migrations, "--db", as_role(db->dsn(), role), "--config",
                                      s.config, "--env", "production", "--format", "json"});
        INFO(r.out << r.err);
        std::vector<std::string> out;
        json parsed = json::parse(r.out);
        for (const auto& reason : parsed["migrations"][0]["verdict"]["reasons"])
            out.push_back(reason["code"]);
        return out;
    };
    std::string dev = s.roles.make("dev");
    // A developer who may read the tracking schema (without it, plan names the
    // schema's owner and the fix: the policy-db tests) but may not run.
    exec(db->dsn(), "GRANT USAGE ON SCHEMA pgsafe TO " + dev +
                        "; GRANT SELECT ON ALL TABLES IN SCHEMA pgsafe TO " + dev);
    CHECK(verdict_codes(dev) == std::vector<std::string>{"not-allowed-to-run"});
    CHECK(verdict_codes(s.deployer).empty());
    std::string admin = value(db->dsn(), "SELECT current_user");  // a superuser
    CHECK(verdict_codes(admin) == std::vector<std::string>{"superuser"});

    s.add("V2__drop.sql", k_high_risk);
    s.approve(s.alice, "2", s.checksum("2"));
    exec(db->dsn(), "GRANT INSERT ON pgsafe.approvals TO " + s.deployer);
    ProcessResult forge = s.migrate(s.deployer);
    CHECK(s.codes(forge) == std::vector<std::string>{"approvals-forgeable"});
    CHECK(s.table_exists("fine"));  // low risk: no approvals needed, so it ran
    CHECK(s.table_exists("legacy"));

    s.write_policy("[access]\nrun = [\"" + s.deployer + "\", \"" + db->name() + "_nobody\"]\n");
    ProcessResult unknown = s.migrate(s.deployer);
    CHECK(unknown.exit_code == 2);
    CHECK(unknown.err.find("role \"" + db->name() +
                           "_nobody\" named by \"run\" in [access] does not exist") != std::string::npos);
}

TEST_CASE("policy gate: break-glass overrides missing approvals for its members, recorded", "[policy]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    Setup s(*db);
    s.add("V2__drop.sql", k_high_risk);
    // Not a member of [access] break_glass: refused at the first migration, even a low-risk one.
    CHECK(s.codes(s.migrate(s.deployer, {"--break-glass", "outage"})) ==
          std::vector<std::string>{"not-allowed-to-run"});
    exec(db->dsn(), "GRANT " + s.oncall + " TO " + s.deployer);
    ProcessResult r = s.migrate(s.deployer, {"--break-glass", "outage 42"});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK(value(db->dsn(), "SELECT detail ->> 'reason' FROM pgsafe.events WHERE kind = 'break-glass'") ==
          "outage 42");
    CHECK(value(db->dsn(),
                "SELECT detail -> 'overridden' ->> 0 FROM pgsafe.events WHERE kind = 'break-glass'") ==
          "needs-approval");
}

TEST_CASE("policy gate: the stored policy and environment win over the runner's files and flags",
          "[policy]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    Setup s(*db);
    // What `pgsafe init --env production` stores (the table is policy-db's; made here as its owner would).
    exec(db->dsn(), R"(CREATE TABLE IF NOT EXISTS pgsafe.environment (
        singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton), name text NOT NULL, policy text NOT NULL,
        checksum text NOT NULL, stored_at timestamptz NOT NULL DEFAULT now(),
        stored_by text NOT NULL DEFAULT session_user))");
    pqxx::connection c(db->dsn());
    pqxx::work w(c);
    w.exec_params("INSERT INTO pgsafe.environment (name, policy, checksum) VALUES ('production', $1, 'x')",
                  s.policy_text());
    w.exec("GRANT SELECT ON pgsafe.environment TO " + s.deployer);
    w.commit();
    s.add("V2__drop.sql", k_high_risk);

    s.write_policy("[access]\n");  // the deploy role's local copy, loosened
    ProcessResult local = s.migrate(s.deployer);
    CHECK(local.exit_code == 5);
    CHECK(s.codes(local) == std::vector<std::string>{"needs-approval"});
    CHECK(local.err.find("differs from the policy stored in the database") != std::string::npos);

    s.dir.write("policies/development.toml", "");
    ProcessResult other = run_pgsafe({"migrate", s.migrations, "--db", as_role(db->dsn(), s.deployer),
                                      "--config", s.config, "--env", "development", "--format", "json"});
    CHECK(other.exit_code == 5);
    CHECK(s.codes(other) == std::vector<std::string>{"wrong-environment"});
    CHECK(other.out.find("initialised as environment") != std::string::npos);
    CHECK(s.table_exists("legacy"));
    CHECK(s.refusals().find("wrong-environment") != std::string::npos);
}

// pgsafe's own SQL names pg_catalog's functions and reads in sessions whose
// search_path is pg_catalog alone (BUG 1 of the adversarial test): a function
// in public never runs in their place, whoever made it and whatever the run
// role's search_path.
TEST_CASE("policy gate: a function another role made in public never runs for pgsafe's checks", "[policy]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    Setup s(*db);
    s.add("V2__drop.sql", k_high_risk);
    s.approve(s.alice, "2", s.checksum("2"));
    exec(db->dsn(), "REVOKE " + s.dba + " FROM " + s.alice);  // her approval stops counting
    // A role with CREATE on public (every role's, in a database from before PostgreSQL 15):
    // pg_has_role(text, text, text) matches the approver's text column better than pg_catalog's.
    std::string mallory = s.roles.make("mallory");
    exec(db->dsn(), "GRANT CREATE ON SCHEMA public TO " + mallory);
    exec(as_role(db->dsn(), mallory), R"sql(
CREATE TABLE public.loot (sess text, cur text, what text);
GRANT INSERT ON public.loot TO PUBLIC;
CREATE FUNCTION public.pg_has_role(text, text, text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO public.loot VALUES (session_user, current_user, $1 || ' ' || $2);
    RETURN true;
END $$;
-- Operators too, where an operand is not of the exact type of pg_catalog's: on the work
-- session, which keeps the user's search_path, pgsafe's tracking writes and lock checks.
CREATE FUNCTION public.times(numeric, integer) RETURNS numeric LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO public.loot VALUES (session_user, current_user, 'numeric * integer');
    RETURN $1 OPERATOR(pg_catalog.*) $2;
END $$;
CREATE OPERATOR public.* (leftarg = numeric, rightarg = integer, function = public.times);
CREATE FUNCTION public.oid_is(oid, bigint) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO public.loot VALUES (session_user, current_user, 'oid = bigint');
    RETURN $1 OPERATOR(pg_catalog.=) $2::pg_catalog.oid;
END $$;
CREATE OPERATOR public.= (leftarg = oid, rightarg = bigint, function = public.oid_is);
CREATE FUNCTION public.oid_is(oid, integer) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO public.loot VALUES (session_user, current_user, 'oid = integer');
    RETURN $1 OPERATOR(pg_catalog.=) $2::pg_catalog.oid;
END $$;
CREATE OPERATOR public.= (leftarg = oid, rightarg = integer, function = public.oid_is);
)sql");
    ProcessResult r = s.migrate(s.deployer);
    CHECK(s.codes(r) == std::vector<std::string>{"needs-approval"});
    CHECK(value(db->dsn(), "SELECT string_agg(DISTINCT what, '; ') FROM public.loot") == "");
    CHECK(s.table_exists("fine"));  // V1 ran, on the work session
    CHECK(s.table_exists("legacy"));
}

TEST_CASE("policy gate: a run role's own search_path does not make it a member of break_glass", "[policy]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    Setup s(*db);
    s.add("V2__drop.sql", k_high_risk);
    exec(as_role(db->dsn(), s.deployer),
         "CREATE FUNCTION public.pg_has_role(name, oid, text) RETURNS boolean LANGUAGE sql AS 'SELECT true'");
    ProcessResult r = s.migrate_with(with_search_path(as_role(db->dsn(), s.deployer), "public,pg_catalog"),
                                     {"--break-glass", "outage"});
    CHECK(s.codes(r) == std::vector<std::string>{"not-allowed-to-run"});
    CHECK(s.table_exists("legacy"));
    CHECK(value(db->dsn(), "SELECT count(*) FROM pgsafe.events WHERE kind = 'break-glass'") == "0");
}

TEST_CASE("policy gate: approvals the run role can write count as forgeable, however it hides that",
          "[policy]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    Setup s(*db);
    s.add("V2__drop.sql", k_high_risk);
    const std::string deployer = as_role(db->dsn(), s.deployer);
    SECTION("a shadowed has_table_privilege") {
        exec(db->dsn(), "GRANT INSERT ON pgsafe.approvals TO " + s.deployer);
        exec(deployer, R"sql(
CREATE FUNCTION public.has_table_privilege(u name, o oid, p text) RETURNS boolean LANGUAGE sql AS
$$ SELECT CASE WHEN p LIKE 'INSERT%' THEN false ELSE pg_catalog.has_table_privilege(u, o, p) END $$;
CREATE FUNCTION public.has_any_column_privilege(u name, o oid, p text) RETURNS boolean LANGUAGE sql AS
$$ SELECT false $$;
)sql");
    }
    SECTION("INSERT granted on the columns, not on the table") {
        exec(db->dsn(),
             "GRANT INSERT (version, checksum, approver, reason, expires_at) ON pgsafe.approvals TO " +
                 s.deployer);
    }
    // The approval a DBA never gave, written by the run role itself.
    exec(deployer, "INSERT INTO pgsafe.approvals (version, checksum, approver, reason) VALUES ('2', '" +
                       s.checksum("2") + "', '" + s.alice + "', 'lgtm')");
    ProcessResult r = s.migrate_with(with_search_path(deployer, "public,pg_catalog"));
    CHECK(s.codes(r) == std::vector<std::string>{"approvals-forgeable"});
    CHECK(s.table_exists("legacy"));
}
