#pragma once
// What a rule reports: a finding at a span of a file, and a file's results.

#include "pgsafe/rules/rule_ids.hpp"
#include "pgsafe/sql/ir.hpp"

#include <optional>
#include <string>
#include <vector>

namespace pgsafe::rules {

enum class Severity { Info = 0, Warning = 1, Error = 2 };

const char* severity_name(Severity severity);  // "error", "warning", "info"
std::optional<Severity> severity_from_name(const std::string& name);

struct Finding {
    std::string rule;  // kebab-case rule name, e.g. "adding-foreign-key-constraint" (see rule_ids.hpp)
    Severity severity = Severity::Error;
    sql::Span span;
    std::string message;
    std::string help;
    std::optional<std::string> table;   // "schema.table"
    std::optional<sql::LockMode> lock;  // the strongest lock the statement takes
    std::optional<std::string> fix;     // the safe form, where one exists
};

struct FileResult {
    std::string path;
    std::string text;  // the file's contents, for positions and source lines
    size_t statements = 0;
    std::vector<Finding> findings;  // in file order
    bool syntax_error = false;
};

struct Summary {
    size_t files = 0;
    size_t statements = 0;
    size_t errors = 0;
    size_t warnings = 0;
    size_t infos = 0;
};

Summary summarize(const std::vector<FileResult>& files);

}  // namespace pgsafe::rules
