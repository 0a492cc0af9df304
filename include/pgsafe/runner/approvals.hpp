#pragma once
// Approvals as the database keeps them: written only through the SECURITY
// DEFINER functions pgsafe.approve and pgsafe.revoke (so the approver is the
// connection's session_user, and only the roles `pgsafe init` named can
// write), read back with what the database says about each approver now.

#include "pgsafe/runner/policy_gate.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace pgsafe::runner {

// One migration to approve: its version and the checksum of its file as it is now.
struct ApprovalTarget {
    std::string version;
    std::string checksum;  // "sha256:<hex>"
};

struct Approved {
    long long id = 0;
    std::string version;
    std::string checksum;
    std::optional<std::string> expires_at;  // "2026-12-04 08:00:00 UTC"
};

struct ApproveResult {
    std::string database;
    std::string approver;  // session_user
    std::vector<Approved> approved;
};

// Records one approval per target through pgsafe.approve, all in one
// transaction, as the connected role. Throws pgsafe::Error: (Refused) when
// the role may not approve (no EXECUTE, or not a member of the approve
// roles stored by init); (Usage) when the database has no approvals yet
// (never initialised) or the reason is empty; (Database) otherwise.
ApproveResult approve(const std::string& conninfo, const std::vector<ApprovalTarget>& targets,
                      const std::string& reason, std::optional<std::chrono::seconds> valid_for);

struct RevokeResult {
    std::string database;
    std::string approver;
    int revoked = 0;  // the connected role's live approvals of the version, now revoked
};

// Revokes the connected role's live approvals of `version` through
// pgsafe.revoke. Throws as approve().
RevokeResult revoke(const std::string& conninfo, const std::string& version);

// One row of pgsafe.approvals and what the database says about it now.
struct ApprovalRow {
    long long id = 0;
    std::string version;
    std::string checksum;
    std::string approver;
    std::string reason;
    long long created_at = 0;  // Unix seconds
    std::optional<long long> expires_at;
    std::optional<long long> revoked_at;
    std::optional<std::string> revoked_by;
    std::vector<std::string> approver_member_of;  // the approve roles the approver belongs to now
    std::optional<std::string> runner;            // who ran (or runs) the migration, when it has run
};

struct ApprovalList {
    std::string database;
    long long now = 0;                       // the database's clock, Unix seconds
    std::optional<std::string> environment;  // stored by init; nullopt: not initialised
    std::optional<std::string> policy;       // the stored policy's text
    std::vector<std::string> approve_roles;  // the roles pgsafe.approve accepts (set by init)
    std::vector<ApprovalRow> approvals;      // oldest first
};

// Every approval (revoked and expired ones too), read-only. Membership is
// checked against the stored approve roles and `also_roles` (a policy's).
// A database without the tracking schema has none.
ApprovalList list_approvals(const std::string& conninfo, const std::vector<std::string>& also_roles = {});

// The environment and policy `pgsafe init` stored (policy_gate.hpp's
// record); nullopt when the database was not initialised, or the connected
// role may not read them. Unlike the gate's read, which fails closed before
// a migration runs, approve and approvals go on without it: the database's
// own functions judge who may approve.
std::optional<StoredEnvironment> read_stored_environment(const std::string& conninfo);

// "2026-12-04 08:00:00 UTC"
std::string utc_text(long long unix_seconds);

}  // namespace pgsafe::runner
