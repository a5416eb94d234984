// Lists every descriptor above 2 this program inherited, with what it is, and exits 1 if there
// is any: a sandboxed program must start with exactly stdin, stdout and stderr.
//
// The JVM opens files of its own before main() runs: its module image and jars under
// /usr/lib/jvm. Those are left out, nothing else. Java cannot probe a descriptor number
// without /proc, so this view is /proc/self/fd alone; a missing /proc fails the program.
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;

public class Inventory {
  public static void main(String[] args) throws IOException {
    TreeSet<Integer> listed = new TreeSet<>();
    try (Stream<Path> entries = Files.list(Path.of("/proc/self/fd"))) {
      entries.forEach(entry -> listed.add(Integer.parseInt(entry.getFileName().toString())));
    }
    List<String> inherited = new ArrayList<>();
    for (int fd : listed) {
      if (fd <= 2) continue;
      String target;
      try {
        target = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
      } catch (NoSuchFileException closed) {
        continue;  // The listing's own descriptors, closed by now.
      }
      if (!target.startsWith("/usr/lib/jvm/")) inherited.add("inherited fd " + fd + ": " + target);
    }
    inherited.forEach(System.out::println);
    if (inherited.isEmpty()) System.out.println("no descriptor above 2 was inherited");
    System.exit(inherited.isEmpty() ? 0 : 1);
  }
}
