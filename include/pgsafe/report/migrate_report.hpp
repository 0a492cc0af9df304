#pragma once
// The results of `pgsafe migrate` and `pgsafe status`: text for people, JSON
// for pipelines. Pure: values in, strings out.

#include "pgsafe/report/migrate_result.hpp"

#include <string>

namespace pgsafe::report {

// {"version":1,"status":"ok|failed|refused|lock_timeout|interrupted","applied":[…],"pending":[…],"error":…|null}
std::string migrate_json(const RunResult& result);
std::string migrate_text(const RunResult& result);

// {"version":1,"database":…,"runner":…|null,"migrations":[{"version","name","state",…}]}
std::string status_json(const StatusReport& report);
std::string status_text(const StatusReport& report);

}  // namespace pgsafe::report
