// Parallel read-and-parse for lint: batches of files split across threads
// (libpg_query keeps its memory per thread), consumed in order so the
// pending set sees migrations in apply order. Batches bound memory.

#include "parallel_parse.hpp"

#include "pgsafe/source/migration.hpp"

#include <algorithm>
#include <exception>
#include <optional>
#include <thread>

namespace pgsafe::cli {
namespace {

constexpr size_t k_batch_files = 256;

struct Slot {
    std::optional<sql::ParsedFile> parsed;
    std::exception_ptr error;
};

void parse_range(const std::vector<std::filesystem::path>& files, size_t begin, size_t end, size_t stride,
                 sql::ParseOptions options, std::vector<Slot>& slots, size_t base,
                 const std::vector<std::optional<std::string>>* texts) {
    for (size_t i = begin; i < end; i += stride) {
        try {
            slots[i - base].parsed = texts != nullptr && (*texts)[i]
                                         ? sql::parse_sql(*(*texts)[i], options)
                                         : sql::parse_sql(source::read_sql_file(files[i]), options);
        } catch (...) {
            slots[i - base].error = std::current_exception();
        }
    }
}

}  // namespace

void for_each_parsed(const std::vector<std::filesystem::path>& files, sql::ParseOptions options,
                     const std::function<void(const std::filesystem::path&, const sql::ParsedFile&)>& consume,
                     const std::vector<std::optional<std::string>>* texts) {
    const size_t threads = std::max(1u, std::thread::hardware_concurrency());
    for (size_t base = 0; base < files.size(); base += k_batch_files) {
        size_t end = std::min(files.size(), base + k_batch_files);
        std::vector<Slot> slots(end - base);
        size_t workers = std::min(threads, end - base);
        std::vector<std::thread> pool;
        // Interleaved slices: neighbouring files are often of similar size.
        for (size_t t = 1; t < workers; ++t)
            pool.emplace_back(parse_range, std::cref(files), base + t, end, workers, options, std::ref(slots),
                              base, texts);
        parse_range(files, base, end, workers, options, slots, base, texts);
        for (auto& thread : pool) thread.join();
        for (size_t i = base; i < end; ++i) {
            Slot& slot = slots[i - base];
            if (slot.error) std::rethrow_exception(slot.error);
            consume(files[i], *slot.parsed);
            slot.parsed.reset();
        }
    }
}

}  // namespace pgsafe::cli
