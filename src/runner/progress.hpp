#pragma once
// Progress of long steps on stderr: a bar redrawn in place on a terminal,
// one plain line every few seconds otherwise (CI logs), nothing when off.
// Thread-safe: the step monitor updates it while the runner prints notes.

#include "pgsafe/runner/runner.hpp"

#include <chrono>
#include <mutex>
#include <optional>
#include <string>

namespace pgsafe::runner {

class Progress {
public:
    explicit Progress(ProgressStyle style, std::chrono::seconds line_every = std::chrono::seconds(5))
        : m_style(style), m_line_every(line_every) {}

    // The current state of the step in flight; fraction in [0, 1] when known.
    void update(const std::string& text, std::optional<double> fraction);
    // A line that stays (step started, waiting for a lock …).
    void note(const std::string& text);
    // The step ended: take the bar away.
    void clear();

private:
    void erase_bar();
    ProgressStyle m_style;
    std::chrono::seconds m_line_every;
    std::mutex m_mutex;
    bool m_bar_shown = false;
    std::chrono::steady_clock::time_point m_last_line{};
};

}  // namespace pgsafe::runner
