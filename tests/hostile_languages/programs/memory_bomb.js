// Memory bomb; stdin names the way: "heap" (JavaScript arrays, on V8's heap) or "buffer"
// (Buffers, outside V8's heap). Every page is touched.
const mode = require('fs').readFileSync(0, 'utf8').trim();
const held = [];
if (mode === 'heap') {
  for (;;) held.push(new Array(1 << 20).fill(1.5));
} else if (mode === 'buffer') {
  for (;;) held.push(Buffer.alloc(16 << 20, 1));
}
console.log('survived', mode);
