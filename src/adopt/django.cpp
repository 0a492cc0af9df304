// Django (modelled on Django 4/5, table django_migrations): (id, app,
// name, applied), one row per <app>/migrations/<name>.py applied. Python
// migrations are not SQL files pgsafe can read, so the history is adopted
// as a baseline: pgsafe records it and starts after it. Django takes no
// advisory lock and keeps no failed state.

#include "tool_spec.hpp"

namespace pgsafe::adopt::detail {
namespace {

void read(const nlohmann::json& rows, History& history) {
    for (const auto& r : rows) {
        HistoryRow row;
        row.key =
            text_of(r.value("app", nlohmann::json())) + "." + text_of(r.value("name", nlohmann::json()));
        row.name = row.key;
        row.row = r;
        history.applied.push_back(std::move(row));
    }
}

}  // namespace

const ToolSpec k_django{Tool::Django,
                        "django",
                        {"django_migrations"},
                        {"app", "name", "applied"},
                        {},
                        "id",
                        KeyOrder::Text,
                        read,
                        version_key,
                        nullptr,
                        nullptr,
                        true};

}  // namespace pgsafe::adopt::detail
