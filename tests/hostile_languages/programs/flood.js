// Floods the stream stdin names ("stdout" or "stderr") without end, waiting for drain when the
// pipe is full so the flood never stops on its own.
const stream =
    require('fs').readFileSync(0, 'utf8').trim() === 'stdout' ? process.stdout : process.stderr;
const block = 'A'.repeat(65536);
function flood() {
  while (stream.write(block)) {
  }
  stream.once('drain', flood);
}
flood();
