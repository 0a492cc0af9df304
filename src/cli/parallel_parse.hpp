#pragma once
// Reading and parsing migration files on every core. Parsing dominates a
// lint and each file parses on its own; linting stays in apply order.

#include "pgsafe/sql/parse.hpp"

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace pgsafe::cli {

// Reads and parses files in batches across the machine's cores, then hands
// each file to `consume` in the order given. An error reading a file is
// thrown when its turn comes, so earlier files are still consumed first.
// `texts`, when given, holds for each file the text to parse instead of
// reading it (nullopt: read it), for files read in another tool's layout.
void for_each_parsed(const std::vector<std::filesystem::path>& files, sql::ParseOptions options,
                     const std::function<void(const std::filesystem::path&, const sql::ParsedFile&)>& consume,
                     const std::vector<std::optional<std::string>>* texts = nullptr);

}  // namespace pgsafe::cli
