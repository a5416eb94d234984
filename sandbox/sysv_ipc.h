// Removing a run's System V IPC objects between runs.
//
// A new IPC namespace alone does not free them at once: the kernel frees a dropped namespace
// later, from a worker after an RCU grace period, and until then the pages of its shared memory
// segments stay charged to the slot's memory cgroup, where the next run finds them.
#pragma once

namespace codearena::sandbox {

// Removes every shared memory segment, semaphore set and message queue of the calling
// process's IPC namespace. With no process attached (the run is over) a segment's memory is
// freed before the call returns. Needs CAP_IPC_OWNER in the namespace (the box keeper).
// Returns 0 or the errno of the first removal that failed.
int remove_sysv_ipc_objects();

}  // namespace codearena::sandbox
