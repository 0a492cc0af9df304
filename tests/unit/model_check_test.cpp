// The model check on a statement traced from outside a transaction, where
// the server's locks are only sampled while it runs: a phase the samples
// missed proves nothing, a stronger lock than the model's is a pgsafe bug.

#include "pgsafe/trace/model_check.hpp"

#include <catch2/catch.hpp>

using pgsafe::analysis::Effects;
using pgsafe::sql::LockMode;
using pgsafe::trace::check_model;
using pgsafe::trace::ModelObservation;
using pgsafe::trace::ModelVerdict;

namespace {

// DETACH PARTITION … CONCURRENTLY as the model has it on the partition.
Effects model_on_partition(LockMode mode) {
    Effects model;
    model.outside_transaction = true;
    model.locks.push_back({{"", "events_2023"}, mode});
    return model;
}

ModelObservation sampled(std::set<LockMode> modes) {
    ModelObservation seen;
    seen.sampled = true;
    seen.resolved = {{"events_2023", 42}};
    seen.existed = {42};
    seen.user_relations = {42};
    seen.names = {{42, "public.events_2023"}};
    if (!modes.empty()) seen.after[42] = *modes.rbegin();  // the strongest seen while it ran
    if (!modes.empty()) seen.sampled_modes[42] = std::move(modes);
    return seen;
}

}  // namespace

TEST_CASE("a sampled statement: the model's mode seen in a sample agrees", "[trace][model]") {
    auto check = check_model(model_on_partition(LockMode::AccessExclusive),
                             sampled({LockMode::ShareUpdateExclusive, LockMode::AccessExclusive}));
    CHECK(check.verdict == ModelVerdict::Agrees);
}

TEST_CASE("a sampled statement: only a weaker phase seen is unobserved, not a mismatch", "[trace][model]") {
    // The first transaction (SHARE UPDATE EXCLUSIVE) was sampled, the second
    // (ACCESS EXCLUSIVE on the partition) ended between two samples.
    auto check =
        check_model(model_on_partition(LockMode::AccessExclusive), sampled({LockMode::ShareUpdateExclusive}));
    CHECK(check.verdict == ModelVerdict::Unobserved);
    CHECK(check.disagreements.empty());
    CHECK(check_model(model_on_partition(LockMode::AccessExclusive), sampled({})).verdict ==
          ModelVerdict::Unobserved);
}

TEST_CASE("a sampled statement: a lock stronger than the model's is a mismatch", "[trace][model]") {
    auto check =
        check_model(model_on_partition(LockMode::ShareUpdateExclusive), sampled({LockMode::AccessExclusive}));
    CHECK(check.verdict == ModelVerdict::Mismatch);
    REQUIRE(check.disagreements.size() == 1);
    CHECK(check.disagreements[0].find("on events_2023: model SHARE UPDATE EXCLUSIVE") != std::string::npos);
}
