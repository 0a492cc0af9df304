// The planner's rewrites against a real PostgreSQL: for every fixture under
// tests/plan/, the planned steps leave the same schema (and rows) as the file
// as written, every constraint and index VALID; and the online steps (VALIDATE,
// CONCURRENTLY) let a second connection keep writing the table while they run.

#include "plan_fixture.hpp"
#include "run_as_written.hpp"
#include "test_db.hpp"

#include "runner/batch_loop.hpp"

#include "pgsafe/db/connection.hpp"
#include "pgsafe/plan/plan.hpp"
#include "pgsafe/report/plan_report.hpp"
#include "pgsafe/source/migration.hpp"
#include "pgsafe/trace/catalog.hpp"

#include <fmt/format.h>
#include <catch2/catch.hpp>
#include <pqxx/pqxx>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>
#include <vector>

using namespace pgsafe;
using Clock = std::chrono::steady_clock;
using test::run_as_written;

namespace {

// ---- running migrations ------------------------------------------------------------

// Runs one planned step as `pgsafe migrate` does: in a transaction of its own
// with its timeouts, or alone outside one.
// A batched step as the runner runs it: the next keys after the last one
// done, each batch its own transaction (runner/batch_loop's statements).
void run_batches(pqxx::connection& conn, const plan::Step& step, const std::string& lock_timeout) {
    runner::StoredStep stored;
    stored.sql = step.sql;
    stored.batch = step.batch;
    {
        pqxx::nontransaction tx(conn);
        tx.exec(runner::prepare_batch_sql(stored));
    }
    std::optional<std::vector<std::string>> last;
    std::size_t n = step.batch->key.size();
    while (true) {
        pqxx::work tx(conn);
        tx.exec("SET LOCAL " + lock_timeout);
        auto rows = tx.exec(runner::next_batch_sql(*step.batch, last, 7));
        if (rows.empty()) break;
        std::vector<std::string> first;
        last.emplace();
        for (std::size_t i = 0; i < n; ++i) {
            first.push_back(rows[0][int(1 + i)].c_str());
            last->push_back(rows[0][int(1 + n + i)].c_str());
        }
        tx.exec(runner::execute_batch_sql(first, *last));
        tx.commit();
    }
    pqxx::nontransaction tx(conn);
    tx.exec(runner::k_deallocate_batch_sql);
}

void run_step(pqxx::connection& conn, const plan::Step& step) {
    INFO("step: " << step.sql);
    std::string lock_timeout = fmt::format("lock_timeout = '{}ms'", step.lock_timeout_ms);
    std::string statement_timeout =
        fmt::format("statement_timeout = '{}ms'", step.statement_timeout_ms.value_or(0));
    try {
        if (step.batch) {
            run_batches(conn, step, lock_timeout);
        } else if (step.transactional) {
            pqxx::work tx(conn);
            tx.exec("SET LOCAL " + lock_timeout + "; SET LOCAL " + statement_timeout);
            tx.exec(step.sql);
            tx.commit();
        } else {
            pqxx::nontransaction tx(conn);
            tx.exec("SET " + lock_timeout + "; SET " + statement_timeout);
            tx.exec(step.sql);
            tx.exec("RESET lock_timeout; RESET statement_timeout");
        }
    } catch (const pqxx::sql_error& e) {
        FAIL("the server rejected the step: " << e.what());
    }
}

// A fresh database on the test server with the fixture's schema.sql (and rows) in it.
test::ScratchDatabase database_with_schema(const std::string& admin, const test::PlanFixture& fixture) {
    test::ScratchDatabase db(admin);
    pqxx::connection conn(db.dsn());
    pqxx::nontransaction tx(conn);
    tx.exec(fixture.schema);
    return db;
}

// ---- describing a database -----------------------------------------------------------

// The whole description (catalog and rows), sorted: the product's, which
// `pgsafe trace --plan` compares the same way.
std::vector<std::string> describe(const std::string& dsn) {
    db::Connection connection(dsn);
    return trace::describe(connection);
}

// The constraints and indexes left NOT VALID or INVALID.
std::vector<std::string> invalid_objects(const std::string& dsn) {
    db::Connection connection(dsn);
    return trace::invalid_objects(connection);
}

// One indented line per entry, for messages.
std::string lines(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& line : v) out += "\n    " + line;
    return out;
}

// How the database after the plan differs from the one after the file as written; empty when alike.
std::string difference(const std::vector<std::string>& as_written,
                       const std::vector<std::string>& as_planned) {
    trace::CatalogDiff diff = trace::compare_descriptions(as_written, as_planned);
    const std::vector<std::string>& missing = diff.only_in_first;
    const std::vector<std::string>& extra = diff.only_in_second;
    std::string out;
    if (!missing.empty()) out += "\n  only after the file as written:" + lines(missing);
    if (!extra.empty()) out += "\n  only after the plan's steps:" + lines(extra);
    return out;
}

