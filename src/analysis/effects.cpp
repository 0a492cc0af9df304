// The Effects value: one lock per relation, merged so the strongest mode and
// the heaviest work win, because a statement holds its locks until commit.

#include "effects_builder.hpp"

#include <algorithm>

namespace pgsafe::analysis {

sql::LockMode Effects::strongest() const {
    sql::LockMode out = sql::LockMode::None;
    for (const auto& lock : locks) out = std::max(out, lock.mode);
    return out;
}

const RelationLock* Effects::lock_on(const sql::RelationName& relation) const {
    for (const auto& lock : locks) {
        if (lock.relation == relation) return &lock;
    }
    return nullptr;
}

namespace detail {

void add_lock(Effects& effects, const sql::RelationName& relation, sql::LockMode mode, TableWork work) {
    for (auto& lock : effects.locks) {
        if (lock.relation == relation) {
            lock.mode = std::max(lock.mode, mode);
            lock.work = std::max(lock.work, work);
            return;
        }
    }
    RelationLock lock;
    lock.relation = relation;
    lock.mode = mode;
    lock.work = work;
    effects.locks.push_back(lock);
}

void add_note(Effects& effects, std::string note) {
    if (std::find(effects.notes.begin(), effects.notes.end(), note) == effects.notes.end())
        effects.notes.push_back(std::move(note));
}

}  // namespace detail
}  // namespace pgsafe::analysis
