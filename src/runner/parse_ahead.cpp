// ParseAhead: one thread parses in apply order within a byte budget; take()
// hands each file over in the same order (parse_ahead.hpp).

#include "parse_ahead.hpp"

#include <stdexcept>

namespace pgsafe::runner {
namespace {

sql::ParsedFile parse(const std::string& text) {
    return sql::parse_sql(text, {sql::KeepTree::Yes});
}

}  // namespace

ParseAhead::ParseAhead(std::vector<const std::string*> texts)
    : m_texts(std::move(texts)), m_slots(m_texts.size()) {
    if (m_texts.size() > 1) m_thread = std::thread([this] { work(); });
}

ParseAhead::~ParseAhead() {
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_stop = true;
    }
    m_changed.notify_all();
    if (m_thread.joinable()) m_thread.join();
}

void ParseAhead::work() {
    for (std::size_t i = 0; i < m_texts.size(); ++i) {
        const std::size_t bytes = m_texts[i]->size();
        const bool too_large = bytes > k_ahead_bytes;
        {
            std::unique_lock<std::mutex> lock(m_mutex);
            // A file too large to hold beside another waits for its turn, and take() parses it.
            m_changed.wait(lock, [&] {
                return m_stop || (too_large ? m_taken == i : m_ahead_bytes + bytes <= k_ahead_bytes);
            });
            if (m_stop) return;
            if (too_large) {
                m_done = i + 1;
                m_changed.notify_all();
                continue;
            }
            m_ahead_bytes += bytes;
        }
        Slot slot;
        try {
            slot.parsed = parse(*m_texts[i]);
        } catch (...) {
            slot.error = std::current_exception();
        }
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            m_slots[i] = std::move(slot);
            m_done = i + 1;
        }
        m_changed.notify_all();
    }
}

sql::ParsedFile ParseAhead::take(std::size_t i) {
    if (i >= m_texts.size()) throw std::out_of_range("ParseAhead::take: no such file");  // not a wait forever
    if (!m_thread.joinable()) return parse(*m_texts[i]);
    Slot slot;
    {
        std::unique_lock<std::mutex> lock(m_mutex);
        m_changed.wait(lock, [&] { return m_done > i; });
        slot = std::move(m_slots.at(i));
        if (slot.parsed || slot.error) m_ahead_bytes -= m_texts[i]->size();
        m_taken = i + 1;
    }
    m_changed.notify_all();
    if (slot.error) std::rethrow_exception(slot.error);
    if (!slot.parsed) return parse(*m_texts[i]);  // too large to parse ahead
    return std::move(*slot.parsed);
}

}  // namespace pgsafe::runner
