#pragma once
// The SQL that PL/pgSQL runs: the static statements of a DO block's body, or
// of a function or procedure written in PL/pgSQL, read with libpg_query's
// PL/pgSQL parser, with spans in the file so rules see them like any other
// statement; and the EXECUTEs whose SQL is computed at run time, which
// pgsafe cannot read.

#include "pgsafe/sql/ir.hpp"

#include <cstddef>
#include <string>
#include <vector>

namespace pgsafe::sql {

enum class RoutineKind { DoBlock, Function, Procedure };

// A statement of a PL/pgSQL body that runs SQL pgsafe can read: a static SQL
// statement, PERFORM, CALL, or EXECUTE of a string literal.
struct RoutineStatement {
    Statement statement;  // spans in the file; tree_index is not meaningful (no tree)
    // Inside IF, CASE, a loop, an exception handler or a block that has one:
    // it may not run, or fail and be rolled back.
    bool conditional = false;
    bool exact_span = true;  // false: located on its line only (quote escapes, SELECT … INTO, PERFORM)
    // Transaction segment of the body: 0, then one more after each COMMIT or
    // ROLLBACK the body runs (procedures and DO blocks run outside a block may).
    std::size_t segment = 0;
    std::vector<RelationName> calls;  // functions and procedures it calls: SELECT f(), PERFORM f(), CALL p()
};

// An EXECUTE whose SQL is computed when it runs (format(…), concatenation, a
// variable): pgsafe cannot tell what it locks.
struct DynamicSql {
    Span span;               // the EXECUTE's string expression in the file (its line when not found)
    std::string expression;  // as written: "format('ALTER TABLE %I …', t)"
    bool conditional = false;
};

struct Routine {
    RoutineKind kind = RoutineKind::DoBlock;
    std::size_t statement = 0;  // the DO or CREATE FUNCTION/PROCEDURE: index into ParsedFile::statements
    RelationName name;          // the function's name; empty for a DO block
    std::string language;       // lower-case: "plpgsql", "sql", "plpython3u", …
    Span body;                  // the body's text in the file, between its quotes
    bool read = false;          // a PL/pgSQL body pgsafe parsed
    std::string error;          // why a PL/pgSQL body could not be read (read is false)
    std::vector<RoutineStatement> statements;  // in body order
    std::vector<DynamicSql> dynamic;           // in body order
};

// A statement of the file that calls a function or procedure by name (SELECT
// f(…), CALL p(…)), recorded when a PL/pgSQL routine of that name was created
// earlier in the file.
struct RoutineCall {
    std::size_t statement = 0;  // index into ParsedFile::statements
    RelationName function;
};

const char* routine_kind_name(RoutineKind kind);  // "DO block", "function", "procedure"

}  // namespace pgsafe::sql
