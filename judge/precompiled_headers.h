// Precompiled headers: built once per node before any job, for the compiled languages whose
// table entry names one (C++ <bits/stdc++.h>), and shown read-only in every box.
//
// Building runs the language's compiler on the host, outside the sandbox, with the node's
// privileges (root on a worker) and environment: the cache directory is the node's, and the
// compiler's only input is a one-line file that includes the header the language table names
// (the table is configuration, trusted like the binary). The compiler gets /dev/null as stdin,
// stdout and stderr, no other descriptor of the node and no blocked signals. Several processes
// may share the directory and build at once: each writes under names of its own and renames.
#pragma once

#include <string>

#include "judge/languages.h"

namespace codearena::judge {

// Builds under `dir`/<language id> the precompiled header of every compiled language of
// `languages` that names one, unless one for the language's version and flags is there. Blocks
// until done; a language whose header cannot be built compiles without one. Returns what it
// did, for logs. Throws SandboxError naming the path when `dir` cannot be written.
std::string prepare_precompiled_headers(const LanguageTable& languages, const std::string& dir);

// The compile command's {pch_include} for `language`: "-I<dir>/<id>" when the language names a
// precompiled header and `dir` is not empty, else empty.
std::string precompiled_header_include(const Language& language, const std::string& dir);

}  // namespace codearena::judge
