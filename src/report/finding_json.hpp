#pragma once
// One finding as JSON, the same in lint and plan reports. Private to src/report/.

#include "pgsafe/rules/finding.hpp"
#include "pgsafe/sql/position.hpp"

#include <nlohmann/json.hpp>

namespace pgsafe::report {

nlohmann::ordered_json finding_json(const rules::Finding& f, const sql::LineIndex& lines);
// Every finding of a file, as a JSON array.
nlohmann::ordered_json findings_json(const std::vector<rules::Finding>& findings,
                                     const sql::LineIndex& lines);
nlohmann::ordered_json optional_string(const std::optional<std::string>& value);

}  // namespace pgsafe::report
