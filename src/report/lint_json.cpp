// The JSON lint report: the shape documented in the README, keys in a fixed
// order so diffs of saved reports stay readable. Positions are 1-based.

#include "pgsafe/report/lint_report.hpp"
#include "pgsafe/sql/position.hpp"

#include "finding_json.hpp"

#include <nlohmann/json.hpp>

namespace pgsafe::report {

using Json = nlohmann::ordered_json;

std::string lint_json(const std::vector<rules::FileResult>& files) {
    Json out;
    out["version"] = 1;
    out["files"] = Json::array();
    for (const auto& file : files) {
        sql::LineIndex lines(file.text);
        Json f;
        f["path"] = file.path;
        f["statements"] = file.statements;
        f["findings"] = findings_json(file.findings, lines);
        out["files"].push_back(std::move(f));
    }
    rules::Summary s = rules::summarize(files);
    out["summary"] = Json{{"files", s.files},
                          {"statements", s.statements},
                          {"errors", s.errors},
                          {"warnings", s.warnings},
                          {"infos", s.infos}};
    return out.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace pgsafe::report
