// The static lock model against the server over every rule fixture
// (tests/rules/*/*.sql), as `pgsafe trace` checks it: each fixture runs on
// its own copy of tests/db/trace_fixtures/rules_schema.sql, after its setup
// file (trace_fixtures/setup/<rule>/<fixture>.sql) when it has one,
// statement by statement as psql runs it, and every statement is compared
// with the model. Every statement of every fixture runs, except those listed
// with why in trace_fixtures/cannot_run.txt; the rewrite fixtures
// (tests/plan) are checked by trace_test.cpp's --plan test.

#include "test_db.hpp"

#include "pgsafe/db/connection.hpp"
#include "pgsafe/db/conninfo.hpp"
#include "pgsafe/error.hpp"
#include "pgsafe/source/migration.hpp"
#include "pgsafe/sql/position.hpp"
#include "pgsafe/trace/trace.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <unistd.h>

using namespace pgsafe;
namespace fs = std::filesystem;

namespace {

const fs::path k_fixtures = fs::path(PGSAFE_SOURCE_DIR) / "tests/db/trace_fixtures";

std::string shown(const fs::path& path) {
    return path.lexically_relative(PGSAFE_SOURCE_DIR).string();
}

// "path:line why" lines (# comments) -> why, by "path:line".
std::map<std::string, std::string> read_list(const fs::path& file) {
    std::map<std::string, std::string> out;
    std::string text = source::read_file(file);
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        std::string line = text.substr(start, end - start);
        start = end + 1;
        if (line.empty() || line[0] == '#') continue;
        auto space = line.find(' ');
        out[line.substr(0, space)] = space == std::string::npos ? "" : line.substr(space + 1);
    }
    return out;
}

// Runs each statement of `text` on its own, as psql -f does.
void run_statements(const std::string& dsn, const std::string& text, const std::string& where) {
    sql::ParsedFile parsed = sql::parse_sql(text, {sql::KeepTree::No});
    INFO(where);
    REQUIRE(parsed.ok());
    db::Connection connection(dsn);
    for (const auto& s : parsed.statements)
        connection.execute(text.substr(s.span.begin, s.span.end - s.span.begin), where);
}

// What belongs to the server rather than to a database, made when missing
// and dropped afterwards: the roles, tablespace and database the fixtures name.
class ServerObjects {
public:
    explicit ServerObjects(std::string admin) : m_admin(std::move(admin)) {
        for (const char* role : {"reporting", "app"}) {
            if (test::value(m_admin, std::string("SELECT 1 FROM pg_roles WHERE rolname = '") + role + "'")
                    .empty())
                made("CREATE ROLE " + std::string(role) + " NOLOGIN", "DROP ROLE " + std::string(role));
        }
        if (test::value(m_admin, "SELECT 1 FROM pg_tablespace WHERE spcname = 'fast_disk'").empty()) {
            // A tablespace in the data directory: no directory of our own to make.
            db::Connection connection(m_admin);
            connection.execute("SET allow_in_place_tablespaces = on", "allowing in-place tablespaces");
            connection.execute("CREATE TABLESPACE fast_disk LOCATION ''", "creating a tablespace");
            m_undo.push_back("DROP TABLESPACE fast_disk");
        }
        if (test::value(m_admin, "SELECT 1 FROM pg_database WHERE datname = 'app'").empty())
            made("CREATE DATABASE app", "DROP DATABASE app WITH (FORCE)");
    }
    ~ServerObjects() {
        for (auto it = m_undo.rbegin(); it != m_undo.rend(); ++it) {
            try {
                test::exec(m_admin, *it);
            } catch (const std::exception& e) {
                WARN("cleaning up: " << e.what());
            }
        }
    }
    ServerObjects(const ServerObjects&) = delete;
    ServerObjects& operator=(const ServerObjects&) = delete;

private:
    void made(const std::string& sql, const std::string& undo) {
        test::exec(m_admin, sql);
        m_undo.push_back(undo);
    }
    std::string m_admin;
    std::vector<std::string> m_undo;
};

