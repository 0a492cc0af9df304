#pragma once
// The subcommands. Each add_*_command registers its flags and a callback that
// does the work and stores the exit code; main() only wires them together.

#include "pgsafe/error.hpp"
#include "pgsafe/exit_codes.hpp"

#include <CLI/CLI.hpp>

#include <string>

namespace pgsafe::cli {

// Flags every subcommand understands (given before or after the subcommand).
struct GlobalOptions {
    std::string format = "text";
    std::string config;
    std::string db;           // --db URL: the target database (else DATABASE_URL, else PG*
                              // variables)
    std::string environment;  // --env NAME (or PGSAFE_ENV); "" means
                              // pgsafe.toml's, else "dev"
    int verbosity = 0;
};

void add_lint_command(CLI::App& app, const GlobalOptions& global, int& exit_code);
void add_explain_locks_command(CLI::App& app, const GlobalOptions& global, int& exit_code);
void add_plan_command(CLI::App& app, const GlobalOptions& global, int& exit_code);
void add_rules_command(CLI::App& app, const GlobalOptions& global, int& exit_code);
void add_migrate_command(CLI::App& app, const GlobalOptions& global, int& exit_code);
void add_status_command(CLI::App& app, const GlobalOptions& global, int& exit_code);
void add_stats_command(CLI::App& app, const GlobalOptions& global, int& exit_code);
void add_trace_command(CLI::App& app, const GlobalOptions& global, int& exit_code);
void add_scratch_server_command(CLI::App& app, const GlobalOptions& global, int& exit_code);
void add_new_command(CLI::App& app, const GlobalOptions& global, int& exit_code);
void add_adopt_command(CLI::App& app, const GlobalOptions& global, int& exit_code);  // adopt and baseline
void add_init_command(CLI::App& app, const GlobalOptions& global, int& exit_code);
void add_approve_command(CLI::App& app, const GlobalOptions& global,
                         int& exit_code);  // approve and revoke
void add_approvals_command(CLI::App& app, const GlobalOptions& global, int& exit_code);
void add_audit_command(CLI::App& app, const GlobalOptions& global, int& exit_code);

// Colour on stdout only for a terminal, and never when NO_COLOR is set.
bool stdout_wants_color();

}  // namespace pgsafe::cli
