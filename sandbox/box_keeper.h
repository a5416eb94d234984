// The box keeper: one long-lived process per sandbox slot, living inside the slot's namespaces.
//
// The engine starts it (see namespaces.h) in new mount, PID, IPC, UTS and network namespaces;
// it is PID 1 there. It builds the box's root file system once, then serves runs one at a time
// over its control socket: it places the input files in a fresh /box, starts the program
// (cgroup attach, descriptors 0-2 only, rlimits, dropped credentials, seccomp; the program's
// seccomp listener comes back over a socket pair of that run alone, closed before execve, and
// goes on to the engine with the "started" message) and, when the program's main process
// ends, kills every other process of the slot (kill(-1) from PID 1 reaches exactly them), reaps
// them, hands back the requested output files and replaces /box and /tmp. Keeping the box
// between runs is what makes a run cost a fork and an exec instead of a container setup.
// Between runs an engine that exits may park it for the next engine (keeper_protocol.h's
// ParkOrder, parked_keeper.h): it then outlives the engine until one adopts it or its idle
// time passes.
#pragma once

namespace codearena::sandbox {

// Runs the keeper on `control_socket` until the engine closes it, after closing every other
// descriptor above 2. Returns the process exit code.
int box_keeper_main(int control_socket);

}  // namespace codearena::sandbox
