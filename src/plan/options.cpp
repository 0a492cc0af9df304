// The planner's options from the resolved settings, so every command that
// plans (plan, migrate, status) plans with the same lint options and timeouts.

#include "pgsafe/plan/plan.hpp"

namespace pgsafe::plan {

PlanOptions plan_options(const config::Settings& settings) {
    PlanOptions options;
    options.lint = config::lint_options(settings);
    options.timeouts = settings.timeouts;
    return options;
}

}  // namespace pgsafe::plan
