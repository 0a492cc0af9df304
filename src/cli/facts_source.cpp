// Table facts from a snapshot file or the live database, never both.

#include "facts_source.hpp"

#include "pgsafe/db/connection.hpp"
#include "pgsafe/db/table_facts.hpp"
#include "pgsafe/error.hpp"
#include "pgsafe/source/migration.hpp"

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

}  // namespace pgsafe::cli
