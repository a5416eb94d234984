// Class-data archives: for a compiler that runs on a JVM (javac), the classes it loads at start,
// parsed and verified once per node and mapped by every compile instead of loaded from the JDK
// again (class-data sharing). Built like the precompiled headers, before any job, into the same
// directory, which every box sees read-only.
//
// Building runs the language's compile command on the host, outside the sandbox, with the node's
// privileges, on the `sample` source the language table names (the table is configuration,
// trusted like the binary), in a scratch directory of its own, with /dev/null as stdio and no
// other descriptor of the node. Several processes may share the directory and build at once:
// each writes under names of its own and renames.
#pragma once

#include <string>

#include "judge/languages.h"

namespace codearena::judge {

// Builds `dir`/<language id>/classes.jsa for every language of `languages` whose entry asks for a
// class-data archive, unless one for the language's version and compile command is there. Blocks
// until done; a language whose archive cannot be built compiles without one. Returns what it
// did, for logs. Throws SandboxError naming the path when `dir` cannot be written.
std::string prepare_class_data_archives(const LanguageTable& languages, const std::string& dir);

// The compile command's {class_data_archive} for `language`: its "use" option naming the archive
// under `dir` when the language asks for one and it has been built, else empty.
std::string class_data_archive_option(const Language& language, const std::string& dir);

}  // namespace codearena::judge
