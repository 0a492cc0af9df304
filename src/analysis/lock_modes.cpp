// PostgreSQL's table lock modes as data: which modes conflict (the "Conflicting
// Lock Modes" table of the docs, chapter 13.3.1) and what each one stops other
// sessions from doing, in the words messages use.

#include "pgsafe/analysis/effects.hpp"

#include <array>
#include <cstdint>

namespace pgsafe::analysis {
namespace {

using sql::LockMode;

constexpr std::uint16_t bit(LockMode m) {
    return static_cast<std::uint16_t>(1u << static_cast<unsigned>(m));
}

// For each requested mode, the held modes that make it wait (lock.c's LockConflicts).
constexpr std::array<std::uint16_t, 9> k_conflicts = {
    0,                                                          // None
    bit(LockMode::AccessExclusive),                             // AccessShare
    bit(LockMode::Exclusive) | bit(LockMode::AccessExclusive),  // RowShare
    bit(LockMode::Share) | bit(LockMode::ShareRowExclusive) | bit(LockMode::Exclusive) |
        bit(LockMode::AccessExclusive),  // RowExclusive
    bit(LockMode::ShareUpdateExclusive) | bit(LockMode::Share) | bit(LockMode::ShareRowExclusive) |
        bit(LockMode::Exclusive) | bit(LockMode::AccessExclusive),  // ShareUpdateExclusive
    bit(LockMode::RowExclusive) | bit(LockMode::ShareUpdateExclusive) | bit(LockMode::ShareRowExclusive) |
        bit(LockMode::Exclusive) | bit(LockMode::AccessExclusive),  // Share
    bit(LockMode::RowExclusive) | bit(LockMode::ShareUpdateExclusive) | bit(LockMode::Share) |
        bit(LockMode::ShareRowExclusive) | bit(LockMode::Exclusive) |
        bit(LockMode::AccessExclusive),  // ShareRowExclusive
    bit(LockMode::RowShare) | bit(LockMode::RowExclusive) | bit(LockMode::ShareUpdateExclusive) |
        bit(LockMode::Share) | bit(LockMode::ShareRowExclusive) | bit(LockMode::Exclusive) |
        bit(LockMode::AccessExclusive),  // Exclusive
    bit(LockMode::AccessShare) | bit(LockMode::RowShare) | bit(LockMode::RowExclusive) |
        bit(LockMode::ShareUpdateExclusive) | bit(LockMode::Share) | bit(LockMode::ShareRowExclusive) |
        bit(LockMode::Exclusive) | bit(LockMode::AccessExclusive),  // AccessExclusive
};

}  // namespace

bool lock_conflicts(LockMode held, LockMode requested) {
    return (k_conflicts[static_cast<std::size_t>(requested)] & bit(held)) != 0;
}

const char* lock_blocks(LockMode mode) {
    switch (mode) {
        case LockMode::None: return "nothing";
        case LockMode::AccessShare:
            return "only ACCESS EXCLUSIVE statements (DROP, TRUNCATE, most ALTER TABLE)";
        case LockMode::RowShare:
            return "EXCLUSIVE and ACCESS EXCLUSIVE statements (most ALTER TABLE, REFRESH MATERIALIZED VIEW)";
        case LockMode::RowExclusive: return "CREATE INDEX, and DDL taking SHARE or stronger";
        case LockMode::ShareUpdateExclusive:
            return "DDL, VACUUM and other schema changes (reads and writes go on)";
        case LockMode::Share: return "writes and schema changes (reads go on)";
        case LockMode::ShareRowExclusive: return "writes and schema changes (reads go on)";
        case LockMode::Exclusive: return "writes and SELECT FOR UPDATE/SHARE (plain reads go on)";
        case LockMode::AccessExclusive: return "reads and writes";
    }
    return "nothing";
}

const char* table_work_name(TableWork work) {
    switch (work) {
        case TableWork::None: return "none";
        case TableWork::Scan: return "scan";
        case TableWork::Rewrite: return "rewrite";
    }
    return "none";
}

}  // namespace pgsafe::analysis
