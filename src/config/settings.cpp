// Settings to the options the pure passes take: the lint session's view
// of thresholds, rules, runner and target version.

#include "pgsafe/config/settings.hpp"

namespace pgsafe::config {

rules::LintOptions lint_options(const Settings& settings) {
    rules::LintOptions options;
    options.thresholds = settings.thresholds;
    options.severities = settings.rules.severity;
    options.excluded = settings.rules.exclude;
    options.included = settings.rules.include;
    options.runner = settings.lint.runner;
    options.pg_version = settings.lint.postgres_version;
    return options;
}

}  // namespace pgsafe::config
