// CPU burn in 16 threads plus the main thread.
public class SpinThreads {
  static volatile long sink;

  public static void main(String[] args) {
    for (int i = 0; i < 16; i++) {
      new Thread(() -> {
        long x = 0;
        while (true) sink = ++x;
      }).start();
    }
    long y = 0;
    while (true) sink = ++y;
  }
}