// A copy of the template (FILE_COPY: much faster than the default with fsync
// off), dropped at scope end; named `name` when the fixture needs a name.
class FixtureDatabase {
public:
    FixtureDatabase(const std::string& admin, const std::string& template_name, std::string name)
        : m_admin(admin), m_name(std::move(name)) {
        static std::atomic<int> counter{0};
        if (m_name.empty())
            m_name = "pgsafe_model_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
        else
            test::exec(m_admin, "DROP DATABASE IF EXISTS " + m_name + " WITH (FORCE)");
        test::exec(m_admin,
                   "CREATE DATABASE " + m_name + " TEMPLATE " + template_name + " STRATEGY FILE_COPY");
    }
    ~FixtureDatabase() {
        try {
            test::exec(m_admin, "DROP DATABASE IF EXISTS " + m_name + " WITH (FORCE)");
        } catch (const std::exception&) {
        }
    }
    FixtureDatabase(const FixtureDatabase&) = delete;
    FixtureDatabase& operator=(const FixtureDatabase&) = delete;
    std::string dsn() const { return db::conninfo_with_database(m_admin, m_name); }

private:
    std::string m_admin;
    std::string m_name;
};

struct Tally {
    int files = 0;
    int statements = 0;
    int agreed = 0;
    int unobserved = 0;
    int no_model = 0;
    std::set<std::string> mismatches;  // "path:line"; the known gaps unobserved too
    std::set<std::string> not_run;     // "path:line": failed, did not parse, or after a failure
};

// The statements after `line` that the trace never reached (BEGIN, COMMIT
// and the like left out: they only mark transactions).
std::vector<int> lines_after(const sql::ParsedFile& parsed, int line) {
    sql::LineIndex lines(parsed.text);
    std::vector<int> out;
    for (const auto& s : parsed.statements) {
        int at = static_cast<int>(lines.position(s.span.begin).line);
        if (at > line && !std::holds_alternative<sql::Transaction>(s.detail)) out.push_back(at);
    }
    return out;
}

// The statements that do something (BEGIN, COMMIT and the like left out).
int statement_count(const sql::ParsedFile& parsed) {
    return static_cast<int>(
        std::count_if(parsed.statements.begin(), parsed.statements.end(),
                      [](const auto& s) { return !std::holds_alternative<sql::Transaction>(s.detail); }));
}

void check_fixture(const std::string& admin, const std::string& template_name, const fs::path& path,
                   const std::set<std::string>& known_gaps, Tally& tally) {
    ++tally.files;
    std::string where = shown(path);
    std::string text = source::read_file(path);
    trace::MigrationToTrace m{"1", "fixture", where, sql::parse_sql(text), std::nullopt};
    if (!m.parsed.ok()) {  // the syntax-error fixtures: pgsafe trace refuses them before anything runs
        sql::LineIndex lines(text);
        tally.not_run.insert(where + ":" + std::to_string(lines.position(m.parsed.errors.at(0).offset).line));
        return;
    }
    fs::path setup_file =
        k_fixtures / "setup" / path.lexically_relative(fs::path(PGSAFE_SOURCE_DIR) / "tests/rules");
    std::string setup = fs::exists(setup_file) ? source::read_file(setup_file) : "";
    std::string name;
    constexpr std::string_view directive = "-- database: ";
    if (setup.compare(0, directive.size(), directive) == 0)
        name = setup.substr(directive.size(), setup.find('\n') - directive.size());
    trace::TraceReport report;
    try {
        // One statement and no setup: in a transaction rolled back on the
        // template itself, as it runs in psql's autocommit (faster than a copy).
        if (!setup.empty() || statement_count(m.parsed) != 1) throw Error(ErrorKind::Usage, "needs a copy");
        trace::TraceOptions rollback;
        rollback.ending = trace::Ending::Rollback;
        report =
            trace::trace_migrations({m}, {db::conninfo_with_database(admin, template_name), ""}, rollback);
    } catch (const Error& e) {  // Usage: it needs a copy, or cannot run in a transaction
        if (e.kind() != ErrorKind::Usage) throw;
        FixtureDatabase copy(admin, template_name, name);
        if (!setup.empty()) run_statements(copy.dsn(), setup, shown(setup_file));
        report = trace::trace_migrations({m}, {copy.dsn(), ""}, {});
    }
    const trace::TracedRun& run = report.migrations.at(0).original;
    if (run.failure) {
        tally.not_run.insert(where + ":" + std::to_string(run.failure->line));
        for (int line : lines_after(m.parsed, run.failure->line))
            tally.not_run.insert(where + ":" + std::to_string(line));
        UNSCOPED_INFO(where << ":" << run.failure->line << ": " << run.failure->message << " (SQLSTATE "
                            << run.failure->sqlstate << ")");
    }
    for (const auto& s : run.statements) {
        ++tally.statements;
        std::string at = where + ":" + std::to_string(s.line);
        switch (s.model.verdict) {
            case trace::ModelVerdict::Agrees:
                ++tally.agreed;
                // A gap traced from outside a transaction is sampled while it runs: it may
                // end before a lock was seen (unobserved), or show none the model names (agrees).
                if (known_gaps.count(at) && !s.transactional) tally.mismatches.insert(at);
                break;
            case trace::ModelVerdict::Unobserved:
                ++tally.unobserved;
                if (known_gaps.count(at)) tally.mismatches.insert(at);
                break;
            case trace::ModelVerdict::NoModel: ++tally.no_model; break;
            case trace::ModelVerdict::Mismatch:
                tally.mismatches.insert(at);
                if (!known_gaps.count(at)) {
                    std::string disagreements;
                    for (const auto& d : s.model.disagreements) disagreements += "\n  " + d;
                    FAIL_CHECK("model-mismatch at " << at << ": " << s.sql << "\nmodel: " << s.model.model
                                                    << disagreements);
                }
                break;
        }
    }
}

