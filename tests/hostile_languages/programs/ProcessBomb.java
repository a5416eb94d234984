// Process and thread bomb: starts sleeping shells through ProcessBuilder and sleeping threads
// until either fails (the pids limit), then reports.
import java.util.ArrayList;
import java.util.List;

public class ProcessBomb {
  public static void main(String[] args) {
    List<Process> processes = new ArrayList<>();
    try {
      while (true) processes.add(new ProcessBuilder("/bin/sh", "-c", "sleep 1000").start());
    } catch (Throwable error) {
      System.out.println("processes " + processes.size() + " then " + error.getClass().getName());
    }
    int threads = 0;
    try {
      while (true) {
        Thread thread = new Thread(() -> {
          try {
            Thread.sleep(1_000_000);
          } catch (InterruptedException ignored) {
          }
        });
        thread.setDaemon(true);
        thread.start();
        ++threads;
      }
    } catch (Throwable error) {
      System.out.println("threads " + threads + " then " + error.getClass().getName());
    }
  }
}
