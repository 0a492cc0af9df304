// Table facts from a snapshot file or the live database, never both; and
// which files that database has yet to apply.

#include "facts_source.hpp"

#include "pgsafe/db/connection.hpp"
#include "pgsafe/db/table_facts.hpp"
#include "pgsafe/error.hpp"
#include "pgsafe/runner/runner.hpp"
#include "pgsafe/source/migration.hpp"

#include <algorithm>

namespace pgsafe::cli {

analysis::TableFacts load_table_facts(const std::string& stats_path, const GlobalOptions& global) {
    if (!stats_path.empty() && !global.db.empty())
        throw Error(ErrorKind::Usage, "give --stats FILE or --db URL, not both");
    if (!stats_path.empty())
        return analysis::TableFacts::from_json(source::read_file(stats_path), stats_path);
    if (!global.db.empty()) {
        db::Connection connection(global.db);
        return db::load_table_facts(connection);
    }
    return {};
}

std::vector<source::MigrationFile> not_applied(std::vector<source::MigrationFile> files,
                                               const std::string& conninfo,
                                               const std::vector<std::string>& keep) {
    runner::StatusReport report = runner::status(files, conninfo);
    std::vector<source::MigrationFile> out;
    for (std::size_t i = 0; i < files.size(); ++i) {
        auto state = report.migrations[i].state;  // status lists the files first, in their order
        bool applied = state == runner::MigrationState::Applied || state == runner::MigrationState::Drift;
        bool kept = std::find(keep.begin(), keep.end(), files[i].version) != keep.end();
        if (!applied || kept) out.push_back(std::move(files[i]));
    }
    return out;
}

}  // namespace pgsafe::cli
