// Built into `codearena` only with CODEARENA_SANITIZE: the leaks LeakSanitizer is told to
// ignore, because they are in the libraries, not in this project.

extern "C" {

// Read by LeakSanitizer at start-up (a weak hook in the sanitizer runtime).
//
// caf::io::basp: CAF 0.17's network layer can be left holding a small cycle (its BASP broker,
// the helper actor it spawns per connected node, and the messages still queued for them) when
// the runtime stops while a connection to another node is being closed. The cycle lives until
// the process exits, which it is about to do; it never grows during a run.
const char* __lsan_default_suppressions() {
  return "leak:caf::io::basp\n";
}

}  // extern "C"
