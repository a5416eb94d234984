import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * A Java compiler made ready ahead of one job and used for that job only.
 *
 * <p>Arguments: the sample source (public data of the language table), how many times to
 * compile it to warm the compiler, the directory the warm-up compiles into, then javac's
 * options. After the warm-up it prints "ready" and reads its standard input to the end: one
 * line with the job's source file name, then the source. It writes the source into the working
 * directory, compiles it there with the options (diagnostics on standard error, as javac's
 * own) and exits with javac's status. It never reads a second job.
 */
public final class SpareCompiler {
  private SpareCompiler() {}

  public static void main(String[] args) throws IOException {
    if (args.length < 3) {
      System.err.println("usage: SpareCompiler SAMPLE WARMUPS WARM_DIR [JAVAC OPTION...]");
      System.exit(2);
    }
    takeTheJavacLaunchersClassPath();
    final JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    final List<String> options = Arrays.asList(args).subList(3, args.length);
    warm(javac, options, args[0], Integer.parseInt(args[1]), args[2]);
    System.out.println("ready");
    System.out.flush();
    final byte[] job = readAll(System.in);
    final int newline = indexOf(job, (byte) '\n');
    final String name =
        newline < 0 ? "" : new String(job, 0, newline, StandardCharsets.UTF_8);
    if (!isPlainJavaFileName(name)) {
      System.err.println("the job names no plain .java source file");
      System.exit(2);
    }
    Files.write(Paths.get(name), Arrays.copyOfRange(job, newline + 1, job.length));
    System.exit(compile(javac, options, name, System.err));
  }

  /**
   * javac run inside a JVM takes that JVM's class path (this program's jar) for the sources it
   * compiles, where the javac launcher takes $CLASSPATH or the working directory: the launcher's
   * two properties make a job's classes resolve exactly as with a cold javac, never against
   * this program's own classes.
   */
  private static void takeTheJavacLaunchersClassPath() {
    System.setProperty("application.home", System.getProperty("java.home"));
    final String classPath = System.getenv("CLASSPATH");
    if (classPath != null) System.setProperty("env.class.path", classPath);
  }

  private static void warm(
      JavaCompiler javac, List<String> options, String sample, int times, String dir)
      throws IOException {
    final PrintStream discard = new PrintStream(PrintStream.nullOutputStream());
    for (int i = 0; i < times; ++i) {
      final Path out = Files.createDirectories(Paths.get(dir, Integer.toString(i)));
      final List<String> args = new ArrayList<>(options);
      args.add("-d");
      args.add(out.toString());
      compile(javac, args, sample, discard);
    }
  }

  private static int compile(
      JavaCompiler javac, List<String> options, String source, PrintStream diagnostics) {
    final List<String> args = new ArrayList<>(options);
    args.add(source);
    return javac.run(null, null, diagnostics, args.toArray(new String[0]));
  }

  private static byte[] readAll(InputStream in) throws IOException {
    return in.readAllBytes();
  }

  private static int indexOf(byte[] bytes, byte wanted) {
    for (int i = 0; i < bytes.length; ++i) {
      if (bytes[i] == wanted) return i;
    }
    return -1;
  }

  private static boolean isPlainJavaFileName(String name) {
    return name.endsWith(".java") && name.length() > 5 && name.indexOf('/') < 0
        && name.indexOf('\0') < 0;
  }
}
