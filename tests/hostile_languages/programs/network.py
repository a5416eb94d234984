# Network attempts; stdin holds "tcp PORT" (connect to the host's 127.0.0.1:PORT), "udp PORT"
# (send a datagram there) or "dns" (resolve a public name). Prints what worked.
import socket
import sys

mode, *rest = sys.stdin.read().split()
if mode == "tcp":
    connection = socket.create_connection(("127.0.0.1", int(rest[0])), timeout=2)
    connection.sendall(b"hello from the box\n")
    print("tcp connected")
elif mode == "udp":
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.sendto(b"hello from the box\n", ("127.0.0.1", int(rest[0])))
    print("udp sent")
elif mode == "dns":
    print("dns", socket.getaddrinfo("example.com", 80))
