// `pgsafe rules [NAME]`: the rule catalog (names are the user's interface:
// --exclude, pgsafe.toml, ignore comments), and one rule's documentation
// page, embedded at build time so it works from any directory.

#include "commands.hpp"
#include "rule_docs.hpp"

#include "pgsafe/error.hpp"
#include "pgsafe/rules/rule.hpp"
#include "pgsafe/rules/suggest.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <memory>

namespace pgsafe::cli {
namespace {

using Json = nlohmann::ordered_json;

std::string enabled_text(const rules::RuleInfo& info) {
    if (info.group == rules::RuleGroup::ExternalRunner) return "off (on with --runner external)";
    return info.on_by_default ? "on" : "off";
}

Json rule_json(const rules::RuleInfo& info) {
    return Json{{"name", info.name},
                {"group", rules::rule_group_name(info.group)},
                {"severity", rules::severity_name(info.severity)},
                {"on_by_default", info.on_by_default},
                {"summary", info.summary},
                {"lock", info.lock},
                {"safe_alternative", info.safe_alternative}};
}

std::string list_text() {
    const auto& all = rules::registry();
    size_t name_width = 4;
    for (const auto& rule : all) name_width = std::max(name_width, rule.info.name.size());
    std::string out = fmt::format("{:<{}}  {:<15}  {:<8}  {:<7}  {}\n", "NAME", name_width, "GROUP",
                                  "SEVERITY", "DEFAULT", "SUMMARY");
    for (const auto& rule : all) {
        const auto& info = rule.info;
        std::string enabled = info.group == rules::RuleGroup::ExternalRunner ? "off*" : enabled_text(info);
        out += fmt::format("{:<{}}  {:<15}  {:<8}  {:<7}  {}\n", info.name, name_width,
                           rules::rule_group_name(info.group), rules::severity_name(info.severity), enabled,
                           info.summary);
    }
    out += fmt::format("\n{} rules. * on with --runner external. `pgsafe rules NAME` shows a rule's page.\n",
                       all.size());
    return out;
}

std::string list_json() {
    Json rules_json = Json::array();
    for (const auto& rule : rules::registry()) {
        Json j = rule_json(rule.info);
        j["docs"] = rule_doc(rule.info.name).has_value();
        rules_json.push_back(std::move(j));
    }
    return Json{{"rules", rules_json}}.dump(2) + "\n";
}

const rules::Rule& find_or_fail(const std::string& name) {
    if (const rules::Rule* rule = rules::find_rule(name)) return *rule;
    auto suggestion = rules::suggest_rule(name);
    throw Error(ErrorKind::Usage, fmt::format("unknown rule \"{}\"{}; `pgsafe rules` lists them all", name,
                                              suggestion ? fmt::format(" (did you mean \"{}\"?)", *suggestion)
                                                         : std::string()));
}

std::string show_text(const rules::RuleInfo& info) {
    std::string out = fmt::format("{}\n", info.name);
    out += fmt::format("  summary:          {}\n", info.summary);
    out += fmt::format(
        "  group:            {}{}\n", rules::rule_group_name(info.group),
        info.group == rules::RuleGroup::Availability ? " (size-aware: info on small tables)" : "");
    out += fmt::format("  default severity: {}\n", rules::severity_name(info.severity));
    out += fmt::format("  enabled:          {}\n", enabled_text(info));
    if (!info.lock.empty()) out += fmt::format("  lock:             {}\n", info.lock);
    if (!info.safe_alternative.empty()) out += fmt::format("  instead:          {}\n", info.safe_alternative);
    out += "\n";
    if (auto doc = rule_doc(info.name)) {
        out += std::string(*doc);
        if (out.back() != '\n') out += '\n';
    } else {
        out += fmt::format("(no documentation page: docs/rules/{}.md is missing)\n", info.name);
    }
    return out;
}

std::string show_json(const rules::RuleInfo& info) {
    Json j = rule_json(info);
    auto doc = rule_doc(info.name);
    j["docs"] = doc ? Json(std::string(*doc)) : Json(nullptr);
    return j.dump(2) + "\n";
}

}  // namespace

void add_rules_command(CLI::App& app, const GlobalOptions& global, int& code) {
    auto name = std::make_shared<std::string>();
    CLI::App* cmd = app.add_subcommand("rules", "List the rules, or show one rule's documentation");
    cmd->add_option("name", *name, "A rule's name: show its page");
    cmd->callback([name, &global, &code] {
        bool json = global.format == "json";  // sarif and github are for findings: text here
        std::string out;
        if (name->empty()) {
            out = json ? list_json() : list_text();
        } else {
            const rules::Rule& rule = find_or_fail(*name);
            out = json ? show_json(rule.info) : show_text(rule.info);
        }
        std::fwrite(out.data(), 1, out.size(), stdout);
        code = exit_code(ExitCode::Ok);
    });
}

}  // namespace pgsafe::cli
