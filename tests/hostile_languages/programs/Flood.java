// Floods the stream stdin names ("stdout" or "stderr") without end.
import java.io.PrintStream;
import java.util.Scanner;

public class Flood {
  public static void main(String[] args) {
    PrintStream stream = new Scanner(System.in).next().equals("stdout") ? System.out : System.err;
    String block = "A".repeat(4096);
    while (true) stream.print(block);
  }
}
