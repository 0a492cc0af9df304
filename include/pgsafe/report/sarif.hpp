#pragma once
// Lint results as SARIF 2.1.0, the format code-scanning services (GitHub code
// scanning, Azure DevOps, IDE viewers) read. Pure: returns the document.

#include "pgsafe/rules/finding.hpp"

#include <string>
#include <vector>

namespace pgsafe::report {

// One run of tool "pgsafe" with every registered rule in tool.driver.rules
// and one result per finding. Relative paths become URIs relative to
// `source_root` (an absolute directory, usually the working directory) via
// uriBaseId "%SRCROOT%"; absolute paths become file:// URIs. Columns are
// Unicode code points (run.columnKind), 1-based; endColumn is exclusive.
std::string lint_sarif(const std::vector<rules::FileResult>& files, const std::string& source_root);

// A path as a URI reference: '/'-separated, percent-encoded where RFC 3986
// requires it ("my file.sql" -> "my%20file.sql").
std::string uri_encode_path(const std::string& path);

}  // namespace pgsafe::report
