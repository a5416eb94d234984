// Sleeps (almost) forever without using CPU.
public class SleepForever {
  public static void main(String[] args) throws InterruptedException {
    Thread.sleep(1_000_000_000L);
  }
}
