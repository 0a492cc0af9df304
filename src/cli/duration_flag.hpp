#pragma once
// A flag that takes a wait: plain seconds ("300"), as it always has, or a
// duration as policies write them ("90s", "5m", "1h").

#include <CLI/CLI.hpp>

namespace pgsafe::cli {

// For CLI11's transform(): leaves the value as a number of seconds, or
// fails with "expected seconds ("300") or a duration ("90s", "5m", "1h"), not …".
CLI::Validator seconds_or_duration();

}  // namespace pgsafe::cli
