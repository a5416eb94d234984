// Process bomb: spawns busy shells without limit, then shells that leave daemons behind.
const childProcess = require('child_process');
let started = 0, failed = 0;
for (let i = 0; i < 300; i++) {
  try {
    const child = childProcess.spawn('/bin/sh', ['-c', 'while :; do :; done']);
    child.on('error', () => {
      failed++;
    });
    started++;
  } catch (error) {
    failed++;
  }
}
for (let i = 0; i < 100; i++) {
  try {
    childProcess.execSync('/bin/sh -c "sleep 1000 &"', {stdio: 'ignore'});
    started++;
  } catch (error) {
    failed++;
  }
}
console.log('started', started, 'failed', failed);
