// The lock model checked against the server, relation by relation. Inside a
// transaction a statement's lock can hide behind a stronger one an earlier
// statement took: then the model only has to stay at or below what was held.

#include "pgsafe/trace/model_check.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace pgsafe::trace {
namespace {

using sql::LockMode;

LockMode mode_in(const std::map<Oid, LockMode>& modes, Oid oid) {
    auto it = modes.find(oid);
    return it == modes.end() ? LockMode::None : it->second;
}

std::string name_of(const ModelObservation& seen, Oid oid) {
    auto it = seen.names.find(oid);
    return it != seen.names.end() ? it->second : fmt::format("relation {}", oid);
}

// What the statement itself took on a relation, as far as the server shows
// it: the mode after it when that rose, else None (nothing new, or hidden).
LockMode taken(const ModelObservation& seen, Oid oid) {
    LockMode after = mode_in(seen.after, oid);
    return after > mode_in(seen.before, oid) ? after : LockMode::None;
}

enum class Outcome { Agrees, Mismatch, Unobserved };

// `server` is what the statement visibly took; `hidden` the strongest mode
// held before it on the same relation(s).
Outcome judge(LockMode model, LockMode server, LockMode hidden, bool sampled) {
    if (server == model) return Outcome::Agrees;
    if (sampled) return server == LockMode::None ? Outcome::Unobserved : Outcome::Mismatch;
    if (server == LockMode::None && model <= hidden) return Outcome::Agrees;  // behind an earlier lock
    return Outcome::Mismatch;
}

}  // namespace

const char* model_verdict_name(ModelVerdict verdict) {
    switch (verdict) {
        case ModelVerdict::Agrees: return "agrees";
        case ModelVerdict::Mismatch: return "mismatch";
        case ModelVerdict::Unobserved: return "unobserved";
        case ModelVerdict::NoModel: return "no-model";
    }
    return "";
}

std::string model_answer(const analysis::Effects& model) {
    if (model.unknown) return "no lock model";
    std::string out;
    for (const auto& lock : model.locks) {
        out += fmt::format(
            "{}{} on {}", out.empty() ? "" : "; ", sql::lock_mode_name(lock.mode),
            lock.relation.empty() ? "(a relation the statement does not name)" : lock.relation.qualified());
    }
    if (out.empty()) out = "no table lock";
    if (model.outside_transaction) out += ", outside a transaction";
    return out;
}

ModelCheck check_model(const analysis::Effects& model, const ModelObservation& seen) {
    ModelCheck check;
    check.model = model_answer(model);
    if (model.unknown) {
        check.verdict = ModelVerdict::NoModel;
        return check;
    }
    bool unobserved = false;
    auto named = [&](Oid oid) {
        return std::any_of(seen.resolved.begin(), seen.resolved.end(),
                           [oid](const auto& r) { return r.second == oid; });
    };
    // "No table lock" is a claim too: no user relation that existed may gain one.
    if (model.locks.empty()) {
        for (const auto& [oid, mode] : seen.after) {
            if (!seen.user_relations.count(oid) || !seen.existed.count(oid)) continue;
            LockMode server = taken(seen, oid);
            if (server == LockMode::None) continue;
            check.disagreements.push_back(fmt::format("on {}: model no table lock, server {}",
                                                      name_of(seen, oid), sql::lock_mode_name(server)));
        }
    }
    for (const auto& lock : model.locks) {
        LockMode server = LockMode::None;
        LockMode hidden = LockMode::None;
        std::string where;
        if (lock.relation.empty()) {
            where = "the relations the statement does not name";
            for (const auto& [oid, mode] : seen.after) {
                if (!seen.user_relations.count(oid) || named(oid) || !seen.existed.count(oid)) continue;
                server = std::max(server, taken(seen, oid));
                hidden = std::max(hidden, mode_in(seen.before, oid));
            }
        } else {
            auto it = seen.resolved.find(lock.relation.qualified());
            if (it == seen.resolved.end()) {
                check.unresolved.push_back(lock.relation.qualified());
                continue;
            }
            where = lock.relation.qualified();
            server = taken(seen, it->second);
            hidden = mode_in(seen.before, it->second);
        }
        if (seen.sampled) {
            auto seen_mode = [&](Oid oid) {
                auto it = seen.sampled_modes.find(oid);
                return it != seen.sampled_modes.end() && it->second.count(lock.mode) > 0;
            };
            auto strongest = [&](Oid oid) {
                auto it = seen.sampled_modes.find(oid);
                return it == seen.sampled_modes.end() || it->second.empty() ? LockMode::None
                                                                            : *it->second.rbegin();
            };
            bool observed = false;
            bool matched = false;
            LockMode above = LockMode::None;  // the strongest mode seen
            if (lock.relation.empty()) {
                for (const auto& [oid, modes] : seen.sampled_modes) {
                    if (!seen.user_relations.count(oid) || named(oid) || !seen.existed.count(oid)) continue;
                    observed = true;
                    matched = matched || seen_mode(oid);
                    above = std::max(above, strongest(oid));
                }
            } else if (auto it = seen.resolved.find(lock.relation.qualified()); it != seen.resolved.end()) {
                observed = seen.sampled_modes.count(it->second) > 0;
                matched = seen_mode(it->second);
                above = strongest(it->second);
            }
            if (matched || (!observed && lock.relation.empty())) continue;
            // Samples taken while it ran may miss a phase: only weaker modes seen
            // (DETACH PARTITION CONCURRENTLY's first transaction before its second)
            // prove nothing; a stronger one than the model's is a mismatch.
            if (!observed || above < lock.mode) {
                unobserved = true;
                continue;
            }
        }
        // The unnamed lock is the model's bound for relations the statement does
        // not name (the tables a SELECT reads): there may be none.
        if (lock.relation.empty() && server == LockMode::None && !seen.sampled) continue;
        switch (judge(lock.mode, server, hidden, seen.sampled)) {
            case Outcome::Agrees: break;
            case Outcome::Unobserved: unobserved = true; break;
            case Outcome::Mismatch:
                check.disagreements.push_back(fmt::format("on {}: model {}, server {}", where,
                                                          sql::lock_mode_name(lock.mode),
                                                          sql::lock_mode_name(server)));
        }
    }
    check.verdict = !check.disagreements.empty() ? ModelVerdict::Mismatch
                    : unobserved                 ? ModelVerdict::Unobserved
                                                 : ModelVerdict::Agrees;
    return check;
}

}  // namespace pgsafe::trace
