#pragma once
// How large a migration file pgsafe plans and runs. Planning keeps the
// whole file's parse tree in memory (about 60 bytes per byte of SQL: a
// 100 MB file of 1.3 M statements took 5.9 GB to plan, and migrate failed
// with std::bad_alloc), so a file above the limit is refused up front with a
// message naming it, before anything runs. `pgsafe lint` has no limit: it
// parses statement by statement.

#include <cstddef>
#include <string>

namespace pgsafe::runner {

constexpr std::size_t k_max_planned_bytes = std::size_t{16} * 1024 * 1024;

// Throws pgsafe::Error (Usage, exit 2) naming `path` when `bytes` is over k_max_planned_bytes.
void require_plannable(const std::string& path, std::size_t bytes);

}  // namespace pgsafe::runner
