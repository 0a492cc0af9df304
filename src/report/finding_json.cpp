// A finding as JSON: rule, severity, 1-based span, message, help, table, lock.

#include "finding_json.hpp"

#include <algorithm>

namespace pgsafe::report {

using Json = nlohmann::ordered_json;

Json optional_string(const std::optional<std::string>& value) {
    return value ? Json(*value) : Json(nullptr);
}

Json finding_json(const rules::Finding& f, const sql::LineIndex& lines) {
    sql::Position begin = lines.position(f.span.begin);
    sql::Position end = lines.position(std::max(f.span.begin, f.span.end));
    Json j;
    j["rule"] = f.rule;
    j["severity"] = rules::severity_name(f.severity);
    j["line"] = begin.line;
    j["column"] = begin.column;
    j["end_line"] = end.line;
    j["end_column"] = end.column;
    j["message"] = f.message;
    j["help"] = f.help;
    j["table"] = optional_string(f.table);
    j["lock"] = f.lock ? Json(sql::lock_mode_name(*f.lock)) : Json(nullptr);
    if (f.fix) j["fix"] = *f.fix;
    return j;
}

Json findings_json(const std::vector<rules::Finding>& findings, const sql::LineIndex& lines) {
    Json out = Json::array();
    for (const auto& f : findings) out.push_back(finding_json(f, lines));
    return out;
}

}  // namespace pgsafe::report
