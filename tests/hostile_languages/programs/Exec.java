// Runs shells through Runtime.exec and ProcessBuilder (they run inside the box, as the box's
// user, and see no host file), prints what they said, then exits with code 3.
import java.io.BufferedReader;
import java.io.InputStreamReader;

public class Exec {
  static void show(String tag, Process process) throws Exception {
    BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream()));
    for (String line; (line = reader.readLine()) != null;) System.out.println(tag + ": " + line);
    System.out.println(tag + " exit " + process.waitFor());
  }

  public static void main(String[] args) throws Exception {
    show("exec",
        Runtime.getRuntime().exec(
            new String[] {"/bin/sh", "-c", "id; cat /etc/shadow /proc/1/environ 2>&1; env"}));
    show("builder",
        new ProcessBuilder("/bin/sh", "-c", "id; ls /root /home 2>&1")
            .redirectErrorStream(true)
            .start());
    System.out.flush();
    System.exit(3);
  }
}
