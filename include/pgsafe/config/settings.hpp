#pragma once
// The resolved settings, one struct per concern. Each default is written
// here and nowhere else: the key table (keys.hpp) shows these values as the
// documented defaults, and plan, runner and lint take these structs as they
// are. Pure values.

#include "pgsafe/analysis/table_facts.hpp"
#include "pgsafe/rules/finding.hpp"
#include "pgsafe/rules/options.hpp"

#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace pgsafe::config {

// Where the project keeps its migrations, and which environment it means.
struct Project {
    std::string migrations = "migrations";  // relative to the configuration file's directory
    std::string environment = "dev";        // names policies/<environment>.toml
    bool environment_named = false;  // set by a layer (--env, PGSAFE_ENV, pgsafe.toml), not the default
    std::vector<std::string> exclude_paths;  // globs (source/glob.hpp), relative like `migrations`
    std::string layout = "auto";             // whose folder layout `migrations` is in (source/layout.hpp)
};

// What lint reports and what fails the run.
struct Lint {
    std::optional<rules::Severity> fail_on = rules::Severity::Error;  // nullopt: never
    int postgres_version = 15;
    rules::Runner runner = rules::Runner::Pgsafe;
};

// Which rules run and how loud.
struct Rules {
    std::set<std::string> exclude;                    // rule names turned off
    std::set<std::string> include;                    // rules off by default turned on
    std::map<std::string, rules::Severity> severity;  // rule name -> severity
};

// Bounded waits for each step `migrate` runs (DESIGN.md, "Running a step").
struct Timeouts {
    int lock_timeout_ms = 100;           // how long one attempt may sit in the lock queue
    int statement_timeout_ms = 5000;     // steps that hold a strong lock (ACCESS EXCLUSIVE …)
    int long_statement_timeout_ms = 0;   // VALIDATE, CONCURRENTLY, backfill batches; 0 = no limit
    int online_lock_timeout_ms = 60000;  // VALIDATE and CONCURRENTLY: their wait blocks no reads or writes
};

// Retries of a step that gave up waiting for its lock (SQLSTATE 55P03) or lost a deadlock.
struct Retry {
    std::chrono::seconds deadline{600};      // stop retrying after this long
    std::chrono::milliseconds initial{100};  // first backoff; doubles, with full jitter
    std::chrono::milliseconds max{10000};    // backoff ceiling
};

// How `migrate` runs steps.
struct Run {
    // Between batches. None by default: a batch's row locks go at its
    // COMMIT, the next batch takes other rows, and the replica-lag watch,
    // not a pause, keeps replicas close (bench/batches: a 10 ms pause was
    // 15–20 % of the run's time and changed no application latency). Set it
    // to give an I/O-bound server or autovacuum room between batches.
    std::chrono::milliseconds batch_pause{0};
    // Batch sizes adapt: each batch aims at batch_target, starting at
    // batch_min rows, growing at most x1.2 per batch, halved after a
    // statement or lock timeout, never outside [batch_min, batch_max].
    // An application write to a row of the batch waits for its commit, so
    // the target bounds what a batch adds to the application's worst
    // latency: 40 ms keeps it within 50 ms (bench/batches; a 200 ms target
    // was ~20 % faster and added 75–130 ms).
    std::chrono::milliseconds batch_target{40};
    long batch_min = 100;
    long batch_max = 100000;
    // Sessions that run a step's batches at once, each over its own part of
    // the key (its progress recorded on its own). The UPDATE a batched
    // backfill needs writes about twice what the ADD COLUMN it stands for
    // writes: one session takes about 2x that statement's time, two about
    // 1.1x where the server has a core to spare, but on a server without
    // one the second session's writing costs the application's latency
    // (bench/batches). So one by default. A second session is opened only
    // where it runs the batches as the first does (same settings, role, no
    // temporary objects, no pooler); otherwise the first runs them all.
    int batch_workers = 1;
    // Before each batch, wait while a streaming replica replays more than
    // this far behind (pg_stat_replication); 0: do not watch replicas.
    std::chrono::milliseconds max_replica_lag{1000};
    bool show_blocker_queries = true;  // print the query text of blocking sessions (false: pid, role, state)
};

struct Settings {
    std::string origin;  // the configuration file as shown in messages; "" when there is none
    Project project;
    Lint lint;
    analysis::Thresholds thresholds;  // when a table counts as large
    Rules rules;
    Timeouts timeouts;
    Retry retry;
    Run run;
};

// The lint options the settings ask for (thresholds, rules, runner, version).
rules::LintOptions lint_options(const Settings& settings);

}  // namespace pgsafe::config
