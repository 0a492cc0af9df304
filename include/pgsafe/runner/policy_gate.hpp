#pragma once
// The database reads the policy verdict needs, and the gate `migrate` asks
// before each migration: the environment and policy stored by `pgsafe init`
// (the stored one wins over the file on disk), the identity of session_user
// and its memberships, and the approvals on record (docs/policies.md).

#include "pgsafe/db/connection.hpp"
#include "pgsafe/policy/policy.hpp"
#include "pgsafe/policy/verdict.hpp"
#include "pgsafe/runner/runner.hpp"

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace pgsafe::runner {

// What `pgsafe init` stored: pgsafe.environment's row; nullopt when the
// database was never initialised (no table, or no row).
struct StoredEnvironment {
    std::string name;
    std::string policy;  // the policy file's text
};
std::optional<StoredEnvironment> read_stored_environment(db::Connection& connection);

// session_user, whether it is a superuser, which roles the policy names it
// belongs to, and whether it could write pgsafe.approvals. Throws
// pgsafe::Error (Usage) naming the policy key of a role that does not exist.
policy::Identity read_identity(db::Connection& connection, const policy::Policy& policy);

// The approvals of these versions, each with whether its approver is now a
// member of a role in [access] approve. Empty without a tracking schema.
std::vector<policy::ApprovalRecord> read_approvals(db::Connection& connection, const policy::Policy& policy,
                                                   const std::vector<std::string>& versions);

// The risk and rules of a migration's stored plan (a resumed one); nullopt when not recorded.
std::optional<std::pair<plan::Risk, std::set<std::string>>> stored_plan_facts(db::Connection& connection,
                                                                              const std::string& version);

// The policy that applies to a database: the stored one when it was
// initialised (a chosen environment that differs is a refusal), else the
// disk policy of the chosen environment.
struct EffectivePolicy {
    std::optional<policy::Policy> policy;  // nullopt: no policy (an uninitialised database, no file)
    std::vector<Refusal> refusals;         // --env names another environment than the stored one
    std::vector<std::string> notes;        // "the local policies/production.toml differs from …"
    bool stored = false;
};
struct ChosenPolicy {
    std::string environment;
    bool explicit_environment = false;      // --env, PGSAFE_ENV or pgsafe.toml named it
    std::optional<policy::Policy> on_disk;  // policies/<environment>.toml, when it exists
};
EffectivePolicy effective_policy(db::Connection& connection, const ChosenPolicy& chosen);

// Refusals from a verdict, each message naming the migration.
std::vector<Refusal> refusals_of(const policy::Verdict& verdict, const std::string& version,
                                 const std::string& path);

struct PolicyGateOptions {
    std::string conninfo;
    ChosenPolicy chosen;
    std::optional<std::string> break_glass;               // --break-glass "reason"
    std::optional<std::chrono::seconds> wait_for_window;  // --wait-for-window DURATION
    std::function<void(const std::string&)> progress;     // waiting messages (stderr)
};

// migrate's gate: reads the stored policy and identity once, approvals and
// the clock before every migration.
class PolicyGate : public MigrationGate {
public:
    // Reads the stored policy and identity on a session of its own, which it keeps.
    explicit PolicyGate(PolicyGateOptions options);
    // Reads them on `first_reads`, a session of open_session's (pg_catalog's
    // search path) that nothing else uses meanwhile, and opens a session of
    // its own for the approvals only when a policy applies: a run without
    // one (a pipeline building a database from empty) connects once less.
    PolicyGate(PolicyGateOptions options, db::Connection& first_reads);
    ~PolicyGate() override;
    GateDecision check(const GateInput& input) override;
    bool time_independent() const override { return m_effective.refusals.empty() && !m_effective.policy; }
    const EffectivePolicy& effective() const { return m_effective; }

private:
    void read_policy(db::Connection& connection);
    PolicyGateOptions m_options;
    std::optional<db::Connection> m_connection;  // set whenever a policy applies
    EffectivePolicy m_effective;
    policy::Identity m_identity;
};

}  // namespace pgsafe::runner
