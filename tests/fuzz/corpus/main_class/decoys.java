// public class LineComment {}
/* public class BlockComment {} */
/** Javadoc: public class Doc {} */
@SuppressWarnings({"unchecked", "public class InString"})
public final strictfp class Solution<T extends Comparable<T>> {
    static final String TEXT = """
        public class InTextBlock { \""" }
        """;
    static final char QUOTE = '"';
    static final char ESCAPED = '\'';
    public class Inner {}
    public static void main(String[] args) { System.out.println(TEXT + QUOTE); }
}