// ---- a writer beside a step --------------------------------------------------------

constexpr int k_writer_lock_timeout_ms = 500;
// A write that waits this long was blocked: a commit of one row takes milliseconds.
constexpr double k_blocked_ms = k_writer_lock_timeout_ms / 2.0;
constexpr long k_first_write_id = 100'000'000;  // above every id the fixtures and the extra rows use

struct WriteTiming {
    Clock::time_point start;
    Clock::time_point end;
    bool timed_out = false;
};

struct WriterReport {
    double step_ms = 0;
    int overlapping = 0;  // writes that ran at least partly while the step ran
    int inside = 0;       // writes that began and committed while the step ran
    int timeouts = 0;     // overlapping writes that gave up at the writer's lock timeout
    double worst_ms = 0;  // the slowest overlapping write
};

double ms_between(Clock::time_point from, Clock::time_point to) {
    return std::chrono::duration<double, std::milli>(to - from).count();
}

// The writes that overlapped [begin, end]: how many, how many gave up, the slowest.
WriterReport summarise(const std::vector<WriteTiming>& writes, Clock::time_point begin,
                       Clock::time_point end) {
    WriterReport report;
    report.step_ms = ms_between(begin, end);
    for (const auto& w : writes) {
        if (w.end < begin || w.start > end) continue;
        ++report.overlapping;
        if (w.start >= begin && w.end <= end) ++report.inside;
        if (w.timed_out) ++report.timeouts;
        report.worst_ms = std::max(report.worst_ms, ms_between(w.start, w.end));
    }
    return report;
}

// Runs `step` while a second connection commits one-row writes (`write_sql`,
// {id} a fresh id), each in its own transaction with a 500 ms lock timeout,
// from before the step starts until it ends; reports the writes that overlapped it.
WriterReport write_during(const std::string& dsn, const std::string& write_sql,
                          const std::function<void()>& step) {
    pqxx::connection conn(dsn);
    {
        pqxx::nontransaction tx(conn);
        tx.exec(fmt::format("SET lock_timeout = '{}ms'", k_writer_lock_timeout_ms));
    }
    std::vector<WriteTiming> writes;
    std::atomic<bool> stop{false};
    std::atomic<bool> running{true};
    std::atomic<int> committed{0};
    std::string error;
    std::thread writer([&] {
        for (long n = 1; !stop; ++n) {
            WriteTiming w{Clock::now(), {}, false};
            try {
                pqxx::work tx(conn);
                tx.exec(fmt::format(fmt::runtime(write_sql), fmt::arg("id", k_first_write_id + n)));
                tx.commit();
                ++committed;
            } catch (const pqxx::sql_error& e) {
                if (e.sqlstate() != "55P03") {  // anything but lock_not_available ends the test
                    error = e.what();
                    break;
                }
                w.timed_out = true;
            } catch (const std::exception& e) {  // a lost connection, …
                error = e.what();
                break;
            }
            w.end = Clock::now();
            writes.push_back(w);
        }
        running = false;
    });
    // The writer is warmed up and writing before the step begins.
    while (committed < 3 && running) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    Clock::time_point begin = Clock::now();
    try {
        step();
    } catch (...) {
        stop = true;
        writer.join();
        throw;
    }
    Clock::time_point end = Clock::now();
    stop = true;
    writer.join();
    INFO("the writer failed: " << error);
    REQUIRE(error.empty());
    return summarise(writes, begin, end);
}

// ---- the online cases ----------------------------------------------------------------

// A fixture whose main table is grown so that its online steps take a measurable
// time, and a write to that table that its steps must not block.
struct OnlineCase {
    const char* fixture;
    const char* more_rows;  // {rows}: the table's size afterwards
    long rows;
    const char* write;  // {id}: a fresh id
    bool control;       // also run the file as written: the writer must see it block
};

const OnlineCase k_online_cases[] = {
    {"foreign-key/named",
     "INSERT INTO measurements SELECT g, 1 + g % 1000, 1 + g % 10, g FROM generate_series(20001, {rows}) g",
     2'000'000, "INSERT INTO measurements VALUES ({id}, 1, 1, 1)", false},
    {"check/named", "INSERT INTO readings SELECT g, g, 0, g + 1 FROM generate_series(20001, {rows}) g",
     2'000'000, "INSERT INTO readings VALUES ({id}, 1, 0, 2)", false},
    {"set-not-null/one-column", "INSERT INTO visits SELECT g, g, now() FROM generate_series(20001, {rows}) g",
     3'000'000, "INSERT INTO visits VALUES ({id}, {id}, now())", false},
    {"create-index/unnamed",
     "INSERT INTO measurements SELECT g, g % 1000, g, 'n' || g, now() FROM generate_series(20001, {rows}) g",
     2'000'000, "INSERT INTO measurements VALUES ({id}, 1, {id}, 'w', now())", true},
    {"unique-constraint/unnamed",
     "INSERT INTO devices SELECT g, 's' || g, 'v' || (g % 7), 'm' || g FROM generate_series(20001, {rows}) g",
     1'000'000, "INSERT INTO devices VALUES ({id}, 'w' || {id}, 'v', 'm')", false},
};

