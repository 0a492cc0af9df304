// The size limit on a planned migration (pgsafe/runner/limits.hpp).

#include "pgsafe/runner/limits.hpp"

#include "pgsafe/error.hpp"

#include <fmt/format.h>

namespace pgsafe::runner {

void require_plannable(const std::string& path, std::size_t bytes) {
    if (bytes <= k_max_planned_bytes) return;
    throw Error(
        ErrorKind::Usage,
        fmt::format("{}: {:.1f} MB is over the {} MB pgsafe plans and runs in one migration (planning "
                    "holds every statement's parse tree in memory); nothing ran. Split the file, or "
                    "load bulk data with psql or COPY outside pgsafe",
                    path, static_cast<double>(bytes) / (1024.0 * 1024.0),
                    k_max_planned_bytes / (1024 * 1024)));
}

}  // namespace pgsafe::runner
