// Which languages of the table this machine can run: a worker offers only those (WORKER_LANGUAGES),
// and the leader dispatches it only jobs of them.
#pragma once

#include <string>
#include <vector>

#include "judge/languages.h"

namespace codearena::judge {

// True when the programs the language's commands start are on this machine: the first word of
// its compile and run commands, where that is an absolute path, is an executable file. A
// relative first word ("./main") is the program the compilation produces.
bool toolchain_present(const Language& language);

// The ids of the languages this worker offers, in table order. `wanted` lists ids or aliases (as
// WORKER_LANGUAGES gives them); empty: every language of the table whose toolchain is present.
// Throws std::invalid_argument naming a wanted language the table does not know, or one whose
// toolchain is missing (with the missing program), or saying that none is left.
std::vector<std::string> offered_languages(const LanguageTable& table,
                                           const std::vector<std::string>& wanted);

}  // namespace codearena::judge
