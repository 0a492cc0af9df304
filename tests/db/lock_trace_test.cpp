// The lock model against a real PostgreSQL 15: every statement form in
// tests/db/lock_trace/*.sql runs on the server, and the mode the server holds
// on each relation the model names must be the mode the model says.

#include "test_db.hpp"

#include "pgsafe/analysis/effects.hpp"
#include "pgsafe/source/migration.hpp"
#include "pgsafe/sql/parse.hpp"
#include "pgsafe/sql/position.hpp"
#include "pgsafe/trace/model_check.hpp"

#include <catch2/catch.hpp>
#include <pqxx/pqxx>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace fs = std::filesystem;
using pgsafe::analysis::Effects;
using pgsafe::sql::LockMode;

namespace {

struct TraceCase {
    std::string where;  // file:line, for messages
    std::string sql;
    std::string blocker;  // run first in an open transaction, for statements that cannot run in one
    Effects model;
};

struct Fixture {
    std::string path;
    std::string setup;
    std::vector<TraceCase> cases;
};

constexpr const char* k_cases_marker = "\n-- cases\n";

std::string trim(std::string s) {
    s.erase(0, s.find_first_not_of(" \t"));
    s.erase(s.find_last_not_of(" \t\r\n") + 1);
    return s;
}

// The `-- blocker: …` comment between the previous statement and this one.
std::string blocker_for(const pgsafe::sql::ParsedFile& parsed, size_t from, size_t to) {
    for (const auto& comment : parsed.comments) {
        if (comment.span.begin < from || comment.span.end > to) continue;
        std::string text = trim(comment.text);
        if (text.rfind("blocker:", 0) == 0) return trim(text.substr(8));
    }
    return {};
}

Fixture load_fixture(const fs::path& path) {
    Fixture fixture;
    fixture.path = path.filename().string();
    std::string text = pgsafe::source::read_file(path);
    size_t marker = text.find(k_cases_marker);
    REQUIRE(marker != std::string::npos);
    fixture.setup = text.substr(0, marker);

    pgsafe::sql::ParsedFile parsed = pgsafe::sql::parse_sql(text);
    REQUIRE(parsed.ok());
    pgsafe::sql::LineIndex lines(parsed.text);
    size_t previous_end = marker;
    for (const auto& statement : parsed.statements) {
        if (statement.span.begin < marker) continue;
        TraceCase c;
        c.where = fixture.path + ":" + std::to_string(lines.position(statement.span.begin).line);
        c.sql = text.substr(statement.span.begin, statement.span.end - statement.span.begin);
        c.blocker = blocker_for(parsed, previous_end, statement.span.begin);
        c.model = pgsafe::analysis::statement_effects(statement);
        fixture.cases.push_back(std::move(c));
        previous_end = statement.span.end;
    }
    return fixture;
}

std::vector<Fixture> load_fixtures() {
    std::vector<fs::path> paths;
    for (const auto& entry : fs::directory_iterator(fs::path(PGSAFE_SOURCE_DIR) / "tests/db/lock_trace")) {
        if (entry.path().extension() == ".sql") paths.push_back(entry.path());
    }
    std::sort(paths.begin(), paths.end());
    std::vector<Fixture> fixtures;
    for (const auto& path : paths) fixtures.push_back(load_fixture(path));
    return fixtures;
}

// ---- what the server holds -----------------------------------------------------

using Oid = long long;

std::string regclass_literal(pqxx::transaction_base& tx, const pgsafe::sql::RelationName& r) {
    std::string name = "quote_ident(" + tx.quote(r.name) + ")";
    if (!r.schema.empty()) name = "quote_ident(" + tx.quote(r.schema) + ") || '.' || " + name;
    return "to_regclass(" + name + ")::oid";
}

std::optional<Oid> resolve(pqxx::transaction_base& tx, const pgsafe::sql::RelationName& r) {
    pqxx::row row = tx.exec1("SELECT " + regclass_literal(tx, r));
    if (row[0].is_null()) return std::nullopt;
    return row[0].as<Oid>();
}

struct HeldLock {
    Oid oid;
    LockMode mode;
    bool user_relation;  // a table, view, matview or foreign table outside the system schemas
};

// The relation locks of one backend, granted or (when it waits) requested.
std::vector<HeldLock> relation_locks(pqxx::transaction_base& tx, const std::string& pid_expr,
                                     bool granted_only) {
    pqxx::result rows = tx.exec(
        "SELECT l.relation::bigint, l.mode, "
        "       coalesce(c.relkind IN ('r','p','m','v','f') "
        "                AND n.nspname NOT IN ('pg_catalog','pg_toast','information_schema'), false) "
        // LEFT JOIN: a relation the statement dropped has no pg_class row any more.
        "FROM pg_locks l LEFT JOIN pg_class c ON c.oid = l.relation "
        "LEFT JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE l.locktype = 'relation' AND l.pid = " +
        pid_expr + " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())" +
        (granted_only ? " AND l.granted" : ""));
    std::vector<HeldLock> out;
    for (const auto& row : rows) {
        auto mode = pgsafe::sql::lock_mode_from_name(row[1].as<std::string>());
        REQUIRE(mode);
        out.push_back({row[0].as<Oid>(), *mode, row[2].as<bool>()});
    }
    return out;
}

// The model's relations by OID: resolved before the statement (it may drop or
// rename them), else after it (it created them).
using Resolved = std::map<std::string, Oid>;  // qualified name -> oid

std::set<Oid> existing_relations(pqxx::transaction_base& tx) {
    std::set<Oid> out;
    for (const auto& row : tx.exec("SELECT oid::bigint FROM pg_class")) out.insert(row[0].as<Oid>());
    return out;
}

void resolve_missing(pqxx::transaction_base& tx, const Effects& model, Resolved& out) {
    for (const auto& lock : model.locks) {
        if (lock.relation.empty() || out.count(lock.relation.qualified())) continue;
        if (auto oid = resolve(tx, lock.relation)) out[lock.relation.qualified()] = *oid;
    }
}

// The product's model check (pgsafe trace's model-mismatch): per relation the
// model names, the server's strongest mode must be the model's; the model's
// unnamed lock is compared with the strongest lock on the user relations it
// does not name and that existed before the statement; "no table lock" means
// none on a user relation that existed. Each case runs alone in a fresh
// transaction, so nothing was held before it.
int compare(const TraceCase& c, const std::set<Oid>& existed, const Resolved& all,
            const std::vector<HeldLock>& held) {
    pgsafe::trace::ModelObservation seen;
    seen.resolved = all;
    seen.existed = existed;
    for (const auto& h : held) {
        if (h.user_relation) seen.user_relations.insert(h.oid);
        seen.after[h.oid] = std::max(seen.after[h.oid], h.mode);
    }
    pgsafe::trace::ModelCheck check = pgsafe::trace::check_model(c.model, seen);
    INFO(c.where << ": " << c.sql);
    INFO("model: " << check.model);
    CHECK(check.unresolved.empty());
    for (const auto& disagreement : check.disagreements) {
        INFO(disagreement);
        CHECK(disagreement.empty());
    }
    return static_cast<int>(check.disagreements.size() + check.unresolved.size());
}

// ---- the two ways of tracing ----------------------------------------------------

void run_setup(const std::string& dsn, const std::string& setup) {
    pqxx::connection conn(dsn);
    pqxx::nontransaction tx(conn);
    tx.exec(setup);
}

// BEGIN; statement; read pg_locks; ROLLBACK.
int trace_in_transaction(const std::string& dsn, const TraceCase& c) {
    pqxx::connection conn(dsn);
    Resolved before;
    std::set<Oid> existed;
    {
        pqxx::nontransaction tx(conn);
        resolve_missing(tx, c.model, before);
        existed = existing_relations(tx);
    }
    pqxx::work tx(conn);
    try {
        tx.exec(c.sql);
    } catch (const pqxx::sql_error& e) {
        FAIL(c.where << ": the server rejected the statement: " << e.what());
    }
    Resolved all = before;
    resolve_missing(tx, c.model, all);
    std::vector<HeldLock> held = relation_locks(tx, "pg_backend_pid()", true);
    tx.abort();
    return compare(c, existed, all, held);
}

// The server refuses the statement in a transaction block, as the model says.
void check_refused_in_transaction(const std::string& dsn, const TraceCase& c) {
    pqxx::connection conn(dsn);
    pqxx::work tx(conn);
    std::string sqlstate;
    try {
        tx.exec(c.sql);
    } catch (const pqxx::sql_error& e) {
        sqlstate = e.sqlstate();
    }
    INFO(c.where << ": " << c.sql);
    CHECK(sqlstate == "25001");
}

// A third connection runs the blocker in an open transaction; the statement
// runs from a second one and waits; meanwhile we read its locks from pg_locks.
int trace_while_waiting(const std::string& dsn, const TraceCase& c) {
    INFO(c.where << ": " << c.sql);
    REQUIRE_FALSE(c.blocker.empty());  // a statement that cannot run in a transaction needs a blocker
    pqxx::connection holder(dsn), runner(dsn), observer(dsn);
    Resolved before;
    std::set<Oid> existed;
    std::string runner_pid;
    {
        pqxx::nontransaction tx(observer);
        resolve_missing(tx, c.model, before);
        existed = existing_relations(tx);
    }
    {
        pqxx::nontransaction tx(runner);
        runner_pid = tx.exec1("SELECT pg_backend_pid()")[0].as<std::string>();
    }
    pqxx::work hold(holder);
    hold.exec(c.blocker);

    std::atomic<bool> done{false};
    std::string error;
    std::thread statement([&] {
        try {
            pqxx::nontransaction tx(runner);
            tx.exec(c.sql);
        } catch (const std::exception& e) {
            error = e.what();
        }
        done = true;
    });

    bool waited = false;
    std::vector<HeldLock> held;
    for (int i = 0; i < 500 && !done; ++i) {
        pqxx::nontransaction tx(observer);
        if (tx.exec1("SELECT count(*) FROM pg_locks WHERE NOT granted AND pid = " + runner_pid)[0].as<int>() >
            0) {
            waited = true;
            held = relation_locks(tx, runner_pid, false);
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    hold.abort();
    statement.join();
    CHECK(error.empty());
    CHECK(waited);
    if (!waited) return 1;
    Resolved all = before;
    {
        pqxx::nontransaction tx(observer);
        resolve_missing(tx, c.model, all);
    }
    return compare(c, existed, all, held);
}

}  // namespace

TEST_CASE("the lock model matches the locks PostgreSQL takes", "[db][lock-trace]") {
    auto admin = pgsafe::test::admin_dsn();
    if (!admin) return;
    std::vector<Fixture> fixtures = load_fixtures();

    size_t forms = 0;
    size_t outside = 0;
    int disagreements = 0;
    for (const auto& fixture : fixtures) {
        for (const auto& c : fixture.cases) {
            ++forms;
            pgsafe::test::ScratchDatabase db(*admin);
            run_setup(db.dsn(), fixture.setup);
            INFO(c.where << ": " << c.sql);
            CHECK_FALSE(c.model.unknown);
            if (c.model.outside_transaction) {
                ++outside;
                check_refused_in_transaction(db.dsn(), c);
                disagreements += trace_while_waiting(db.dsn(), c);
            } else {
                disagreements += trace_in_transaction(db.dsn(), c);
            }
        }
    }
    WARN(forms << " statement forms traced (" << outside << " outside a transaction), " << disagreements
               << " disagreements");
    CHECK(forms >= 30);
    CHECK(outside >= 5);
}
