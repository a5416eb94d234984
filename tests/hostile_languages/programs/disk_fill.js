// Fills /box, /tmp and /dev/shm with 8 MiB files until writes fail; prints how far it got.
const fs = require('fs');
const block = Buffer.alloc(8 << 20, 120);
for (const directory of ['/box', '/tmp', '/dev/shm']) {
  let count = 0;
  try {
    for (;;) fs.writeFileSync(`${directory}/fill${count++}`, block);
  } catch (error) {
    console.log(directory, count - 1, error.code);
  }
}
