#pragma once
// An error that ended a command before it had a result to print, as JSON: a
// pipeline that asked for --format json always gets a document to read on
// stdout, whatever went wrong. Pure: the error in, a string out.

#include "pgsafe/error.hpp"

#include <string>

namespace pgsafe::report {

// {"version":1,"error":{"kind":"usage|parse|database|refused|lock_timeout|interrupted",
//  "message":…,"exit_code":N,"refusals":[{"code","message","unlock"}]}}
std::string error_json(const Error& error);

}  // namespace pgsafe::report
