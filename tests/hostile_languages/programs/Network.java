// Network attempts; stdin holds "tcp PORT" (a Socket to the host's 127.0.0.1:PORT), "udp PORT"
// (a datagram there) or "dns" (resolve a public name). Exceptions end the program (exit 1).
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.Socket;
import java.util.Scanner;

public class Network {
  public static void main(String[] args) throws Exception {
    Scanner input = new Scanner(System.in);
    String mode = input.next();
    if (mode.equals("tcp")) {
      Socket socket = new Socket("127.0.0.1", input.nextInt());
      socket.getOutputStream().write("hello from the box\n".getBytes());
      System.out.println("tcp connected");
    } else if (mode.equals("udp")) {
      byte[] data = "hello from the box\n".getBytes();
      new DatagramSocket().send(new DatagramPacket(
          data, data.length, InetAddress.getByName("127.0.0.1"), input.nextInt()));
      System.out.println("udp sent");
    } else if (mode.equals("dns")) {
      System.out.println("dns " + InetAddress.getByName("example.com"));
    }
  }
}