std::set<std::string> keys(const std::map<std::string, std::string>& list) {
    std::set<std::string> out;
    for (const auto& [key, why] : list) out.insert(key);
    return out;
}

}  // namespace

TEST_CASE("the lock model agrees with the server on every statement of every rule fixture",
          "[db][trace][model]") {
    auto admin = test::admin_dsn();
    if (!admin) return;
    ServerObjects server(*admin);
    test::ScratchDatabase rules(*admin);
    run_statements(rules.dsn(), source::read_file(k_fixtures / "rules_schema.sql"), "rules_schema.sql");

    std::vector<fs::path> paths;
    for (const auto& entry : fs::recursive_directory_iterator(fs::path(PGSAFE_SOURCE_DIR) / "tests/rules")) {
        if (entry.path().extension() == ".sql") paths.push_back(entry.path());
    }
    std::sort(paths.begin(), paths.end());
    std::map<std::string, std::string> gaps = read_list(k_fixtures / "known_model_gaps.txt");
    std::map<std::string, std::string> cannot_run = read_list(k_fixtures / "cannot_run.txt");
    Tally tally;
    for (const auto& path : paths) check_fixture(*admin, rules.name(), path, keys(gaps), tally);
    WARN(tally.statements << " statements traced in " << tally.files << " fixtures: " << tally.agreed
                          << " agree, " << tally.unobserved
                          << " too short to observe from outside a transaction, " << tally.no_model
                          << " without a lock model, " << tally.mismatches.size() << " known gaps; "
                          << tally.not_run.size() << " statements cannot run (cannot_run.txt)");
    // Every statement ran but those listed: a fixture that now runs further, or stops
    // elsewhere, needs cannot_run.txt (or its setup file) brought up to date.
    CHECK(tally.not_run == keys(cannot_run));
    // A gap fixed in the model (the statement agrees): remove it from known_model_gaps.txt.
    CHECK(tally.mismatches == keys(gaps));
    CHECK(tally.files == static_cast<int>(paths.size()));
    CHECK(tally.files >= 200);

    // A setup file of a fixture that no longer exists is stale.
    for (const auto& entry : fs::recursive_directory_iterator(k_fixtures / "setup")) {
        if (!entry.is_regular_file()) continue;
        fs::path fixture = fs::path(PGSAFE_SOURCE_DIR) / "tests/rules" /
                           entry.path().lexically_relative(k_fixtures / "setup");
        INFO("setup file without a fixture: " << shown(entry.path()));
        CHECK(fs::exists(fixture));
    }
}
