// Network attempts; stdin holds "net PORT" (net.connect to the host's 127.0.0.1:PORT), "http
// PORT" (http.get there) or "udp PORT" (a datagram there). Prints what worked; exits 4 on an
// error event.
const [mode, port] = require('fs').readFileSync(0, 'utf8').trim().split(/\s+/);
const fail = (error) => {
  console.log(mode, 'error', error.code);
  process.exit(4);
};
if (mode === 'net') {
  const socket = require('net').connect(Number(port), '127.0.0.1', () => {
    socket.write('hello from the box\n');
    console.log('net connected');
    socket.end();
  });
  socket.on('error', fail);
} else if (mode === 'http') {
  require('http')
      .get(
          `http://127.0.0.1:${port}/`,
          (response) => {
            console.log('http status', response.statusCode);
          })
      .on('error', fail);
} else if (mode === 'udp') {
  const socket = require('dgram').createSocket('udp4');
  socket.on('error', fail);
  socket.send('hello from the box\n', Number(port), '127.0.0.1', (error) => {
    if (error) fail(error);
    console.log('udp sent');
    socket.close();
  });
}