// The fixture "<rewrite>/<case>".
test::PlanFixture fixture_named(const std::string& name) {
    for (auto& fixture : test::plan_fixtures()) {
        if (fixture.name() == name) return fixture;
    }
    FAIL("no fixture " << name << " under tests/plan/");
    return {};
}

// schema.sql, then the extra rows, in a fresh database.
test::ScratchDatabase grown_database(const std::string& admin, const OnlineCase& c) {
    test::ScratchDatabase db = database_with_schema(admin, fixture_named(c.fixture));
    pqxx::connection conn(db.dsn());
    pqxx::nontransaction tx(conn);
    tx.exec(fmt::format(fmt::runtime(c.more_rows), fmt::arg("rows", c.rows)));
    tx.exec("VACUUM ANALYZE");  // sets hint bits, so that the first step does not pay for them
    return db;
}

// VALIDATE and CONCURRENTLY: the steps whose lock lets reads and writes go on.
bool is_online(const plan::Step& step) {
    return step.lock.mode == sql::LockMode::ShareUpdateExclusive;
}

// One line on how the step and the writer went.
std::string describe_report(const WriterReport& r) {
    return fmt::format(
        "{:.0f} ms; the writer: {} writes during it ({} overlapping), {} lock timeouts, worst {:.1f} ms",
        r.step_ms, r.inside, r.overlapping, r.timeouts, r.worst_ms);
}

}  // namespace

TEST_CASE("every rewrite is equivalent to the original on a real server", "[db][plan]") {
    auto admin = test::admin_dsn();
    if (!admin) return;
    std::vector<test::PlanFixture> fixtures = test::plan_fixtures();
    REQUIRE(fixtures.size() >= 10);
    for (const auto& fixture : fixtures) {
        INFO("fixture " << fixture.name());
        plan::MigrationPlan plan = test::plan_fixture(fixture);
        REQUIRE_FALSE(plan.syntax_error);

        test::ScratchDatabase original = database_with_schema(*admin, fixture);
        {
            pqxx::connection conn(original.dsn());
            run_as_written(conn, source::read_file(fixture.migration));
        }
        test::ScratchDatabase planned = database_with_schema(*admin, fixture);
        {
            pqxx::connection conn(planned.dsn());
            for (const auto& step : plan.steps) run_step(conn, step);
        }

        // The expansion of a failure shows the difference, and the objects left NOT VALID or INVALID.
        CHECK(difference(describe(original.dsn()), describe(planned.dsn())) == "");
        CHECK(lines(invalid_objects(planned.dsn())) == "");

        // What --emit-sql writes, run as psql runs a file, ends the same way.
        test::ScratchDatabase emitted = database_with_schema(*admin, fixture);
        {
            pqxx::connection conn(emitted.dsn());
            run_as_written(conn, report::plan_sql(plan));
        }
        CHECK(difference(describe(original.dsn()), describe(emitted.dsn())) == "");
    }
}

TEST_CASE("VALIDATE and CONCURRENTLY steps never block writes", "[db][plan]") {
    auto admin = test::admin_dsn();
    if (!admin) return;
    for (const auto& c : k_online_cases) {
        INFO("fixture " << c.fixture);
        plan::MigrationPlan plan = test::plan_fixture(fixture_named(c.fixture));
        test::ScratchDatabase db = grown_database(*admin, c);
        pqxx::connection conn(db.dsn());
        int online = 0;
        for (const auto& step : plan.steps) {
            if (!is_online(step)) {
                run_step(conn, step);
                continue;
            }
            ++online;
            WriterReport r = write_during(db.dsn(), c.write, [&] { run_step(conn, step); });
            WARN(c.fixture << ": " << step.sql << "\n  " << describe_report(r));
            INFO(describe_report(r));
            // A blocked write waits for the whole step and hits its 500 ms
            // lock_timeout: the server measures lock waits, so a slow machine
            // cannot trip this (the worst write time is only reported).
            REQUIRE(r.timeouts == 0);
            REQUIRE(r.inside >= 3);
        }
        REQUIRE(online >= 1);

        if (!c.control) continue;
        // The control: the statement as written, with the same writer, must block it.
        test::ScratchDatabase naive = grown_database(*admin, c);
        pqxx::connection naive_conn(naive.dsn());
        std::string text = source::read_file(fixture_named(c.fixture).migration);
        WriterReport r = write_during(naive.dsn(), c.write, [&] { run_as_written(naive_conn, text); });
        WARN(c.fixture << " as written: " << describe_report(r));
        INFO("as written: " << describe_report(r));
        // The writer can see a block (a lower bound: a slow machine only makes it easier).
        CHECK((r.timeouts > 0 || r.worst_ms >= k_blocked_ms));
    }
}
