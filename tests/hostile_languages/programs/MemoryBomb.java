// Memory bomb; stdin names the way: "heap" (long arrays) or "direct" (direct ByteBuffers,
// outside the Java heap). Every page is touched.
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Scanner;

public class MemoryBomb {
  public static void main(String[] args) {
    String mode = new Scanner(System.in).next();
    List<Object> held = new ArrayList<>();
    if (mode.equals("heap")) {
      while (true) {
        long[] chunk = new long[1 << 20];
        for (int i = 0; i < chunk.length; i += 512) chunk[i] = i;
        held.add(chunk);
      }
    } else if (mode.equals("direct")) {
      while (true) {
        ByteBuffer chunk = ByteBuffer.allocateDirect(16 << 20);
        for (int i = 0; i < chunk.capacity(); i += 4096) chunk.put(i, (byte) 1);
        held.add(chunk);
      }
    }
    System.out.println("survived " + mode);
  }
}
