// An error before a result, as the JSON document --format json promises.

#include "pgsafe/report/error_report.hpp"

#include "pgsafe/exit_codes.hpp"

#include <nlohmann/json.hpp>

namespace pgsafe::report {
namespace {

using nlohmann::json;

const char* kind_name(ErrorKind kind) {
    switch (kind) {
        case ErrorKind::Usage: return "usage";
        case ErrorKind::Parse: return "parse";
        case ErrorKind::Database: return "database";
        case ErrorKind::Refused: return "refused";
        case ErrorKind::LockTimeout: return "lock_timeout";
        case ErrorKind::Interrupted: return "interrupted";
    }
    return "database";
}

}  // namespace

std::string error_json(const Error& error) {
    json refusals = json::array();
    if (const auto* refused = dynamic_cast<const RefusedError*>(&error))
        for (const auto& r : refused->refusals())
            refusals.push_back({{"code", r.code}, {"message", r.message}, {"unlock", r.unlock}});
    json out = {{"version", 1},
                {"error",
                 {{"kind", kind_name(error.kind())},
                  {"message", error.what()},
                  {"exit_code", exit_code(exit_code_for(error.kind()))},
                  {"refusals", refusals}}}};
    return out.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace pgsafe::report
