#pragma once
// What the steps of one migration leave in the session for the steps after
// them. pgsafe runs each statement outside BEGIN … COMMIT as a step of its
// own (as psql -f does) and records each one, so a run killed between two
// steps resumes in a new session: a session-level SET made by a completed
// step is gone (the remaining steps would silently run under other
// settings), and so is a temporary object it created (the remaining steps
// that use it fail). This says which steps set what and which temporary
// objects span which steps, so a resume can put the settings back and
// refuse, before anything runs, a resume that needs a temporary object.
// Pure: step SQL in, values out.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pgsafe::plan {

// A statement of a step that changes the session beyond its transaction:
// SET / RESET (not LOCAL, not SET TRANSACTION), SET ROLE, SET SESSION
// AUTHORIZATION, RESET ALL, SET SESSION CHARACTERISTICS, and a plain
// `SELECT set_config(…, false)`. Running it again sets the same.
struct SessionSetting {
    int step = 0;     // 1-based
    std::string sql;  // the statement as written in the step, without ';'
};

// A temporary object created by one step and named by a later one.
struct TemporarySpan {
    std::string what;  // "temporary table", "prepared statement", …
    std::string name;  // as PostgreSQL folds it ("comment_temp")
    int created = 0;   // the step that creates it (1-based)
    int last_use = 0;  // the last later step that names it (or drops it); > created
};

struct SessionState {
    std::vector<SessionSetting> settings;    // in step order
    std::vector<TemporarySpan> temporaries;  // only spans that cross a step boundary, by creation
};

// `steps[i]` is the SQL of step i + 1. A step that does not parse is
// skipped (a plan never holds one). A later step "names" an object when
// the name appears in it as a word (also in a string or a comment): more
// spans than strictly needed, never fewer.
SessionState session_state(const std::vector<std::string>& steps);

// The SQL that restores, for a run resuming at step `next`, the settings
// the steps before it made, in their order ("" when none), each statement
// followed by ";\n".
std::string settings_before(const SessionState& state, int next);

// The first temporary object that a step from `next` on needs and a step
// before `next` created: a resume there would run without it.
std::optional<TemporarySpan> lost_temporary(const SessionState& state, int next);

// Whether `text` may hold a statement that changes the session: every one
// (sql/session_effect.hpp) has one of the words SET, RESET, set_config, TEMP,
// TEMPORARY or PREPARE, or a name in schema pg_temp. False says for sure
// that it holds none, without parsing.
bool may_change_session(const std::string& text);

// The words a name could be written as in `text`: runs of identifier
// characters as written and lower-cased, and the contents of double quotes.
std::vector<std::string> words_of(const std::string& text);
// Calls `each` with those words in order (repeats included) until it returns
// true, and says whether it did: a quick test before parsing, without
// building the set.
bool any_word(const std::string& text, const std::function<bool(std::string_view)>& each);

}  // namespace pgsafe::plan
