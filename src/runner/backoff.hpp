#pragma once
// Exponential backoff with full jitter (AWS architecture blog, "Exponential
// Backoff and Jitter"): the n-th wait is uniform in [0, min(cap, initial·2^n)].
// Many waiters spread out instead of retrying in step; one waiter still
// retries soon after a short blocker. The random source is passed in, so
// tests can pin it.

#include <algorithm>
#include <chrono>
#include <random>

namespace pgsafe::runner {

class Backoff {
public:
    Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds cap)
        : m_initial(initial), m_cap(cap) {}

    template <typename Random>
    std::chrono::milliseconds next(Random& random) {
        long long ceiling = m_cap.count();
        if (m_attempt < 30) ceiling = std::min<long long>(ceiling, m_initial.count() * (1LL << m_attempt));
        ++m_attempt;
        std::uniform_int_distribution<long long> pick(0, std::max<long long>(0, ceiling));
        return std::chrono::milliseconds(pick(random));
    }
    int attempts() const { return m_attempt; }

private:
    std::chrono::milliseconds m_initial;
    std::chrono::milliseconds m_cap;
    int m_attempt = 0;
};

}  // namespace pgsafe::runner
