// What `pgsafe migrate` shows on stderr while it runs: one observer that
// prints the notes and progress (progress.hpp) and runs the step monitor
// (monitor.hpp) for each statement a step sends.

#include "monitor.hpp"
#include "progress.hpp"
#include "terminal_text.hpp"

#include "pgsafe/runner/observer.hpp"

#include <fmt/format.h>

#include <optional>

namespace pgsafe::runner {
namespace {

std::string first_line(const std::string& sql) {
    return shortened(sql.substr(0, sql.find('\n')), 100);
}

class ConsoleObserver : public RunObserver {
public:
    ConsoleObserver(ProgressStyle style, const std::string& conninfo)
        : m_progress(style), m_monitor(conninfo, m_progress) {}

    void migration_started(const MigrationView& m) override {
        m_progress.note(fmt::format("migration {} {}{}: {} step{}", m.version, m.name,
                                    m.resumed ? " (resuming)" : "", m.steps, m.steps == 1 ? "" : "s"));
    }
    void step_started(const StepView& step) override {
        m_progress.note(fmt::format("  step {}/{}: {}", step.number, step.total, first_line(step.sql)));
    }
    // Batches are short and report their own progress; other steps are watched while they run.
    void statement_started(const StepView& step, int pid) override {
        if (!step.batched) m_monitor.watch(pid, step);
    }
    void statement_finished(const StepView&) override { m_monitor.unwatch(); }
    void note(const std::string& text) override { m_progress.note(text); }
    void batch_progress(const StepView&, const std::string& text, double fraction) override {
        m_progress.update(text, fraction);
    }
    void step_finished(const StepView&) override { m_progress.clear(); }

private:
    Progress m_progress;
    StepMonitor m_monitor;
};

}  // namespace

std::unique_ptr<RunObserver> console_observer(ProgressStyle style, const std::string& conninfo) {
    return std::make_unique<ConsoleObserver>(style, conninfo);
}

}  // namespace pgsafe::runner
