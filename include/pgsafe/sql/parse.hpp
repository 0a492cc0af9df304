#pragma once
// Parse a migration file's text into the IR. The protobuf tree stays
// reachable through ParsedFile::tree for the rewrite step.

#include "pgsafe/sql/ir.hpp"
#include "pgsafe/sql/plpgsql.hpp"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace pgsafe::sql {

class ParseTree;  // owns the libpg_query protobuf structs; defined in src/sql/

struct ParsedFile {
    std::string text;
    std::vector<Statement> statements;
    std::vector<Comment> comments;    // in file order, those inside dollar-quoted PL/pgSQL bodies included
    std::vector<SyntaxError> errors;  // one per statement that does not parse
    std::shared_ptr<const ParseTree> tree;  // null with KeepTree::No
    // DO blocks and PL/pgSQL functions and procedures, in file order, with the
    // SQL their bodies run (plpgsql.hpp); and the statements that call one.
    std::vector<Routine> routines;
    std::vector<RoutineCall> calls;

    bool ok() const { return errors.empty(); }
};

enum class KeepTree {
    Yes,  // keep the protobuf tree for rewrites (plan, migrate)
    No,   // drop it as soon as the IR is built (lint: less memory)
};

struct ParseOptions {
    KeepTree keep_tree = KeepTree::Yes;
};

// Parses every statement PostgreSQL 15 accepts. Never throws for bad SQL:
// broken statements become SyntaxErrors and the others still parse.
ParsedFile parse_sql(std::string text, ParseOptions options = {});

}  // namespace pgsafe::sql
