// SARIF 2.1.0 for code scanning: the rule catalog as tool.driver.rules and
// one result per finding, located by a 1-based region. Only the properties
// the 2.1.0 schema defines, so strict validators and GitHub accept it.

#include "pgsafe/report/sarif.hpp"

#include "pgsafe/rules/rule.hpp"
#include "pgsafe/sql/position.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cctype>
#include <cstdint>
#include <filesystem>
#include <map>

namespace pgsafe::report {
namespace {

using Json = nlohmann::ordered_json;

constexpr const char* k_schema = "https://json.schemastore.org/sarif-2.1.0.json";
constexpr const char* k_root_base = "%SRCROOT%";

const char* level(rules::Severity severity) {
    switch (severity) {
        case rules::Severity::Error: return "error";
        case rules::Severity::Warning: return "warning";
        case rules::Severity::Info: return "note";
    }
    return "error";
}

Json rule_descriptor(const rules::RuleInfo& info) {
    Json j;
    j["id"] = info.name;
    j["shortDescription"] = Json{{"text", info.summary}};
    j["fullDescription"] = Json{{"text", info.lock.empty() || info.lock == "none"
                                             ? info.summary
                                             : fmt::format("{}. Lock: {}.", info.summary, info.lock)}};
    j["help"] = Json{{"text", info.safe_alternative}};
    j["defaultConfiguration"] = Json{{"enabled", info.on_by_default}, {"level", level(info.severity)}};
    j["properties"] = Json{{"tags", Json::array({rules::rule_group_name(info.group)})}};
    return j;
}

// The artifactLocation of a path as the user gave it.
Json artifact_location(const std::string& path, const std::string& source_root) {
    namespace fs = std::filesystem;
    fs::path p(path);
    if (p.is_relative()) {
        std::string normal = p.lexically_normal().generic_string();
        if (normal != ".." && normal.rfind("../", 0) != 0)
            return Json{{"uri", uri_encode_path(normal)}, {"uriBaseId", k_root_base}};
        p = fs::path(source_root) / p;
    }
    return Json{{"uri", "file://" + uri_encode_path(p.lexically_normal().generic_string())}};
}

Json result(const rules::Finding& f, size_t rule_index, const Json& location, const sql::LineIndex& lines) {
    sql::Position begin = lines.position(f.span.begin);
    sql::Position end = lines.position(std::max(f.span.begin, f.span.end));
    if (end.line == begin.line && end.column == begin.column) ++end.column;  // a point: one character
    Json region{{"startLine", begin.line},
                {"startColumn", begin.column},
                {"endLine", end.line},
                {"endColumn", end.column}};
    Json j;
    j["ruleId"] = f.rule;
    if (rule_index != SIZE_MAX) j["ruleIndex"] = rule_index;
    j["level"] = level(f.severity);
    j["message"] = Json{{"text", f.help.empty() ? f.message : fmt::format("{}\n{}", f.message, f.help)}};
    j["locations"] =
        Json::array({Json{{"physicalLocation", Json{{"artifactLocation", location}, {"region", region}}}}});
    Json properties{{"help", f.help}};
    if (f.table) properties["table"] = *f.table;
    if (f.lock) properties["lock"] = sql::lock_mode_name(*f.lock);
    if (f.fix) properties["fix"] = *f.fix;
    j["properties"] = std::move(properties);
    return j;
}

}  // namespace

std::string uri_encode_path(const std::string& path) {
    std::string out;
    for (unsigned char c : path) {
        bool keep = std::isalnum(c) != 0 || c == '-' || c == '.' || c == '_' || c == '~' || c == '/';
        out += keep ? std::string(1, static_cast<char>(c)) : fmt::format("%{:02X}", c);
    }
    return out;
}

std::string lint_sarif(const std::vector<rules::FileResult>& files, const std::string& source_root) {
    Json rules_json = Json::array();
    std::map<std::string, size_t> rule_index;
    for (const auto& rule : rules::registry()) {
        rule_index[rule.info.name] = rules_json.size();
        rules_json.push_back(rule_descriptor(rule.info));
    }
    Json results = Json::array();
    for (const auto& file : files) {
        if (file.findings.empty()) continue;
        sql::LineIndex lines(file.text);
        Json location = artifact_location(file.path, source_root);
        for (const auto& f : file.findings) {
            auto it = rule_index.find(f.rule);
            results.push_back(result(f, it == rule_index.end() ? SIZE_MAX : it->second, location, lines));
        }
    }
    std::string root = source_root.empty() || source_root.back() == '/' ? source_root : source_root + "/";

    Json driver;
    driver["name"] = "pgsafe";
    driver["version"] = PGSAFE_VERSION;
    driver["semanticVersion"] = PGSAFE_VERSION;
    driver["rules"] = std::move(rules_json);
    Json run;
    run["tool"] = Json{{"driver", std::move(driver)}};
    run["originalUriBaseIds"] = Json{{k_root_base, Json{{"uri", "file://" + uri_encode_path(root)}}}};
    run["columnKind"] = "unicodeCodePoints";
    run["results"] = std::move(results);
    Json out;
    out["$schema"] = k_schema;
    out["version"] = "2.1.0";
    out["runs"] = Json::array({std::move(run)});
    return out.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace pgsafe::report
