// Drawing progress: "[#####-----]  52%  text" on a terminal, rate-limited
// plain lines elsewhere.

#include "progress.hpp"

#include "terminal_text.hpp"

#include <fmt/format.h>

#include <cstdio>

namespace pgsafe::runner {
namespace {

std::string bar(std::optional<double> fraction) {
    constexpr int k_width = 24;
    if (!fraction) return "";
    double f = std::min(1.0, std::max(0.0, *fraction));
    int filled = static_cast<int>(f * k_width + 0.5);
    return fmt::format("[{}{}] {:3.0f}% ", std::string(filled, '#'), std::string(k_width - filled, '-'),
                       f * 100);
}

}  // namespace

void Progress::update(const std::string& text, std::optional<double> fraction) {
    std::lock_guard<std::mutex> lock(m_mutex);
    if (m_style == ProgressStyle::Off) return;
    if (m_style == ProgressStyle::Bar) {
        std::fprintf(stderr, "\r\033[K%s%s", bar(fraction).c_str(), terminal_safe(text).c_str());
        std::fflush(stderr);
        m_bar_shown = true;
        return;
    }
    auto now = std::chrono::steady_clock::now();
    if (now - m_last_line < m_line_every) return;
    m_last_line = now;
    std::string percent = fraction ? fmt::format("{:.0f}% ", *fraction * 100) : "";
    std::fprintf(stderr, "  … %s%s\n", percent.c_str(), terminal_safe(text).c_str());
}

void Progress::note(const std::string& text) {
    std::lock_guard<std::mutex> lock(m_mutex);
    if (m_style == ProgressStyle::Off) return;
    erase_bar();
    std::fprintf(stderr, "%s\n", terminal_safe(text).c_str());
    m_last_line = std::chrono::steady_clock::now();
}

void Progress::clear() {
    std::lock_guard<std::mutex> lock(m_mutex);
    erase_bar();
}

void Progress::erase_bar() {
    if (!m_bar_shown) return;
    std::fprintf(stderr, "\r\033[K");
    std::fflush(stderr);
    m_bar_shown = false;
}

}  // namespace pgsafe::runner
