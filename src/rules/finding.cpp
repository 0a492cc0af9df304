// Severity names and the summary every reporter prints.

#include "pgsafe/rules/finding.hpp"

namespace pgsafe::rules {

const char* severity_name(Severity severity) {
    switch (severity) {
        case Severity::Error: return "error";
        case Severity::Warning: return "warning";
        case Severity::Info: return "info";
    }
    return "error";
}

std::optional<Severity> severity_from_name(const std::string& name) {
    if (name == "error") return Severity::Error;
    if (name == "warning") return Severity::Warning;
    if (name == "info") return Severity::Info;
    return std::nullopt;
}

Summary summarize(const std::vector<FileResult>& files) {
    Summary s;
    s.files = files.size();
    for (const auto& f : files) {
        s.statements += f.statements;
        for (const auto& finding : f.findings) {
            switch (finding.severity) {
                case Severity::Error: ++s.errors; break;
                case Severity::Warning: ++s.warnings; break;
                case Severity::Info: ++s.infos; break;
            }
        }
    }
    return s;
}

}  // namespace pgsafe::rules
