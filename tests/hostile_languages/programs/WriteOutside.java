// Writes a file named by stdin into every directory it can think of and prints "<path> OK" or
// "<path> FAIL <exception>" for each.
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.Scanner;

public class WriteOutside {
  public static void main(String[] args) {
    String name = new Scanner(System.in).next();
    String[] directories = {"/etc", "/usr", "/usr/lib", "", "/dev", "/proc",
        "/var/cache/codearena/pch", "/var/cache/codearena/pch/cpp", "/tmp", "/box"};
    for (String directory : directories) {
      String path = directory + "/" + name;
      try {
        Files.write(Paths.get(path), "written from the box\n".getBytes());
        System.out.println(path + " OK");
      } catch (Exception error) {
        System.out.println(path + " FAIL " + error.getClass().getSimpleName());
      }
    }
  }
}
