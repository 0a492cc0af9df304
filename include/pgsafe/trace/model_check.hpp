#pragma once
// The static lock model (analysis::statement_effects) against what the
// server held: per relation the model names, the mode PostgreSQL granted
// must be the model's. A disagreement is a pgsafe bug, reported by
// `pgsafe trace` as model-mismatch and asserted on by the lock-trace tests.
// Pure: the caller reads pg_locks and resolves the names.

#include "pgsafe/analysis/effects.hpp"
#include "pgsafe/sql/ir.hpp"

#include <map>
#include <set>
#include <string>
#include <vector>

namespace pgsafe::trace {

using Oid = long long;

enum class ModelVerdict {
    Agrees,      // every relation the model names holds the model's mode
    Mismatch,    // the server held another mode somewhere: a pgsafe bug
    Unobserved,  // traced from outside while it ran and too short to see a lock
    NoModel,     // a statement pgsafe has no lock model for
};
const char* model_verdict_name(ModelVerdict verdict);  // "agrees", "mismatch", "unobserved", "no-model"

// What the server showed around one statement.
struct ModelObservation {
    std::map<std::string, Oid> resolved;  // the model's relations (qualified as written) -> OID on the server
    std::set<Oid> existed;                // every relation before the statement
    std::set<Oid> user_relations;         // tables, views, matviews, foreign tables outside system schemas
    std::map<Oid, sql::LockMode> before;  // strongest mode the session held before it (same transaction)
    std::map<Oid, sql::LockMode> after;   // strongest mode it held after it, or while it ran
    std::map<Oid, std::string> names;     // "schema.name", for messages
    // Sampled from a second connection while the statement ran (outside a
    // transaction): a lock never seen is unobserved, not absent. Such a
    // statement goes through phases (DROP INDEX CONCURRENTLY ends with a
    // brief ACCESS EXCLUSIVE on the index): the model's mode must be one
    // the server showed in some sample. Samples showing only weaker modes
    // are unobserved (a phase may fall between two samples); a stronger
    // mode than the model's is a mismatch.
    bool sampled = false;
    std::map<Oid, std::set<sql::LockMode>> sampled_modes;
};

struct ModelCheck {
    ModelVerdict verdict = ModelVerdict::Agrees;
    std::vector<std::string> disagreements;  // "on public.t: model SHARE, server ACCESS EXCLUSIVE"
    std::vector<std::string> unresolved;     // model relations the server does not know (IF EXISTS, …)
    std::string model;                       // the model's answer: "ACCESS EXCLUSIVE on t; SHARE on u"
};

ModelCheck check_model(const analysis::Effects& model, const ModelObservation& seen);

// The model's answer in one line, as ModelCheck::model.
std::string model_answer(const analysis::Effects& model);

}  // namespace pgsafe::trace
