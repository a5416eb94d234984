@Deprecated
public @java.lang.Deprecated(since = "9") sealed interface Shape permits Circle, Square {}
final class Circle implements Shape {}
non-sealed class Square implements Shape {}
public enum Color { RED, GREEN }
public record Point(int x, int y) {}
public @interface Marker {}
