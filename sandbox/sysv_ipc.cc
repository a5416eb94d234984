#include "sandbox/sysv_ipc.h"

#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>

#include <cerrno>

namespace codearena::sandbox {
namespace {

// The fourth argument of semctl, which the caller defines (semctl(2)).
union SemctlArgument {
  int value;
  semid_ds* set;
  unsigned short* values;
  seminfo* info;
};

// One kind of object, listed by index: `highest_index` returns the highest index in use (or
// -1 with errno set), `id_at` the id of the object at an index (-1 for an unused one).
struct Kind {
  int (*highest_index)();
  int (*id_at)(int index);
  int (*remove)(int id);
};

const Kind kKinds[] = {
    {[] {
       shm_info info{};
       return ::shmctl(0, SHM_INFO, reinterpret_cast<shmid_ds*>(&info));
     },
     [](int index) {
       shmid_ds segment{};
       return ::shmctl(index, SHM_STAT, &segment);
     },
     [](int id) { return ::shmctl(id, IPC_RMID, nullptr); }},
    {[] {
       seminfo info{};
       return ::semctl(0, 0, SEM_INFO, SemctlArgument{.info = &info});
     },
     [](int index) {
       semid_ds set{};
       return ::semctl(index, 0, SEM_STAT, SemctlArgument{.set = &set});
     },
     [](int id) { return ::semctl(id, 0, IPC_RMID); }},
    {[] {
       msginfo info{};
       return ::msgctl(0, MSG_INFO, reinterpret_cast<msqid_ds*>(&info));
     },
     [](int index) {
       msqid_ds queue{};
       return ::msgctl(index, MSG_STAT, &queue);
     },
     [](int id) { return ::msgctl(id, IPC_RMID, nullptr); }},
};

}  // namespace

int remove_sysv_ipc_objects() {
  for (const Kind& kind : kKinds) {
    const int highest = kind.highest_index();
    if (highest < 0) return errno;
    for (int index = 0; index <= highest; ++index) {
      const int id = kind.id_at(index);
      if (id >= 0 && kind.remove(id) != 0) return errno;
    }
  }
  return 0;
}

}  // namespace codearena::sandbox
