package demo;

class Main {
    public static void main(String[] args) {
        System.out.println("no public class: the default name is used");
    }
}
