#pragma once
// Internal to src/analysis: building an Effects value one lock at a time, so
// each relation appears once with its strongest mode and heaviest work.

#include "pgsafe/analysis/effects.hpp"

#include <string>

namespace pgsafe::analysis::detail {

// Adds a lock, or strengthens the one already recorded for the relation.
void add_lock(Effects& effects, const sql::RelationName& relation, sql::LockMode mode,
              TableWork work = TableWork::None);
void add_note(Effects& effects, std::string note);

Effects alter_table_effects(const sql::AlterTable& alter);

// Whether a column default needs a value per row (so ADD COLUMN rewrites the table).
bool default_is_volatile(const sql::ExprInfo& expr);

}  // namespace pgsafe::analysis::detail
