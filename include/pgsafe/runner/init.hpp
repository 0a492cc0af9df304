#pragma once
// `pgsafe init`: an administrator, connected as the role that is to own
// schema pgsafe, creates or upgrades the tracking schema, grants the
// policy's roles exactly what they need, and stores the environment's name
// and policy in the database (docs/policies.md, "Security model").

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace pgsafe::runner {

// A role the policy names, with the key that names it, for messages.
struct PolicyRole {
    std::string role;
    std::string key;  // "[access] approve"
};

struct InitRequest {
    std::string conninfo;
    std::string environment;              // "production"
    std::string policy_text;              // the policy file's text, stored as read
    std::string policy_origin;            // "policies/production.toml", for messages
    std::vector<PolicyRole> run;          // may write migrations, steps and events
    std::vector<PolicyRole> approve;      // may call pgsafe.approve and pgsafe.revoke
    std::vector<PolicyRole> break_glass;  // run with --break-glass: granted what run roles get
    std::chrono::milliseconds lock_wait{std::chrono::minutes(5)};  // for the runner lock
};

struct InitResult {
    std::string database;                       // "user@host:port/database"
    std::string owner;                          // of schema pgsafe, now
    std::optional<std::string> previous_owner;  // when init took the schema over from its first creator
    int schema_from = 0;                        // 0: created now
    int schema_to = 0;
    std::optional<std::string> previous_environment;  // the name stored before, when there was one
    bool policy_changed = true;                       // the stored policy text differs from before
    std::string checksum;                             // sha256 hex of the policy text
    std::vector<std::string> run_grantees;  // roles granted the run privileges ("PUBLIC" for anyone)
    std::vector<std::string> approve_grantees;
};

// Creates or upgrades the tracking schema, takes it over from the role that
// created it when the connected role may (a superuser, or a member of that
// role), sets its grants from scratch (REVOKE from every other role, then
// GRANT to the policy's roles; an empty [access] run means anyone who can
// connect: PUBLIC), sets the roles pgsafe.approve accepts, stores the
// environment and policy, and records an "init" event, all in one
// transaction under the runner lock. Idempotent. Throws pgsafe::Error:
// (Usage) for a role the policy names that does not exist (naming the
// key); (Refused) for an untrusted schema; (Database) when the connected
// role cannot create or own the schema, naming the owner.
InitResult init_database(const InitRequest& request);

}  // namespace pgsafe::runner
