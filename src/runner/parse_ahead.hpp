#pragma once
// Parsing the files a run plans on a thread of their own, while the
// planner, which takes them in apply order, plans the ones before: parsing
// is about half of planning's CPU, and on two cores the two halves overlap.
// What is parsed ahead and not yet taken stays under k_ahead_bytes of SQL
// (about 60 bytes of parse tree per byte), so a run holds at most that much
// more than one file's tree; a file larger than that is parsed by take().

#include "pgsafe/sql/parse.hpp"

#include <condition_variable>
#include <cstddef>
#include <exception>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace pgsafe::runner {

class ParseAhead {
public:
    // Starts parsing `texts` in order (when there are two or more); each must outlive this object.
    explicit ParseAhead(std::vector<const std::string*> texts);
    ~ParseAhead();
    ParseAhead(const ParseAhead&) = delete;
    ParseAhead& operator=(const ParseAhead&) = delete;

    // The i-th text parsed (parse tree kept), waiting for it if need be. Each
    // once, in order; a parse that threw throws here.
    sql::ParsedFile take(std::size_t i);

    static constexpr std::size_t k_ahead_bytes = std::size_t{1} << 20;

private:
    struct Slot {
        std::optional<sql::ParsedFile> parsed;
        std::exception_ptr error;
    };
    void work();

    std::vector<const std::string*> m_texts;
    std::vector<Slot> m_slots;
    std::mutex m_mutex;
    std::condition_variable m_changed;
    std::size_t m_done = 0;         // slots before this one are parsed (or left to take())
    std::size_t m_taken = 0;        // slots before this one are taken
    std::size_t m_ahead_bytes = 0;  // SQL parsed (or being parsed) ahead and not yet taken
    bool m_stop = false;
    std::thread m_thread;  // last: started once the rest is ready
};

}  // namespace pgsafe::runner
