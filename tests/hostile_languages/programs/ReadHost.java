// Tries to read host files and directories (a fixed list plus one path per line of stdin) and
// prints what it got: "<path> ERR <exception>", "<path> DIR <entries>" or "<path> READ
// <content>", then its whole environment and system properties.
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Scanner;

public class ReadHost {
  public static void main(String[] args) {
    List<String> paths = new ArrayList<>(
        Arrays.asList("/etc/shadow", "/etc/gshadow", "/proc/1/environ", "/proc/1/cmdline",
            "/proc/1/root/etc/shadow", "/root", "/home", "/root/.bash_history", "/run/codearena",
            "/sys/class/net", "/var/cache/codearena", "/etc/passwd", "/proc/self/environ"));
    Scanner input = new Scanner(System.in);
    while (input.hasNext()) paths.add(input.next());
    for (String path : paths) {
      try {
        File file = new File(path);
        if (file.isDirectory()) {
          String[] entries = file.list();
          if (entries == null) throw new java.io.IOException("cannot list");
          Arrays.sort(entries);
          System.out.println(path + " DIR " + String.join(",", entries));
        } else {
          String content =
              new String(Files.readAllBytes(Paths.get(path)), StandardCharsets.ISO_8859_1);
          System.out.println(path + " READ " + content.replace('\0', ' '));
        }
      } catch (Exception error) {
        System.out.println(path + " ERR " + error.getClass().getSimpleName());
      }
    }
    System.out.println("ENV " + System.getenv());
    System.out.println("PROPERTIES " + System.getProperties());
  }
}
